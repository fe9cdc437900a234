"""Staff see deleted webhook endpoints too (their deliveries are kept), with a deleted filter;
an edit saves through the service (validated, audited), a deleted endpoint is read only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tenants.models import AuditEvent, User
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


def _form(endpoint: WebhookEndpoint, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": json.dumps(endpoint.events),
        "is_active": "on" if endpoint.is_active else "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_an_endpoint_edit_goes_through_the_service(alice: Any, staff: Client) -> None:
    endpoint, _ = make_endpoint(alice, "https://hooks.example.com/a", ["tracking.failed"])
    path = f"{CHANGELIST}{endpoint.pk}/change/"

    refused = staff.post(path, _form(endpoint, events=json.dumps(["no.such.event"])))
    saved = staff.post(path, _form(endpoint, url="https://hooks.example.com/b"))

    assert refused.status_code == 200
    assert "Unknown events" in refused.content.decode()
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://hooks.example.com/b", ["tracking.failed"])
    event = AuditEvent.objects.get(action="webhook_endpoint.update")
    assert event.actor_label == "staff@oneclicktag.example"
    assert event.before is not None
    assert event.before["url"] == "https://hooks.example.com/a"


def test_a_deleted_endpoint_cannot_be_edited(alice: Any, staff: Client) -> None:
    gone, _ = make_endpoint(alice, "https://gone.example.com/hook", ["tracking.failed"])
    WebhookEndpoint.all_objects.filter(pk=gone.pk).update(deleted=timezone.now())

    staff.post(f"{CHANGELIST}{gone.pk}/change/", _form(gone, url="https://back.example.com/"))

    gone.refresh_from_db()
    assert gone.url == "https://gone.example.com/hook"
    assert not AuditEvent.objects.filter(action="webhook_endpoint.update").exists()
