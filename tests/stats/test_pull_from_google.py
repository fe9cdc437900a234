"""The pull: GA4 runReport and Ads GAQL against the emulator, one call each, stored per tracking
and day; backfill, upserts, Measurement Protocol hits, processing delay, quota."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from google_emulator import seed
from integrations.google.errors import GoogleQuotaExceeded
from stats.models import DailyStat, StatSource
from stats.selectors import StatsPeriod, customer_daily_stats
from stats.services import customer_stats_refresh, stats_pull_customer
from stats.tasks import pull_customer
from tenants.models import AuditEvent
from tests.fixtures.trackings import calls_by_api, connection_of, make_tracking
from tests.google_emulator.ads_support import ads_client, mutate, webpage_action
from tests.google_emulator.http_support import ga4_service
from tests.google_emulator.reports_support import post, record_traffic, reports_creds
from trackings.models import TrackingStatus

RUN_REPORT = "analyticsdata.properties.runReport"


def day(n: int) -> Any:
    return timezone.now().date() - timedelta(days=n)


@pytest.fixture
def shop(alice: Any, connect_customer: Any, google_emulator: Any) -> dict[str, Any]:
    customer = connect_customer(alice)
    connection = connection_of(customer)
    # A person made the conversion action in Google Ads (a second API client).
    ads = ads_client(google_emulator)
    created = mutate(ads, [webpage_action(ads, "Purchase (by hand)")])
    action_id = created.results[0].resource_name.rsplit("/", 1)[1]
    buy = make_tracking(
        customer,
        destinations=["ga4", "google_ads"],
        ga4_event_name="purchase",
        ads_conversion_action_id=action_id,
        status=TrackingStatus.LIVE,
    )
    lead = make_tracking(customer, ga4_event_name="generate_lead", status=TrackingStatus.LIVE)
    return {
        "customer": customer,
        "connection": connection,
        "property": f"properties/{connection.ga4_property_id}",
        "action_id": action_id,
        "buy": buy,
        "lead": lead,
    }


def stored(tracking: Any, source: str) -> dict[Any, tuple[Any, ...]]:
    return {
        row.day: (row.events, row.key_events, float(row.conversions), float(row.conversions_value))
        for row in DailyStat.objects.filter(tracking=tracking, source=source)
    }


def test_the_first_pull_backfills_30_days_with_one_call_per_api(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    record_traffic(
        google_emulator.http_url,
        ga4=[
            {
                "property": shop["property"],
                "date": day(5).isoformat(),
                "event_name": "purchase",
                "count": 9,
            },
            {
                "property": shop["property"],
                "date": day(29).isoformat(),
                "event_name": "generate_lead",
                "count": 4,
            },
            {
                "property": shop["property"],
                "date": day(31).isoformat(),
                "event_name": "purchase",
                "count": 50,
            },
            {
                "property": shop["property"],
                "date": day(5).isoformat(),
                "event_name": "page_view",
                "count": 700,
            },
        ],
        ads=[
            {
                "customer_id": seed.ADS_CLIENT_CUSTOMER_ID,
                "conversion_action_id": shop["action_id"],
                "date": day(5).isoformat(),
                "conversions": 3,
                "conversions_value": 89.7,
            }
        ],
    )
    before = google_emulator.stats()["calls"]

    result = stats_pull_customer(customer=shop["customer"])

    calls = google_emulator.stats()["calls"]
    assert result.google_calls == {"gtm": 0, "ads": 1, "ga4": 1}
    assert calls.get(RUN_REPORT, 0) - before.get(RUN_REPORT, 0) == 1
    ads_before, ads_after = calls_by_api({"calls": before}), calls_by_api({"calls": calls})
    assert ads_after["ads"] - ads_before["ads"] == 1
    assert (result.start, result.end, result.rows) == (day(29), day(0), 30 * 3)
    buy_ga4 = stored(shop["buy"], StatSource.GA4)
    assert len(buy_ga4) == 30
    assert buy_ga4[day(5)] == (9, 0, 0.0, 0.0)
    assert sum(v[0] for v in buy_ga4.values()) == 9  # 31 days ago is outside the backfill
    assert stored(shop["buy"], StatSource.GOOGLE_ADS)[day(5)] == (0, 0, 3.0, 89.7)
    assert stored(shop["lead"], StatSource.GA4)[day(29)] == (4, 0, 0.0, 0.0)
    assert not DailyStat.objects.filter(
        tracking=shop["lead"], source=StatSource.GOOGLE_ADS
    ).exists()


def test_later_pulls_take_yesterday_and_today_and_overwrite_them(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    stats_pull_customer(customer=shop["customer"])
    record_traffic(
        google_emulator.http_url,
        ga4=[
            {
                "property": shop["property"],
                "date": day(1).isoformat(),
                "event_name": "purchase",
                "count": 6,
            }
        ],
    )

    result = stats_pull_customer(customer=shop["customer"])

    assert (result.start, result.end) == (day(1), day(0))
    assert stored(shop["buy"], StatSource.GA4)[day(1)] == (6, 0, 0.0, 0.0)
    # The customer's day (kept for the by-day endpoint) follows its trackings' rows.
    by_day = customer_daily_stats(
        organization_id=shop["customer"].organization_id,
        customer_id=shop["customer"].pk,
        period=StatsPeriod(start=day(1), end=day(1)),
        group_by="day",
        today=day(0),
    )
    assert by_day["totals"]["events"] == 6
    assert DailyStat.objects.filter(tracking=shop["buy"], source=StatSource.GA4).count() == 30


def test_measurement_protocol_hits_and_a_key_event_made_by_someone_else_are_counted(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    person = ga4_service(google_emulator.http_url, reports_creds(google_emulator.http_url))
    stream = f"{shop['property']}/dataStreams/{shop['connection'].ga4_stream_id}"
    secret = (
        person.properties()
        .dataStreams()
        .measurementProtocolSecrets()
        .create(parent=stream, body={"displayName": "site backend"})
        .execute()["secretValue"]
    )
    person.properties().keyEvents().create(
        parent=shop["property"], body={"eventName": "purchase", "countingMethod": "ONCE_PER_EVENT"}
    ).execute()
    url = (
        f"{google_emulator.http_url}/mp/collect?measurement_id="
        f"{shop['connection'].ga4_measurement_id}&api_secret={secret}"
    )
    for _ in range(4):
        status, _ = post(url, {"client_id": "555.1", "events": [{"name": "purchase"}]})
        assert status == 204

    stats_pull_customer(customer=shop["customer"])

    hit_day = datetime.now(ZoneInfo(seed.GA4_PROPERTY_TIME_ZONE)).date()
    assert stored(shop["buy"], StatSource.GA4)[hit_day] == (4, 4, 0.0, 0.0)


def test_today_stays_incomplete_while_google_processes(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    google_emulator.configure({"reports": {"processing_delay_seconds": 3600}})
    today = datetime.now(ZoneInfo(seed.GA4_PROPERTY_TIME_ZONE)).date()
    record_traffic(
        google_emulator.http_url,
        ga4=[
            {
                "property": shop["property"],
                "date": today.isoformat(),
                "event_name": "purchase",
                "count": 8,
            },
            {
                "property": shop["property"],
                "date": (today - timedelta(days=1)).isoformat(),
                "event_name": "purchase",
                "count": 5,
            },
        ],
    )

    stats_pull_customer(customer=shop["customer"])

    rows = stored(shop["buy"], StatSource.GA4)
    assert rows[today - timedelta(days=1)][0] == 5
    assert rows.get(today, (0,))[0] == 0


def test_a_source_google_refuses_stores_nothing_and_the_other_still_counts(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    google_emulator.configure(
        {"faults": [{"api": "ga4data", "method": RUN_REPORT, "status": 403, "rate": 1}]}
    )
    record_traffic(
        google_emulator.http_url,
        ads=[
            {
                "customer_id": seed.ADS_CLIENT_CUSTOMER_ID,
                "conversion_action_id": shop["action_id"],
                "date": day(2).isoformat(),
                "conversions": 2,
            }
        ],
    )

    result = stats_pull_customer(customer=shop["customer"])

    assert set(result.refused) == {StatSource.GA4}
    assert not DailyStat.objects.filter(source=StatSource.GA4).exists()  # not zeros
    assert stored(shop["buy"], StatSource.GOOGLE_ADS)[day(2)] == (0, 0, 2.0, 0.0)


def test_a_used_up_property_is_refused_before_calling_google(
    google_emulator: Any, shop: dict[str, Any], settings: Any
) -> None:
    settings.GA4_DATA_TOKENS_PER_HOUR = 1
    stats_pull_customer(customer=shop["customer"])
    before = google_emulator.stats()["calls"].get(RUN_REPORT, 0)

    with pytest.raises(GoogleQuotaExceeded) as info:
        stats_pull_customer(customer=shop["customer"])

    assert 0 < info.value.retry_after_seconds <= 3600
    assert google_emulator.stats()["calls"].get(RUN_REPORT, 0) == before


def test_google_saying_the_property_is_used_up_reschedules_the_task(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    google_emulator.configure({"reports": {"ga4_tokens_per_hour": 1}})
    stats_pull_customer(customer=shop["customer"])

    with pytest.raises(GoogleQuotaExceeded):
        stats_pull_customer(customer=shop["customer"])
    # Counted: the next try is refused here, without asking Google again.
    before = google_emulator.stats()["calls"].get(RUN_REPORT, 0)
    with pytest.raises(GoogleQuotaExceeded):
        stats_pull_customer(customer=shop["customer"])
    assert google_emulator.stats()["calls"].get(RUN_REPORT, 0) == before


def test_the_task_pulls_and_judges_another_organizations_id_does_nothing(
    google_emulator: Any, shop: dict[str, Any], bob: Any
) -> None:
    assert pull_customer.apply(args=(str(bob.organization.pk), str(shop["customer"].pk))).get() == 0
    assert not DailyStat.objects.exists()

    rows = pull_customer.apply(
        args=(str(shop["customer"].organization_id), str(shop["customer"].pk))
    ).get()

    assert rows == 90


def test_a_refresh_after_40_days_of_traffic_and_a_silent_yesterday_raises_the_alarm(
    google_emulator: Any, shop: dict[str, Any]
) -> None:
    record_traffic(
        google_emulator.http_url,
        ga4=[
            {
                "property": shop["property"],
                "date": day(n).isoformat(),
                "event_name": "purchase",
                "count": 20 + n % 3,
            }
            for n in range(40, 1, -1)
        ],
    )

    customer_stats_refresh(customer=shop["customer"])
    customer_stats_refresh(customer=shop["customer"])  # the next beat, same day

    shop["buy"].refresh_from_db()
    assert (shop["buy"].volume.status, shop["buy"].volume.judged_day) == ("silent", day(1))
    events = AuditEvent.objects.filter(action="tracking.silent", object_id=str(shop["buy"].pk))
    assert events.count() == 1
    # The lead tracking never counted anything: nothing to fall from.
    shop["lead"].refresh_from_db()
    assert shop["lead"].volume.status == "normal"
