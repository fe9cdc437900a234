"""GA4 Data API runReport over Measurement Protocol hits and recorded traffic."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from google_emulator import seed

from .http_support import assert_schema, ga4_service, google_error
from .reports_support import (
    PROPERTY,
    data_service,
    post,
    record_traffic,
    reports_creds,
    rows_of,
    web_stream_with_secret,
)

TODAY = dt.datetime.now(ZoneInfo(seed.GA4_PROPERTY_TIME_ZONE)).date()


@pytest.fixture
def creds(google_emulator: Any) -> Any:
    return reports_creds(google_emulator.http_url)


@pytest.fixture
def data(google_emulator: Any, creds: Any) -> Any:
    return data_service(google_emulator.http_url, creds)


@pytest.fixture
def admin(google_emulator: Any, creds: Any) -> Any:
    return ga4_service(google_emulator.http_url, creds)


def run(data: Any, body: dict[str, Any], prop: str = PROPERTY) -> dict[str, Any]:
    report = dict(data.properties().runReport(property=prop, body=body).execute())
    assert_schema("ga4data", "RunReportResponse", report)
    return report


def by_event_and_day(start: str = "7daysAgo", end: str = "today", **extra: Any) -> dict[str, Any]:
    return {
        "dimensions": [{"name": "date"}, {"name": "eventName"}],
        "metrics": [{"name": "eventCount"}, {"name": "keyEvents"}],
        "dateRanges": [{"startDate": start, "endDate": end}],
        **extra,
    }


def collect(url: str, measurement_id: str, secret: str, body: Any, debug: bool = False) -> Any:
    path = "/debug/mp/collect" if debug else "/mp/collect"
    return post(f"{url}{path}?measurement_id={measurement_id}&api_secret={secret}", body)


def test_measurement_protocol_hits_become_report_rows(
    google_emulator: Any, admin: Any, data: Any
) -> None:
    measurement_id, secret = web_stream_with_secret(admin)
    admin.properties().keyEvents().create(
        parent=PROPERTY, body={"eventName": "generate_lead", "countingMethod": "ONCE_PER_EVENT"}
    ).execute()
    hits = {"client_id": "123.456", "events": [{"name": "add_to_cart"}, {"name": "generate_lead"}]}
    for _ in range(3):
        status, _ = collect(google_emulator.http_url, measurement_id, secret, hits)
        assert status == 204

    report = run(data, by_event_and_day())

    day = TODAY.strftime("%Y%m%d")
    assert rows_of(report) == [
        ([day, "add_to_cart"], ["3", "0"]),
        ([day, "generate_lead"], ["3", "3"]),
    ]
    assert report["rowCount"] == 2
    assert report["metadata"]["timeZone"] == seed.GA4_PROPERTY_TIME_ZONE
    assert google_emulator.stats()["calls"]["measurement_protocol.collect"] == 3


def test_hits_with_a_wrong_secret_are_answered_2xx_and_dropped(
    google_emulator: Any, admin: Any, data: Any
) -> None:
    measurement_id, _secret = web_stream_with_secret(admin)
    hits = {"client_id": "1.2", "events": [{"name": "add_to_cart"}]}

    status, _ = collect(google_emulator.http_url, measurement_id, "not-the-secret", hits)
    debug_status, debug = collect(
        google_emulator.http_url, measurement_id, "not-the-secret", hits, debug=True
    )

    assert status == 204
    assert debug_status == 200
    assert [m["fieldPath"] for m in debug["validationMessages"]] == ["api_secret"]
    assert "rows" not in run(data, by_event_and_day())


def test_the_validation_server_names_reserved_and_invalid_events_and_records_nothing(
    google_emulator: Any, admin: Any, data: Any
) -> None:
    measurement_id, secret = web_stream_with_secret(admin)
    body = {
        "client_id": "1.2",
        "events": [{"name": "session_start"}, {"name": "9lives"}, {"name": "ok_event"}],
    }

    _, debug = collect(google_emulator.http_url, measurement_id, secret, body, debug=True)

    assert [(m["fieldPath"], m["validationCode"]) for m in debug["validationMessages"]] == [
        ("events[0].name", "NAME_RESERVED"),
        ("events[1].name", "NAME_INVALID"),
    ]
    assert "rows" not in run(data, by_event_and_day())


def test_today_is_incomplete_until_the_processing_delay_has_passed(
    google_emulator: Any, admin: Any, data: Any
) -> None:
    measurement_id, secret = web_stream_with_secret(admin)
    google_emulator.configure({"reports": {"processing_delay_seconds": 3600}})
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    record_traffic(
        google_emulator.http_url,
        ga4=[{"property": PROPERTY, "date": yesterday, "event_name": "purchase", "count": 7}],
    )
    collect(
        google_emulator.http_url,
        measurement_id,
        secret,
        {"client_id": "1.2", "events": [{"name": "purchase"}]},
    )

    report = run(data, by_event_and_day())

    assert rows_of(report) == [([yesterday.replace("-", ""), "purchase"], ["7", "0"])]


def test_dimension_filters_and_several_date_ranges(google_emulator: Any, data: Any) -> None:
    days = [(TODAY - dt.timedelta(days=n)).isoformat() for n in (1, 2, 10)]
    record_traffic(
        google_emulator.http_url,
        ga4=[
            {"property": PROPERTY, "date": day, "event_name": name, "count": count}
            for day in days
            for name, count in (("purchase", 2), ("sign_up", 5), ("page_view", 40))
        ],
    )
    body = {
        "dimensions": [{"name": "eventName"}],
        "metrics": [{"name": "eventCount"}],
        "dateRanges": [
            {"startDate": "7daysAgo", "endDate": "yesterday"},
            {"startDate": "30daysAgo", "endDate": "yesterday", "name": "month"},
        ],
        "dimensionFilter": {
            "filter": {
                "fieldName": "eventName",
                "inListFilter": {"values": ["purchase", "sign_up"]},
            }
        },
        "orderBys": [{"metric": {"metricName": "eventCount"}, "desc": True}],
        "metricAggregations": ["TOTAL"],
    }

    report = run(data, body)

    assert [h["name"] for h in report["dimensionHeaders"]] == ["eventName", "dateRange"]
    assert rows_of(report) == [
        (["sign_up", "month"], ["15"]),
        (["sign_up", "date_range_0"], ["10"]),
        (["purchase", "month"], ["6"]),
        (["purchase", "date_range_0"], ["4"]),
    ]
    assert report["totals"][0]["metricValues"] == [{"value": "35"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dimensions": [{"name": "country"}]}, "dimensions[0].name"),
        ({"metrics": [{"name": "sessions"}]}, "metrics[0].name"),
        (
            {"dateRanges": [{"startDate": "2026-13-01", "endDate": "today"}]},
            "dateRanges[0].startDate",
        ),
        ({"dateRanges": [{"startDate": "today", "endDate": "yesterday"}]}, "dateRanges[0]"),
        (
            {
                "dimensionFilter": {
                    "filter": {"fieldName": "eventCount", "stringFilter": {"value": "1"}}
                }
            },
            "dimensionFilter.filter.fieldName",
        ),
        ({"dimensions": [{"nmae": "date"}]}, "dimensions[0].nmae"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(
    data: Any, body: dict[str, Any], field: str
) -> None:
    request = {**by_event_and_day(), **body}
    with google_error(400, field):
        run(data, request)


def test_a_missing_scope_is_refused(google_emulator: Any, admin: Any) -> None:
    from .http_support import sign_in

    edit_only = data_service(
        google_emulator.http_url,
        sign_in(google_emulator.http_url, ("https://www.googleapis.com/auth/analytics.edit",)),
    )
    with google_error(403):
        run(edit_only, by_event_and_day())


def test_the_property_token_quota_is_counted_and_enforced(google_emulator: Any, data: Any) -> None:
    google_emulator.configure({"reports": {"ga4_tokens_per_hour": 2}})

    first = run(data, by_event_and_day(returnPropertyQuota=True))
    run(data, by_event_and_day())

    assert first["propertyQuota"]["tokensPerHour"] == {"consumed": 1, "remaining": 1}
    with google_error(429):
        run(data, by_event_and_day())


def test_an_unknown_property_is_refused(data: Any) -> None:
    with google_error(403):
        run(data, by_event_and_day(), prop="properties/999")
