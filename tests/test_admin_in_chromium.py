"""The staff console in a real headless Chromium against a live server: a staff member signs in,
sees what is failing now and the 14-day chart on the index, opens a customer, follows it to its
trackings and runs a health check, and sees the success message linking the deployment.
Screenshots of each step are written to the test's temporary directory (never the repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tenants.models import User
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import make_tracking
from trackings.models import Deployment, DeploymentKind, DeploymentStatus, TrackingStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def _failed_deployment(customer: Any) -> Deployment:
    return Deployment.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        kind=DeploymentKind.DEPLOY,
        status=DeploymentStatus.FAILED,
        error_code="google_insufficient_permission",
        finished_at=timezone.now(),
    )


def _shot(page: Any, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    return path


def test_staff_sign_in_see_the_index_open_a_customer_and_run_a_health_check(
    alice: Any, bob: Any, browser: Any, live_server: Any, tmp_path: Path
) -> None:
    User.objects.create_superuser(email="staff@oneclicktag.example", password=PASSWORD)
    customer = make_customer(alice, name="Acme Shoes")
    tracking = make_tracking(customer, name="Checkout Purchase", status=TrackingStatus.LIVE)
    _failed_deployment(customer)
    make_tracking(make_customer(bob, name="Bobs Bikes"), name="Bobs Tracking")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # Sign in.
    page.goto(f"{live_server.url}/admin/")
    page.fill("input[name=username]", "staff@oneclicktag.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#failing-now")

    # The index: what is failing now, and the chart.
    failing = page.locator("#failing-now tr", has_text="Deployments failed in the last 24 hours")
    assert failing.locator(".failing-count").inner_text() == "1"
    chart = page.locator("#deployments-chart svg")
    assert chart.is_visible()
    assert chart.locator("rect.bar-failed").count() == 1
    assert page.locator("#quota-use tr[data-api=gtm]").is_visible()
    screenshots = [_shot(page, tmp_path, "1-index")]

    # The failing deployment's customer, from the failed-deployments link.
    failing.locator("a").click()
    listed = page.locator("#result_list tbody tr")
    listed.first.wait_for()
    assert listed.count() == 1
    assert "Acme Shoes" in listed.inner_text()
    page.goto(f"{live_server.url}/admin/customers/customer/{customer.pk}/change/")
    assert "Checkout Purchase" in page.content()
    assert "Bobs Tracking" not in page.content()
    screenshots.append(_shot(page, tmp_path, "2-customer"))

    # Its trackings, one click away, and a health check for it.
    page.click("text=All its trackings")
    page.wait_for_selector("#result_list")
    page.check(f"input[name=_selected_action][value='{tracking.pk}']")
    page.select_option("select[name=action]", "run_health_check")
    page.click("button[name=index]")
    message = page.locator(".messagelist .success")
    message.wait_for()
    assert "Queued a health check for 1 customer(s)" in message.inner_text()
    screenshots.append(_shot(page, tmp_path, "3-health-check-queued"))

    check = Deployment.objects.get(customer=customer, kind=DeploymentKind.CHECK)
    assert message.locator("a").get_attribute("href") == (
        f"/admin/trackings/deployment/{check.pk}/change/"
    )
    assert check.created_by is not None
    assert check.created_by.email == "staff@oneclicktag.example"
    assert [path.name for path in screenshots] == [
        "1-index.png",
        "2-customer.png",
        "3-health-check-queued.png",
    ]
