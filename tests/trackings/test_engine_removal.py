"""Deleting a tracking removes its GTM entities at the next version and its Ads conversion
action, then soft deletes it; removing a customer's trackings does the same for all of them."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    SYSTEM,
    ads_actions,
    connection_of,
    container_path,
    deploy,
    live_version,
    make_tracking,
    run_queued,
)
from trackings.models import (
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingStatus,
)
from trackings.planner import marker_of
from trackings.services.deployments import trackings_remove_for_customer

pytestmark = pytest.mark.django_db


def _ours_in(version: dict[str, Any], tracking: Tracking) -> list[dict[str, Any]]:
    return [
        entity
        for kind in ("tag", "trigger", "variable")
        for entity in version.get(kind) or []
        if str(tracking.pk) in str(entity.get("notes", ""))
    ]


def test_a_deleted_tracking_leaves_gtm_and_ads_at_the_next_version(
    alice: Any, engine_customer: Any
) -> None:
    kept = make_tracking(engine_customer, destinations=["ga4"])
    doomed = make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED, first.error_message
    assert _ours_in(live_version(engine_customer), doomed)
    doomed.refresh_from_db()
    action_id = doomed.ads_conversion_action_id

    response = alice.client.delete(f"/api/v1/trackings/{doomed.pk}/")
    assert response.status_code in (202, 204), response.content
    second = deploy(engine_customer)

    assert second.status == DeploymentStatus.SUCCEEDED, second.error_message
    assert second.gtm_version_id != first.gtm_version_id
    live = live_version(engine_customer)
    assert _ours_in(live, doomed) == []
    assert _ours_in(live, kept)
    removed = Tracking.all_objects.get(pk=doomed.pk)
    assert removed.status == TrackingStatus.REMOVED
    assert Tracking.deleted_objects.filter(pk=doomed.pk).exists()
    action = next(a for a in ads_actions(engine_customer) if a["id"] == action_id)
    assert action["status"] == "REMOVED"
    kept.refresh_from_db()
    assert kept.status == TrackingStatus.LIVE


def test_removing_a_customers_trackings_empties_our_part_of_the_container(
    engine_customer: Any,
) -> None:
    trackings = [
        make_tracking(engine_customer, destinations=["ga4", "google_ads"]) for _ in range(3)
    ]
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED

    removal = trackings_remove_for_customer(customer=engine_customer, actor=SYSTEM)
    assert removal is not None
    deploy(engine_customer)

    live = live_version(engine_customer)
    for tracking in trackings:
        assert _ours_in(live, tracking) == []
        assert Tracking.all_objects.get(pk=tracking.pk).status == TrackingStatus.REMOVED
    statuses = {a["status"] for a in ads_actions(engine_customer) if "OCT" in a["name"]}
    assert statuses == {"REMOVED"}


def test_deleting_the_customer_leaves_nothing_of_ours_in_the_container(
    alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    make_tracking(engine_customer, type="rage_click", config={"selector": "button"})
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    before = live_version(engine_customer)
    assert {marker_of(tag) for tag in before["tag"]} >= {
        "oneclicktag:google-tag:container",
        "oneclicktag:linker:container",
        "oneclicktag:listener:rage_click",
    }

    connection = connection_of(engine_customer)
    gtm, path = google_clients_for(connection).gtm, container_path(engine_customer)
    response = alice.client.delete(f"/api/v1/customers/{engine_customer.pk}/")
    assert response.status_code in (202, 204), response.content
    # Until its entities are out, the deleted customer still owns the container.
    assert connection_of(engine_customer).gtm_container_id == connection.gtm_container_id
    run_queued(engine_customer)

    removal = Deployment.objects.get(customer=engine_customer, kind=DeploymentKind.REMOVE)
    assert removal.status == DeploymentStatus.SUCCEEDED, removal.error_message
    # Then the container and the stream are free for another customer.
    released = connection_of(engine_customer)
    assert (released.gtm_container_id, released.ga4_stream_id) == ("", "")
    live = gtm.live_version(path)
    ours = [
        entity["name"]
        for kind in ("tag", "trigger", "variable")
        for entity in live.get(kind) or []
        if marker_of(entity)
    ]
    assert ours == []
