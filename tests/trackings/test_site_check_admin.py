"""Staff see a tracking's site status, what the check saw and its screenshot; site checks are
listed read-only; the action on trackings asks for a check of their customers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tenants.models import User
from tests.fixtures.trackings import make_tracking
from tests.trackings.site_check_support import shop_customer
from trackings.lifecycle import trackings_record_site_check
from trackings.models import SiteCheck, SiteScreenshot

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xd9"


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(user)
    return client


def test_the_tracking_page_shows_the_verdict_detail_and_screenshot(
    staff: Client, alice: Any
) -> None:
    customer = shop_customer(alice, "https://shop.example.com/")
    tracking = make_tracking(customer, config={"selector": "button.wishlist"})
    check = SiteCheck.objects.create(organization=alice.organization, customer=customer)
    trackings_record_site_check(
        verdicts={
            tracking.pk: (
                "selector_not_found",
                {"page_url": "https://shop.example.com/", "message": "Nothing matches"},
            )
        },
        site_check_id=check.pk,
        now=timezone.now(),
    )
    SiteScreenshot.objects.create(
        organization=alice.organization, tracking=tracking, image=JPEG, width=10, height=10
    )

    page = staff.get(f"/admin/trackings/tracking/{tracking.pk}/change/").content.decode()
    listed = staff.get("/admin/trackings/tracking/?site_status=selector_not_found").content.decode()

    assert "Selector not found" in page
    assert "Nothing matches" in page
    assert 'src="data:image/jpeg;base64,' in page
    assert str(tracking.pk) in listed


def test_site_checks_are_listed_and_read_only(staff: Client, alice: Any, bob: Any) -> None:
    ours = SiteCheck.objects.create(
        organization=alice.organization,
        customer=shop_customer(alice, "https://shop.example.com/"),
        pages=[{"url": "https://shop.example.com/", "snippet": True}],
    )
    SiteCheck.objects.create(
        organization=bob.organization, customer=shop_customer(bob, "https://b.example.com/")
    )

    listed = staff.get(f"/admin/trackings/sitecheck/?q={ours.customer.name}")
    detail = staff.get(f"/admin/trackings/sitecheck/{ours.pk}/change/")

    assert listed.status_code == 200
    assert listed.content.decode().count("/admin/trackings/sitecheck/") >= 1
    assert ours.customer.name in listed.content.decode()
    assert "b.example.com" not in listed.content.decode()
    assert detail.status_code == 200
    assert "https://shop.example.com/" in detail.content.decode()
    assert staff.get("/admin/trackings/sitecheck/add/").status_code == 403


def test_the_action_asks_for_a_check_of_the_selected_trackings_customers(
    staff: Client, alice: Any
) -> None:
    customer = shop_customer(alice, "https://shop.example.com/")
    first, second = make_tracking(customer), make_tracking(customer)

    response = staff.post(
        "/admin/trackings/tracking/",
        {"action": "run_site_check", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )

    [check] = SiteCheck.objects.all()
    assert check.customer_id == customer.pk
    assert f"/admin/trackings/sitecheck/{check.pk}/change/" in response.content.decode()
