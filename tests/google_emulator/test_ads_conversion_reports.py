"""Google Ads conversion metrics through GAQL: segmented by date and conversion action."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from google.ads.googleads.errors import GoogleAdsException

from google_emulator import seed

from .ads_support import CLIENT, MANAGER, ads_client, error_codes, mutate, search, webpage_action
from .reports_support import post, record_traffic

TODAY = dt.datetime.now(ZoneInfo(seed.ADS_CLIENT_TIME_ZONE)).date()
DAYS = [(TODAY - dt.timedelta(days=n)).isoformat() for n in (3, 2, 1)]
REPORT = (
    "SELECT segments.date, segments.conversion_action, metrics.conversions, "
    "metrics.all_conversions, metrics.conversions_value FROM customer "
    f"WHERE segments.date BETWEEN '{DAYS[0]}' AND '{TODAY.isoformat()}' "
    "ORDER BY segments.date, segments.conversion_action"
)


@pytest.fixture
def client(google_emulator: Any) -> Any:
    return ads_client(google_emulator)


@pytest.fixture
def actions(google_emulator: Any, client: Any) -> list[int]:
    response = mutate(client, [webpage_action(client, n) for n in ("OCT A [r]", "OCT B [r]")])
    ids = [int(r.resource_name.rsplit("/", 1)[1]) for r in response.results]
    record_traffic(
        google_emulator.http_url,
        ads=[
            {
                "customer_id": CLIENT,
                "conversion_action_id": str(action_id),
                "date": day,
                "conversions": n + 1,
                "all_conversions": n + 2,
                "conversions_value": 10.0 * (n + 1),
            }
            for n, day in enumerate(DAYS)
            for action_id in ids
        ],
    )
    return ids


def test_conversions_per_day_and_action(client: Any, actions: list[int]) -> None:
    rows = search(client, REPORT)

    got = [
        (
            r.segments.date,
            r.segments.conversion_action,
            r.metrics.conversions,
            r.metrics.all_conversions,
            r.metrics.conversions_value,
        )
        for r in rows
    ]
    expected = [
        (day, f"customers/{CLIENT}/conversionActions/{a}", n + 1.0, n + 2.0, 10.0 * (n + 1))
        for n, day in enumerate(DAYS)
        for a in sorted(actions)
    ]
    assert got == expected
    assert all(r.customer.resource_name == f"customers/{CLIENT}" for r in rows)


def test_unselected_segments_are_summed_and_search_stream_agrees(
    client: Any, actions: list[int]
) -> None:
    query = (
        "SELECT segments.conversion_action, metrics.conversions FROM customer "
        "WHERE segments.date DURING LAST_7_DAYS"
    )
    rows = search(client, query)
    service = client.get_service("GoogleAdsService")
    streamed = [
        r for batch in service.search_stream(customer_id=CLIENT, query=query) for r in batch.results
    ]

    assert sorted(r.metrics.conversions for r in rows) == [6.0, 6.0]
    assert [r.metrics.conversions for r in streamed] == [r.metrics.conversions for r in rows]


def test_a_date_filter_narrows_the_days(client: Any, actions: list[int]) -> None:
    rows = search(
        client,
        "SELECT segments.date, metrics.conversions FROM customer "
        f"WHERE segments.date = '{DAYS[2]}'",
    )
    assert [(r.segments.date, r.metrics.conversions) for r in rows] == [(DAYS[2], 6.0)]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (
            "SELECT segments.date, metrics.conversions FROM customer",
            "EXPECTED_FILTERS_ON_DATE_RANGE",
        ),
        (
            "SELECT segments.date, metrics.conversions FROM customer "
            "WHERE segments.date BETWEEN '2026/01/01' AND '2026-01-31'",
            "INVALID_DATE_FORMAT",
        ),
        (
            "SELECT segments.date FROM customer WHERE segments.date DURING YESTERYEAR",
            "INVALID_VALUE_WITH_DURING_OPERATOR",
        ),
        ("SELECT metrics.clicks FROM customer", "QUERY_ERROR"),
    ],
)
def test_bad_report_queries_get_googles_query_errors(client: Any, query: str, code: str) -> None:
    with pytest.raises(GoogleAdsException) as info:
        search(client, query)
    assert error_codes(info.value) == [("query_error", code)]


def test_a_manager_account_has_no_metrics(client: Any) -> None:
    with pytest.raises(GoogleAdsException) as info:
        search(
            client,
            "SELECT metrics.conversions FROM customer WHERE segments.date DURING TODAY",
            customer_id=MANAGER,
        )
    assert error_codes(info.value) == [("query_error", "REQUESTED_METRICS_FOR_MANAGER")]


def test_the_control_endpoint_refuses_an_unknown_action_and_records_nothing(
    google_emulator: Any, client: Any, actions: list[int]
) -> None:
    status, body = post(
        f"{google_emulator.http_url}/_emulator/traffic",
        {
            "ads": [
                {
                    "customer_id": CLIENT,
                    "conversion_action_id": str(actions[0]),
                    "date": DAYS[0],
                    "conversions": 50,
                },
                {
                    "customer_id": CLIENT,
                    "conversion_action_id": "1",
                    "date": DAYS[0],
                    "conversions": 1,
                },
            ]
        },
    )
    assert status == 400
    assert body["error"]["field"] == "ads[1].conversion_action_id"
    assert sum(r.metrics.conversions for r in search(client, REPORT)) == 2 * (1 + 2 + 3)
