"""The site check on a local shop, in headless Chromium: the four verdicts, each from a page
that really is that way, with what was matched, the event, and a screenshot."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import make_tracking
from tests.trackings.site_check_support import run_site_check, shop, shop_customer
from trackings.models import SiteCheckStatus, SiteScreenshot

pytestmark = [pytest.mark.django_db, pytest.mark.browser, pytest.mark.slow]
__all__ = ["shop"]


def _page(path: str) -> dict[str, str]:
    return {"operator": "equals", "value": path}


def test_each_tracking_gets_the_verdict_its_page_deserves(alice: Any, shop: Any) -> None:
    customer = shop_customer(alice, shop.url("product.html"))
    buy = make_tracking(customer, name="Add to cart", config={"selector": "button.add-to-cart"})
    lead = make_tracking(
        customer,
        name="Lead form",
        type="form_submit",
        config={
            "selector": "form#lead",
            "submission": "ajax",
            "success": "element",
            "success_selector": "#thanks",
            "page": _page("/contact.html"),
        },
    )
    wishlist = make_tracking(customer, name="Wishlist", config={"selector": "button.wishlist"})
    sale = make_tracking(
        customer,
        name="Sale page cart",
        config={"selector": "button.add-to-cart", "page": _page("/plain.html")},
    )
    gone = make_tracking(
        customer,
        name="Old landing page",
        config={"selector": "button.add-to-cart", "page": _page("/gone.html")},
    )

    check = run_site_check(customer)

    assert check.status == SiteCheckStatus.SUCCEEDED, check.error_message
    for tracking in (buy, lead, wishlist, sale, gone):
        tracking.refresh_from_db()
    assert buy.site_status == "verified", buy.site_detail
    assert buy.site_detail["matched"] == ['button.add-to-cart "Add to cart"']
    assert buy.site_detail["event"]["reached"] is True
    assert buy.site_detail["event"]["expected"] == "gtm.click"
    assert lead.site_status == "verified", lead.site_detail
    assert lead.site_detail["event"]["expected"] == "oct.form_success"
    assert lead.site_detail["page_url"] == shop.url("contact.html")
    assert wishlist.site_status == "selector_not_found"
    assert "button.wishlist" in wishlist.site_detail["message"]
    assert sale.site_status == "snippet_missing"
    assert gone.site_status == "unreachable"
    assert "404" in gone.site_detail["message"]
    assert check.summary == {
        "verified": 2,
        "selector_not_found": 1,
        "snippet_missing": 1,
        "unreachable": 1,
    }
    # The sandbox answered the add-to-cart and the lead itself: nothing reached the shop.
    assert [r for r in shop.requests if r[0] != "GET"] == []
    shot = SiteScreenshot.objects.get(tracking=buy)
    assert bytes(shot.image)[:2] == b"\xff\xd8"  # a JPEG
    assert 0 < len(bytes(shot.image)) <= 300_000


def test_a_native_form_trigger_fires_on_a_plain_form_and_not_on_an_ajax_one(
    alice: Any, shop: Any
) -> None:
    # GTM's form trigger with "check validation" never fires for a form whose script cancels
    # the browser's submission (issue 11): the check says so instead of calling it verified.
    customer = shop_customer(alice, shop.url("product.html"))
    plain = make_tracking(
        customer,
        name="Newsletter",
        type="form_submit",
        config={"selector": "form#newsletter", "page": _page("/newsletter.html")},
    )
    ajax_as_native = make_tracking(
        customer,
        name="Lead form, tracked as native",
        type="form_submit",
        config={"selector": "form#lead", "page": _page("/contact.html")},
    )

    run_site_check(customer)

    plain.refresh_from_db()
    ajax_as_native.refresh_from_db()
    assert plain.site_status == "verified", plain.site_detail
    assert plain.site_detail["event"]["expected"] == "gtm.formSubmit"
    assert plain.site_detail["event"]["element"].startswith("form#newsletter")
    assert ajax_as_native.site_status == "selector_not_found"
    assert ajax_as_native.site_detail["event"]["reached"] is False
    assert ajax_as_native.site_detail["matched"] == ['form#lead "E-mail Message Send"']
    # The plain form's POST was answered by the sandbox, never sent to the shop.
    assert ("POST", "/api/subscribe") not in shop.requests
