"""The site check over REST: asking for one (202, the check to poll, one at a time per
customer), the verdicts on the tracking, the screenshot, roles, 400s naming the field, and
another organization's customer, check, tracking or screenshot answering 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tenants.actors import Actor
from tenants.models import Role
from tests.fixtures.trackings import make_tracking
from tests.trackings.site_check_support import shop_customer
from trackings.lifecycle import trackings_record_site_check
from trackings.models import SiteCheck, SiteCheckStatus, SiteScreenshot
from trackings.services.site_checks import customers_schedule_site_checks

pytestmark = pytest.mark.django_db

WEBSITE = "https://shop.example.com/"
# The smallest JPEG worth the name: start and end markers around nothing.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xd9"


def _ask(client: Any, customer: Any, **extra: Any) -> Any:
    return client.post(f"/api/v1/customers/{customer.pk}/site-check/", **extra)


def test_asking_answers_202_with_the_check_to_poll(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)

    response = _ask(alice.client, customer)

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["customer"] == str(customer.pk)
    assert response["Location"] == f"/api/v1/site-checks/{body['id']}/"
    polled = alice.client.get(response["Location"])
    assert polled.status_code == 200
    assert polled.json()["id"] == body["id"]
    listed = alice.client.get(f"/api/v1/site-checks/?customer={customer.pk}").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]


def test_a_second_request_while_one_waits_gets_the_same_check(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)

    first = _ask(alice.client, customer).json()
    second = _ask(alice.client, customer).json()

    assert first["id"] == second["id"]
    assert SiteCheck.objects.filter(customer=customer).count() == 1


def test_a_check_that_never_finished_is_replaced_after_half_an_hour(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)
    stuck = _ask(alice.client, customer).json()
    SiteCheck.objects.filter(pk=stuck["id"]).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )

    fresh = _ask(alice.client, customer).json()

    assert fresh["id"] != stuck["id"]
    assert SiteCheck.objects.get(pk=stuck["id"]).status == SiteCheckStatus.FAILED


def test_the_same_idempotency_key_answers_the_same_check(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)

    first = _ask(alice.client, customer, HTTP_IDEMPOTENCY_KEY="check-1")
    again = _ask(alice.client, customer, HTTP_IDEMPOTENCY_KEY="check-1")

    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]


def test_without_a_container_the_400_names_gtm_container_id(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE, container="")

    response = _ask(alice.client, customer)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["gtm_container_id"]
    assert not SiteCheck.objects.exists()


@pytest.mark.parametrize(("role", "status"), [(Role.VIEWER, 403), (Role.MEMBER, 202)])
def test_members_ask_for_checks_and_viewers_read_them(alice: Any, role: str, status: int) -> None:
    customer = shop_customer(alice, WEBSITE)
    client = alice.client_for(role)

    assert _ask(client, customer).status_code == status
    assert client.get("/api/v1/site-checks/").status_code == 200


def test_an_api_key_asks_for_a_check(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)

    assert _ask(alice.api_key_client(Role.MEMBER), customer).status_code == 202


def test_another_organizations_customer_check_tracking_and_screenshot_are_404(
    alice: Any, bob: Any
) -> None:
    customer = shop_customer(alice, WEBSITE)
    check = _ask(alice.client, customer).json()
    tracking = make_tracking(customer)
    SiteScreenshot.objects.create(
        organization=alice.organization, tracking=tracking, image=JPEG, width=10, height=10
    )

    assert _ask(bob.client, customer).status_code == 404
    assert bob.client.get(f"/api/v1/site-checks/{check['id']}/").status_code == 404
    assert bob.client.get("/api/v1/site-checks/").json()["results"] == []
    assert bob.client.get(f"/api/v1/site-checks/?customer={customer.pk}").json()["results"] == []
    screenshot = f"/api/v1/trackings/{tracking.pk}/site-screenshot/"
    assert bob.client.get(screenshot).status_code == 404
    assert alice.client.get(screenshot).status_code == 200
    assert SiteCheck.objects.count() == 1


def test_the_tracking_shows_the_verdict_what_was_seen_and_the_screenshot(alice: Any) -> None:
    customer = shop_customer(alice, WEBSITE)
    tracking = make_tracking(customer, config={"selector": "button.buy"})
    bare = make_tracking(customer)
    check = SiteCheck.objects.create(organization=alice.organization, customer=customer)
    detail = {
        "page_url": WEBSITE,
        "message": "Verified: clicking button.buy made the trigger fire (gtm.click).",
        "matched": ['button.buy "Buy"'],
        "match_count": 1,
        "event": {"expected": "gtm.click", "action": "click", "reached": True},
        "site_check": str(check.pk),
    }
    trackings_record_site_check(
        verdicts={tracking.pk: ("verified", detail)}, site_check_id=check.pk, now=timezone.now()
    )
    SiteScreenshot.objects.create(
        organization=alice.organization, tracking=tracking, image=JPEG, width=10, height=10
    )

    body = alice.client.get(f"/api/v1/trackings/{tracking.pk}/").json()
    listed = {
        t["id"]: t
        for t in alice.client.get(f"/api/v1/trackings/?customer={customer.pk}").json()["results"]
    }

    assert body["site_status"] == "verified"
    seen = body["site_check"]
    assert seen["page_url"] == WEBSITE
    assert seen["matched"] == ['button.buy "Buy"']
    assert seen["event"]["reached"] is True
    assert seen["site_check"] == str(check.pk)
    assert seen["screenshot_url"].endswith(f"/api/v1/trackings/{tracking.pk}/site-screenshot/")
    assert listed[str(tracking.pk)]["site_check"]["screenshot_url"] == seen["screenshot_url"]
    assert listed[str(bare.pk)]["site_status"] is None
    assert listed[str(bare.pk)]["site_check"] is None
    image = alice.client.get(seen["screenshot_url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert image.content == JPEG


def test_a_tracking_without_a_screenshot_answers_404_for_it(alice: Any) -> None:
    tracking = make_tracking(shop_customer(alice, WEBSITE))

    response = alice.client.get(f"/api/v1/trackings/{tracking.pk}/site-screenshot/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_beat_checks_each_customer_with_trackings_once_per_interval(alice: Any, bob: Any) -> None:
    shop = shop_customer(alice, WEBSITE)
    make_tracking(shop)
    other = shop_customer(bob, "https://other.example.com/")
    make_tracking(other)
    no_container = shop_customer(alice, "https://plain.example.com/", container="")
    make_tracking(no_container)
    shop_customer(bob, "https://empty.example.com/")  # no trackings: nothing to check
    system = Actor.system_actor("site-check")

    assert customers_schedule_site_checks(actor=system) == 2
    assert set(SiteCheck.objects.values_list("customer_id", flat=True)) == {shop.pk, other.pk}
    # Open, then done today: not again until the interval has passed.
    assert customers_schedule_site_checks(actor=system) == 0
    SiteCheck.objects.update(status=SiteCheckStatus.SUCCEEDED)
    assert customers_schedule_site_checks(actor=system) == 0
    SiteCheck.objects.update(created_at=timezone.now() - timedelta(hours=24))
    assert customers_schedule_site_checks(actor=system) == 2


def test_trackings_filter_by_site_status_within_the_organization(alice: Any, bob: Any) -> None:
    customer = shop_customer(alice, WEBSITE)
    broken, fine, unchecked = (
        make_tracking(customer),
        make_tracking(customer),
        make_tracking(customer),
    )
    theirs = make_tracking(shop_customer(bob, WEBSITE))
    check = SiteCheck.objects.create(organization=alice.organization, customer=customer)
    trackings_record_site_check(
        verdicts={
            broken.pk: ("snippet_missing", {"page_url": WEBSITE}),
            fine.pk: ("verified", {"page_url": WEBSITE}),
            theirs.pk: ("snippet_missing", {"page_url": WEBSITE}),
        },
        site_check_id=check.pk,
        now=timezone.now(),
    )

    def ids(client: Any, value: str) -> set[str]:
        body = client.get(f"/api/v1/trackings/?site_status={value}").json()
        return {t["id"] for t in body["results"]}

    assert ids(alice.client, "snippet_missing") == {str(broken.pk)}
    assert ids(alice.client, "verified") == {str(fine.pk)}
    assert ids(alice.client, "unknown") == {str(unchecked.pk)}
    assert ids(bob.client, "snippet_missing") == {str(theirs.pk)}
    bad = alice.client.get("/api/v1/trackings/?site_status=broken")
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["site_status"]
