from __future__ import annotations

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import TRACKINGS, create, make_customer
from trackings.models import Deployment, Tracking


def url(tracking):
    return f"{TRACKINGS}{tracking['id']}/"


def test_deleting_marks_it_removing_and_queues_a_removal(alice):
    tracking = create(alice, make_customer(alice))
    Deployment.objects.update(status="succeeded")

    response = alice.client.delete(url(tracking))

    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "removing"
    removal = Deployment.objects.get(status="queued")
    assert response.json()["deployment"]["id"] == str(removal.pk)
    assert removal.kind == "remove"
    assert removal.requested_tracking_ids == [tracking["id"]]
    # Still visible until the engine has taken it out of GTM and Ads.
    assert alice.client.get(url(tracking)).json()["status"] == "removing"


def test_a_tracking_that_never_reached_google_is_deleted_at_once(alice):
    tracking = create(alice, make_customer(alice, connected=False))

    response = alice.client.delete(url(tracking))

    assert response.status_code == 204
    assert alice.client.get(url(tracking)).status_code == 404
    assert Tracking.deleted_objects.get().status == "removed"
    assert not Deployment.objects.exists()


def test_a_viewer_cannot_delete(alice):
    tracking = create(alice, make_customer(alice))

    response = alice.client_for(Role.VIEWER).delete(url(tracking))

    assert response.status_code == 403
    assert Tracking.objects.get().status == "pending"


def test_deleting_with_a_stale_if_match_changes_nothing(alice):
    tracking = create(alice, make_customer(alice))

    response = alice.client.delete(url(tracking), HTTP_IF_MATCH='"4"')

    assert response.status_code == 409
    assert Tracking.objects.get().status == "pending"


def test_deleting_leaves_an_audit_event(alice):
    tracking = create(alice, make_customer(alice))

    alice.client.delete(url(tracking))

    event = AuditEvent.objects.get(action="tracking.delete")
    assert event.object_id == tracking["id"]
    assert ((event.before or {})["status"], (event.after or {})["status"]) == (
        "pending",
        "removing",
    )
