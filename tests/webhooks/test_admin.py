"""Staff see deleted webhook endpoints too (their deliveries are kept), with a deleted filter."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tenants.models import User
from tests.fixtures.webhooks import make_endpoint
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/webhooks/webhookendpoint/"


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(user)
    return client


def test_deleted_endpoints_are_listed_and_filtered(alice: Any, staff: Client) -> None:
    make_endpoint(alice, "https://kept.example.com/hook", ["tracking.failed"])
    gone, _ = make_endpoint(alice, "https://gone.example.com/hook", ["tracking.failed"])
    WebhookEndpoint.all_objects.filter(pk=gone.pk).update(deleted=timezone.now())

    everything = staff.get(CHANGELIST).content.decode()
    deleted = staff.get(CHANGELIST, {"deleted": "yes"}).content.decode()
    live = staff.get(CHANGELIST, {"deleted": "no"}).content.decode()

    assert "kept.example.com" in everything
    assert "gone.example.com" in everything
    assert "gone.example.com" in deleted
    assert "kept.example.com" not in deleted
    assert "kept.example.com" in live
    assert "gone.example.com" not in live
    assert staff.get(f"{CHANGELIST}{gone.pk}/change/").status_code == 200
