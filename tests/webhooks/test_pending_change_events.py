"""`pending_change.created`: a customer under review opened a pending change (its first write
since the last approval). Signed like every delivery; extending the change is not announced
again, and an organization that did not subscribe hears nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from customers.models import Customer, PublishPolicy
from tests.fixtures.webhooks import make_endpoint, verify
from tests.trackings.api_support import create, make_customer
from webhooks.models import WebhookDelivery
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db


def test_opening_a_pending_change_is_announced_once_and_signed(
    alice: Any, bob: Any, receiver: Any
) -> None:
    _, secret = make_endpoint(alice, receiver.url, ["pending_change.created"])
    make_endpoint(bob, receiver.url, ["pending_change.created"])
    customer = make_customer(alice)
    Customer.objects.filter(pk=customer.pk).update(publish_policy=PublishPolicy.REVIEW)
    customer.refresh_from_db()

    first = create(alice, customer, name="First")
    create(alice, customer, name="Second")  # extends the same change: no second event

    deliveries = list(WebhookDelivery.objects.filter(organization=alice.organization))
    assert [d.event for d in deliveries] == ["pending_change.created"]
    assert not WebhookDelivery.objects.filter(organization=bob.organization).exists()
    deliver_webhook(str(alice.organization.pk), str(deliveries[0].pk))
    [got] = receiver.received
    assert got.headers["x-oneclicktag-event"] == "pending_change.created"
    assert verify(got.headers["x-oneclicktag-signature"], got.body, secret)
    data = json.loads(got.body)["data"]["pending_change"]
    assert data["id"] == first["pending_change"]["id"]
    assert data["customer"] == str(customer.pk)
    assert data["status"] == "pending"
    assert data["tracking_ids"] == [first["id"]]


def test_writes_under_auto_announce_no_pending_change(alice: Any, receiver: Any) -> None:
    make_endpoint(alice, receiver.url, ["pending_change.created"])
    create(alice, make_customer(alice))
    assert not WebhookDelivery.objects.filter(organization=alice.organization).exists()
