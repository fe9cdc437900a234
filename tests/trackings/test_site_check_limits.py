"""A site check's limits hold: a page past the size cap or the timeout is unreachable (and the
check goes on with the other pages), and a browser that will not start fails the check without
touching the trackings' verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import make_tracking
from tests.trackings.site_check_support import run_site_check, shop, shop_customer
from trackings.models import SiteCheckStatus

pytestmark = pytest.mark.django_db
__all__ = ["shop"]


def _on(path: str) -> dict[str, Any]:
    return {"selector": ".add-to-cart", "page": {"operator": "equals", "value": path}}


@pytest.mark.browser
@pytest.mark.slow
def test_pages_past_the_size_cap_or_the_timeout_are_unreachable(
    alice: Any, shop: Any, settings: Any
) -> None:
    settings.SITE_CHECK_MAX_PAGE_BYTES = 500_000
    settings.SITE_CHECK_PAGE_TIMEOUT_SECONDS = 2
    customer = shop_customer(alice, shop.url("product.html"))
    big = make_tracking(customer, config=_on("/big.html"))
    slow = make_tracking(customer, config=_on("/slow.html"))
    fine = make_tracking(customer, config={"selector": ".add-to-cart"})

    check = run_site_check(customer)

    assert check.status == SiteCheckStatus.SUCCEEDED
    for tracking in (big, slow, fine):
        tracking.refresh_from_db()
    assert big.site_status == "unreachable"
    assert "larger than the site check downloads" in big.site_detail["message"]
    assert slow.site_status == "unreachable"
    assert "did not load within 2 s" in slow.site_detail["message"]
    assert fine.site_status == "verified"
    pages = {page["url"]: page for page in check.pages}
    assert pages[shop.url("big.html")]["received_bytes"] <= 500_000 + 64 * 1024


def test_a_browser_that_does_not_start_fails_the_check_and_keeps_the_verdicts(
    alice: Any, shop: Any, settings: Any, tmp_path: Any
) -> None:
    customer = shop_customer(alice, shop.url("product.html"))
    tracking = make_tracking(customer, config={"selector": ".add-to-cart"})
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    settings.SITE_CHECK_CHROMIUM = str(broken)

    check = run_site_check(customer)

    assert check.status == SiteCheckStatus.FAILED
    assert check.error_message.startswith("The browser failed")
    tracking.refresh_from_db()
    assert tracking.site_status == ""
    assert tracking.site_checked_at is None


def test_no_browser_at_all_fails_the_check_with_the_setting_named(
    alice: Any, shop: Any, settings: Any
) -> None:
    customer = shop_customer(alice, shop.url("product.html"))
    make_tracking(customer, config={"selector": ".add-to-cart"})
    settings.SITE_CHECK_CHROMIUM = "/nowhere/chromium"

    check = run_site_check(customer)

    assert check.status == SiteCheckStatus.FAILED
    assert "SITE_CHECK_CHROMIUM" in check.error_message
