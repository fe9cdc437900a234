"""Staff console: the customer page's 30-day chart and the silent trackings of every
organization."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from stats.services import customer_volumes_judge
from tenants.models import User
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import make_tracking
from trackings.models import TrackingStatus

from .stats_support import days_ago, seed_ads, seed_ga4


@pytest.fixture
def staff_client(db: None) -> Client:
    staff = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(staff)
    return client


def test_a_customers_page_shows_its_last_30_days_as_an_inline_svg(
    staff_client: Client, alice: Any
) -> None:
    customer = make_customer(alice)
    tracking = make_tracking(customer, destinations=["ga4", "google_ads"])
    seed_ga4(tracking, {days_ago(3): 17, days_ago(45): 999})
    seed_ads(tracking, {days_ago(3): ("2", "20")})

    page = staff_client.get(f"/admin/customers/customer/{customer.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<rect ") == 30
    assert f"{days_ago(3).isoformat()}: 17 events, 2.0 conversions" in html
    assert "max 17" in html  # 45 days ago is outside the chart
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_staff_see_silent_trackings_of_every_organization(
    staff_client: Client, alice: Any, bob: Any
) -> None:
    names = []
    for tenant in (alice, bob):
        tracking = make_tracking(
            make_customer(tenant),
            name=f"{tenant.name} buy",
            ga4_event_name="purchase",
            status=TrackingStatus.LIVE,
        )
        seed_ga4(tracking, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})
        customer_volumes_judge(customer=tracking.customer, day=days_ago(1))
        names.append(tracking.name)
    healthy = make_tracking(
        make_customer(alice),
        name="healthy one",
        ga4_event_name="purchase",
        status=TrackingStatus.LIVE,
    )
    seed_ga4(healthy, {days_ago(n): 25 for n in range(30, 0, -1)})
    assert customer_volumes_judge(customer=healthy.customer, day=days_ago(1)) == {
        healthy.pk: "normal"
    }

    html = staff_client.get("/admin/stats/silenttracking/").content.decode()

    assert all(name in html for name in names)
    assert "healthy one" not in html
