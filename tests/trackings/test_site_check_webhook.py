"""`site_check.failed`: an endpoint that asked for it hears of each tracking whose site status
went bad, once; a tracking that is verified, or stays as bad as it was, is not announced, and
another organization hears nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.trackings import make_tracking
from tests.fixtures.webhooks import make_endpoint, verify
from tests.trackings.site_check_support import run_site_check, shop, shop_customer
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver_webhook

pytestmark = [pytest.mark.django_db, pytest.mark.browser, pytest.mark.slow]
__all__ = ["shop"]


def _deliver_all(tenant: Any) -> None:
    for delivery in WebhookDelivery.objects.filter(organization=tenant.organization):
        if delivery.status == "pending":
            deliver_webhook(str(tenant.organization.pk), str(delivery.pk))


def test_a_tracking_whose_page_lost_its_snippet_is_announced_once(
    alice: Any, bob: Any, shop: Any, receivers: Any
) -> None:
    ours, theirs = receivers(), receivers()
    _, secret = make_endpoint(alice, ours.url, ["site_check.failed"])
    make_endpoint(bob, theirs.url, ["site_check.failed"])
    customer = shop_customer(alice, shop.url("product.html"))
    make_tracking(customer, name="Cart on the product page", config={"selector": ".add-to-cart"})
    sale = make_tracking(
        customer,
        name="Cart on the sale page",
        config={"selector": ".add-to-cart", "page": {"operator": "equals", "value": "/plain.html"}},
    )

    check = run_site_check(customer)
    _deliver_all(alice)

    [received] = ours.received
    assert received.headers["x-oneclicktag-event"] == "site_check.failed"
    assert verify(received.headers["x-oneclicktag-signature"], received.body, secret)
    data = json.loads(received.body)["data"]
    assert data["site_check"] == str(check.pk)
    assert data["tracking"]["id"] == str(sale.pk)
    assert data["tracking"]["customer"] == str(customer.pk)
    assert data["tracking"]["site_status"] == "snippet_missing"
    assert data["tracking"]["page_url"] == shop.url("plain.html")
    assert "snippet" in data["tracking"]["message"]

    run_site_check(customer)
    _deliver_all(alice)

    assert len(ours.received) == 1, "still missing: not announced again"
    assert theirs.received == []
