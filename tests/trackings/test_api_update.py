from __future__ import annotations

from tenants.models import AuditEvent, Role
from tests.trackings.api_support import TRACKINGS, create, make_customer
from trackings.models import Deployment, Tracking, TrackingStatus


def url(tracking):
    return f"{TRACKINGS}{tracking['id']}/"


def test_updating_redeploys_and_bumps_the_version(alice):
    customer = make_customer(alice)
    tracking = create(alice, customer)
    Deployment.objects.update(status="succeeded")
    Tracking.objects.update(status=TrackingStatus.LIVE)

    response = alice.client.patch(
        url(tracking), {"config": {"selector": "#buy"}, "version": 1}, format="json"
    )

    assert response.status_code == 202, response.json()
    updated = response.json()
    assert updated["config"] == {"selector": "#buy"}
    assert (updated["version"], updated["status"]) == (2, "pending")
    assert updated["deployment"]["status"] == "queued"
    assert updated["deployment"]["id"] != tracking["deployment"]["id"]
    assert response["ETag"] == '"2"'


def test_a_stale_version_is_a_conflict_and_changes_nothing(alice):
    customer = make_customer(alice)
    tracking = create(alice, customer)
    alice.client.patch(url(tracking), {"name": "Renamed", "version": 1}, format="json")

    response = alice.client.patch(
        url(tracking), {"config": {"selector": "#late"}, "version": 1}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    stored = Tracking.objects.get()
    assert (stored.name, stored.config, stored.version) == (
        "Renamed",
        {"selector": "button.buy-now"},
        2,
    )
    assert AuditEvent.objects.filter(action="tracking.update").count() == 1


def test_a_stale_if_match_header_is_a_conflict(alice):
    tracking = create(alice, make_customer(alice))

    response = alice.client.patch(url(tracking), {"name": "X"}, format="json", HTTP_IF_MATCH='"5"')

    assert response.status_code == 409
    assert Tracking.objects.get().name == "Buy button"


def test_invalid_config_names_the_field_and_changes_nothing(alice):
    tracking = create(alice, make_customer(alice))

    response = alice.client.patch(url(tracking), {"config": {"selector": ""}}, format="json")

    assert response.status_code == 400
    assert "config.selector" in response.json()["error"]["fields"]
    assert Tracking.objects.get().version == 1


def test_the_type_and_customer_cannot_change(alice):
    tracking = create(alice, make_customer(alice))
    other = make_customer(alice, name="Other")

    response = alice.client.patch(
        url(tracking), {"type": "link_click", "customer": str(other.pk)}, format="json"
    )

    assert response.status_code == 400
    assert {"type", "customer"} <= set(response.json()["error"]["fields"])


def test_dropping_google_ads_clears_its_settings(alice):
    tracking = create(
        alice,
        make_customer(alice),
        destinations=["ga4", "google_ads"],
        ads_conversion={"value": 3, "currency": "USD"},
    )

    response = alice.client.patch(url(tracking), {"destinations": ["ga4"]}, format="json")

    assert response.status_code == 202, response.json()
    assert response.json()["ads_conversion"]["currency"] == ""
    assert response.json()["ads_conversion"]["value"] is None


def test_a_patch_that_changes_nothing_queues_nothing(alice):
    tracking = create(alice, make_customer(alice))
    Deployment.objects.update(status="succeeded")

    response = alice.client.patch(url(tracking), {"name": "Buy button"}, format="json")

    assert response.status_code == 200
    assert response.json()["deployment"] is None
    assert response.json()["version"] == 1
    assert Deployment.objects.count() == 1


def test_a_tracking_being_removed_cannot_change(alice):
    tracking = create(alice, make_customer(alice))
    alice.client.delete(url(tracking))

    response = alice.client.patch(url(tracking), {"name": "Back"}, format="json")

    assert response.status_code == 409


def test_a_viewer_cannot_update(alice):
    tracking = create(alice, make_customer(alice))

    response = alice.client_for(Role.VIEWER).patch(url(tracking), {"name": "X"}, format="json")

    assert response.status_code == 403


def test_updating_leaves_an_audit_event_with_before_and_after(alice):
    tracking = create(alice, make_customer(alice))

    alice.client.patch(url(tracking), {"name": "Renamed"}, format="json")

    event = AuditEvent.objects.get(action="tracking.update")
    assert ((event.before or {})["name"], (event.after or {})["name"]) == ("Buy button", "Renamed")


def test_an_allowed_auto_collected_event_name_survives_other_changes(alice):
    tracking = create(
        alice,
        make_customer(alice),
        ga4_event_name="page_view",
        allow_auto_collected_event_name=True,
    )

    renamed = alice.client.patch(url(tracking), {"name": "Renamed"}, format="json")
    changed = alice.client.patch(url(tracking), {"ga4_event_name": "click"}, format="json")

    assert renamed.status_code == 202, renamed.json()
    assert renamed.json()["ga4_event_name"] == "page_view"
    assert changed.status_code == 400
    assert "ga4_event_name" in changed.json()["error"]["fields"]
