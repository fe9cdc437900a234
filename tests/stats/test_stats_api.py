"""GET /trackings/{id}/stats/ and /customers/{id}/stats/: numbers, totals, bad input, queries,
tenancy."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures.google import make_customer
from tests.fixtures.trackings import make_tracking

from .stats_support import TODAY, as_numbers, days_ago, seed_ads, seed_ga4


@pytest.fixture
def shop(alice: Any) -> dict[str, Any]:
    customer = make_customer(alice)
    buy = make_tracking(customer, destinations=["ga4", "google_ads"], ga4_event_name="purchase")
    lead = make_tracking(customer, ga4_event_name="generate_lead")
    seed_ga4(buy, {days_ago(2): 10, days_ago(1): 12, TODAY: 3}, key_events=10)
    seed_ads(buy, {days_ago(2): ("4", "40.50"), days_ago(1): ("1.5", "9.99")})
    seed_ga4(lead, {days_ago(1): 7, days_ago(40): 99})
    return {"customer": customer, "buy": buy, "lead": lead}


def get(client: Any, url: str, **params: Any) -> Any:
    return client.get(url, params)


def test_a_trackings_days_carry_ga4_and_ads_numbers_with_totals(alice: Any, shop: Any) -> None:
    response = get(
        alice.client,
        f"/api/v1/trackings/{shop['buy'].pk}/stats/",
        **{"from": days_ago(2).isoformat(), "to": TODAY.isoformat()},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["day"], as_numbers(r), r["partial"]) for r in body["results"]] == [
        (days_ago(2).isoformat(), (10, 10, 4.0, 4.0, 40.5), False),
        (days_ago(1).isoformat(), (12, 10, 1.5, 1.5, 9.99), False),
        (TODAY.isoformat(), (3, 3, 0, 0, 0), True),
    ]
    assert as_numbers(body["totals"]) == (25, 23, 5.5, 5.5, 50.49)
    assert (body["from"], body["to"]) == (days_ago(2).isoformat(), TODAY.isoformat())


def test_days_without_numbers_are_zero_rows_and_the_default_range_is_30_days(
    alice: Any, shop: Any
) -> None:
    body = get(alice.client, f"/api/v1/trackings/{shop['lead'].pk}/stats/").json()

    assert len(body["results"]) == 30
    assert body["results"][0]["day"] == days_ago(29).isoformat()
    assert as_numbers(body["totals"]) == (7, 0, 0, 0, 0)  # 40 days ago is outside


def test_a_customer_by_day_sums_its_trackings(alice: Any, shop: Any) -> None:
    body = get(
        alice.client,
        f"/api/v1/customers/{shop['customer'].pk}/stats/",
        **{"from": days_ago(1).isoformat(), "to": days_ago(1).isoformat()},
    ).json()

    assert body["group_by"] == "day"
    assert [(r["day"], as_numbers(r)) for r in body["results"]] == [
        (days_ago(1).isoformat(), (19, 10, 1.5, 1.5, 9.99))
    ]


def test_a_customer_by_tracking_has_one_row_per_tracking(alice: Any, shop: Any) -> None:
    body = get(
        alice.client,
        f"/api/v1/customers/{shop['customer'].pk}/stats/",
        group_by="tracking",
        **{"from": days_ago(10).isoformat()},
    ).json()

    rows = {r["tracking"]: as_numbers(r) for r in body["results"]}
    assert rows == {
        str(shop["buy"].pk): (25, 23, 5.5, 5.5, 50.49),
        str(shop["lead"].pk): (7, 0, 0, 0, 0),
    }
    assert as_numbers(body["totals"]) == (32, 23, 5.5, 5.5, 50.49)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
        ({"group_by": "week"}, "group_by"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(
    alice: Any, shop: Any, params: dict[str, str], field: str
) -> None:
    response = get(alice.client, f"/api/v1/customers/{shop['customer'].pk}/stats/", **params)

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_another_organization_gets_404_for_both_endpoints(bob: Any, shop: Any) -> None:
    for url in (
        f"/api/v1/trackings/{shop['buy'].pk}/stats/",
        f"/api/v1/customers/{shop['customer'].pk}/stats/",
    ):
        assert get(bob.client, url).status_code == 404


def test_a_viewer_may_read_stats(alice: Any, shop: Any) -> None:
    viewer = alice.client_for("viewer")
    assert get(viewer, f"/api/v1/customers/{shop['customer'].pk}/stats/").status_code == 200


def count_queries(client: Any, url: str, **params: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url, **params)
    assert response.status_code == 200, response.content
    return len(captured)


def test_each_endpoint_costs_one_query_for_the_numbers(alice: Any, shop: Any) -> None:
    tracking_url = f"/api/v1/trackings/{shop['buy'].pk}/stats/"
    customer_url = f"/api/v1/customers/{shop['customer'].pk}/stats/"
    count_queries(alice.client, tracking_url)  # warm per-process caches

    # The user with their memberships (one query), the tracking or customer (scoped), the
    # numbers.
    assert count_queries(alice.client, tracking_url) == 3
    assert count_queries(alice.client, customer_url) == 3
    assert count_queries(alice.client, customer_url, group_by="tracking") == 3
    more = make_tracking(shop["customer"], ga4_event_name="sign_up")
    seed_ga4(more, {days_ago(n): n for n in range(1, 30)})
    assert count_queries(alice.client, customer_url, group_by="tracking") == 3


def test_today_and_partial_are_the_customers_not_utcs(alice: Any, shop: Any) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    # Whatever the hour, one of these two is on another date than UTC right now.
    now = datetime.now(UTC)
    # An hour of margin each side: Pago_Pago (UTC-11) is on the day before until 11:00 UTC,
    # Kiritimati (UTC+14) on the day after from 10:00 UTC.
    zone = "Pacific/Pago_Pago" if now.hour < 10 else "Pacific/Kiritimati"
    local_today = now.astimezone(ZoneInfo(zone)).date()
    assert local_today != now.date()
    customer = shop["customer"]
    customer.time_zone = zone
    customer.save(update_fields=["time_zone"])

    for url in (
        f"/api/v1/trackings/{shop['buy'].pk}/stats/",
        f"/api/v1/customers/{customer.pk}/stats/",
    ):
        body = get(alice.client, url).json()
        assert body["to"] == local_today.isoformat()
        partial = {r["day"] for r in body["results"] if r["partial"]}
        assert partial == {local_today.isoformat()}
        # The day before the customer's today is complete even if it is UTC's today.
        assert (local_today - timedelta(days=1)).isoformat() not in partial
