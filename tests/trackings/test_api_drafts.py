"""Drafts through the API: a tracking created as `draft` is validated and stored but never
deployed; edits keep it a draft; `POST /trackings/{id}/publish/` sends it on its way (a
deployment, or the customer's pending change under review)."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer, PublishPolicy
from tenants.models import AuditEvent
from tests.trackings.api_support import BULK, TRACKINGS, body, make_customer
from trackings.models import Deployment, PendingChange, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db


def _draft(tenant: Any, customer: Customer, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        TRACKINGS, body(customer, status="draft", **fields), format="json"
    )
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_a_draft_is_stored_validated_and_not_deployed(alice: Any) -> None:
    customer = make_customer(alice)

    draft = _draft(alice, customer)

    assert draft["status"] == "draft"
    assert draft["deployment"] is None
    assert draft["pending_change"] is None
    assert not Deployment.objects.filter(customer=customer).exists()
    # A draft is checked like any tracking: bad input is a 400 naming the field.
    bad = alice.client.post(
        TRACKINGS, body(customer, status="draft", config={"selector": ""}), format="json"
    )
    assert bad.status_code == 400
    assert "config.selector" in bad.json()["error"]["fields"]


def test_only_draft_or_pending_can_be_asked_for_at_creation(alice: Any) -> None:
    customer = make_customer(alice)
    response = alice.client.post(TRACKINGS, body(customer, status="live"), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]
    assert not Tracking.objects.filter(customer=customer).exists()


def test_editing_a_draft_keeps_it_a_draft_and_deploys_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    draft = _draft(alice, customer)

    response = alice.client.patch(
        f"{TRACKINGS}{draft['id']}/", {"name": "Still a draft", "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "draft"
    assert response.json()["version"] == 2
    assert response.json()["deployment"] is None
    assert not Deployment.objects.filter(customer=customer).exists()


def test_publishing_a_draft_queues_its_deployment_once(alice: Any) -> None:
    customer = make_customer(alice)
    draft = _draft(alice, customer)
    url = f"{TRACKINGS}{draft['id']}/publish/"

    published = alice.client.post(url, HTTP_IF_MATCH='"1"')

    assert published.status_code == 202, published.json()
    assert published.json()["status"] == "pending"
    assert published.json()["version"] == 2
    deployment = Deployment.objects.get(customer=customer)
    assert published.json()["deployment"]["id"] == str(deployment.pk)
    assert deployment.requested_tracking_ids == [draft["id"]]
    assert AuditEvent.objects.filter(action="tracking.publish", object_id=draft["id"]).exists()
    again = alice.client.post(url)
    assert again.status_code == 409
    assert Deployment.objects.filter(customer=customer).count() == 1


def test_a_stale_version_publishes_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    draft = _draft(alice, customer)
    alice.client.patch(f"{TRACKINGS}{draft['id']}/", {"name": "Edited"}, format="json")

    response = alice.client.post(f"{TRACKINGS}{draft['id']}/publish/", HTTP_IF_MATCH='"1"')

    assert response.status_code == 409
    assert Tracking.objects.get(pk=draft["id"]).status == TrackingStatus.DRAFT


def test_publishing_a_draft_under_review_puts_it_in_the_pending_change(alice: Any) -> None:
    customer = make_customer(alice)
    Customer.objects.filter(pk=customer.pk).update(publish_policy=PublishPolicy.REVIEW)
    draft = _draft(alice, customer)
    assert not PendingChange.objects.filter(customer=customer).exists()

    published = alice.client.post(f"{TRACKINGS}{draft['id']}/publish/")

    assert published.status_code == 200, published.json()
    assert published.json()["deployment"] is None
    change = PendingChange.objects.get(customer=customer)
    assert published.json()["pending_change"]["id"] == str(change.pk)
    assert change.tracking_ids == [draft["id"]]


def test_bulk_drafts_ask_for_no_deployment(alice: Any) -> None:
    drafts_only, mixed = make_customer(alice, name="Drafts"), make_customer(alice, name="Mixed")
    items = [
        body(drafts_only, name="D1", status="draft"),
        body(drafts_only, name="D2", status="draft"),
        body(mixed, name="M1", status="draft"),
        body(mixed, name="M2"),
    ]

    response = alice.client.post(BULK, {"trackings": items}, format="json")

    assert response.status_code == 202, response.json()
    assert [t["status"] for t in response.json()["trackings"]] == [
        "draft",
        "draft",
        "draft",
        "pending",
    ]
    [deployment] = response.json()["deployments"]
    assert deployment["customer"] == str(mixed.pk)
    m2 = Tracking.objects.get(customer=mixed, name="M2")
    assert deployment["requested_tracking_ids"] == [str(m2.pk)]
    assert not Deployment.objects.filter(customer=drafts_only).exists()


def test_another_organizations_draft_cannot_be_published(alice: Any, bob: Any) -> None:
    draft = _draft(alice, make_customer(alice))
    assert bob.client.post(f"{TRACKINGS}{draft['id']}/publish/").status_code == 404
    assert alice.client_for("viewer").post(f"{TRACKINGS}{draft['id']}/publish/").status_code == (
        403
    )
    assert Tracking.objects.get(pk=draft["id"]).status == TrackingStatus.DRAFT


def test_a_draft_is_deleted_at_once(alice: Any) -> None:
    customer = make_customer(alice)
    draft = _draft(alice, customer)
    assert alice.client.delete(f"{TRACKINGS}{draft['id']}/").status_code == 204
    assert not Deployment.objects.filter(customer=customer).exists()
