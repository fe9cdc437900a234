"""Failures end with a reason a person can act on, and never lose a change: failed trackings
stay wanted and the next deployment retries them."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import ConnectionStatus, GoogleConnection
from integrations.google.clients import google_clients_for
from integrations.google.gtm_client import WORKSPACE_NAME
from tests.fixtures.trackings import (
    connection_of,
    container_path,
    deploy,
    live_version,
    make_tracking,
)
from tests.trackings.test_engine_foreign_entities import DEFAULT_WORKSPACE
from trackings.models import DeploymentStatus, TrackingStatus

pytestmark = pytest.mark.django_db


def test_a_lost_grant_fails_the_deployment_and_the_next_one_retries(
    engine_customer: Any,
) -> None:
    tracking = make_tracking(engine_customer)
    GoogleConnection.objects.filter(customer=engine_customer).update(
        status=ConnectionStatus.NEEDS_RECONNECT, last_error="The grant was revoked."
    )

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "google_needs_reconnect"
    assert "Reconnect" in failed.error_message
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.FAILED
    assert "Reconnect" in tracking.last_error

    GoogleConnection.objects.filter(customer=engine_customer).update(
        status=ConnectionStatus.CONNECTED, last_error=""
    )
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE
    assert tracking.last_error == ""


def test_a_connection_without_a_container_says_so(engine_customer: Any) -> None:
    make_tracking(engine_customer)
    GoogleConnection.objects.filter(customer=engine_customer).update(gtm_container_id="")

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "gtm_container_not_chosen"
    assert "Choose a GTM container" in failed.error_message


def test_merge_conflicts_in_our_workspace_are_surfaced_not_overwritten(
    engine_customer: Any,
) -> None:
    tracking = make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    gtm = google_clients_for(connection_of(engine_customer)).gtm
    # GTM deleted the workspace it versioned; an interrupted run leaves a new one of ours behind.
    ours = gtm.create_workspace(container_path(engine_customer), WORKSPACE_NAME, "")
    GoogleConnection.objects.filter(customer=engine_customer).update(
        gtm_workspace_id=ours["workspaceId"]
    )

    def rename_our_tag(workspace: str, name: str) -> None:
        tag = next(
            t for t in gtm.list_entities(workspace)["tag"] if str(tracking.pk) in t.get("notes", "")
        )
        gtm.bulk_update(workspace, [{"tag": {**tag, "name": name}, "changeStatus": "updated"}])

    # Someone edits our tag in our workspace, and someone else publishes another edit of it.
    rename_our_tag(ours["path"], "Edited in the OneClickTag workspace")
    gtm.sync_workspace(DEFAULT_WORKSPACE)
    rename_our_tag(DEFAULT_WORKSPACE, "Edited in the Default Workspace")
    version = gtm.create_version(DEFAULT_WORKSPACE, "Their edit", "")["containerVersion"]
    gtm.publish_version(version["path"])
    make_tracking(engine_customer)

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "gtm_merge_conflict"
    assert "Resolve them in Tag Manager" in failed.error_message
    live_names = {t["name"] for t in gtm.live_version(container_path(engine_customer))["tag"]}
    assert "Edited in the Default Workspace" in live_names


def test_a_compiler_error_fails_with_gtms_reason_and_nothing_is_published(
    engine_customer: Any,
) -> None:
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    gtm = google_clients_for(connection_of(engine_customer)).gtm
    live_before = gtm.live_version(container_path(engine_customer))["containerVersionId"]
    # A variable GTM does not know, in the container's own Google tag: no tracking to blame.
    GoogleConnection.objects.filter(customer=engine_customer).update(
        ga4_measurement_id="{{No Such Variable}}"
    )
    make_tracking(engine_customer)

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "gtm_compiler_error"
    assert "No Such Variable" in failed.error_message
    assert "Nothing was published" in failed.error_message
    assert gtm.live_version(container_path(engine_customer))["containerVersionId"] == live_before


def test_trackings_gtm_cannot_compile_fail_alone_and_the_others_go_live(
    engine_customer: Any,
) -> None:
    good = make_tracking(engine_customer)
    # A parameter reading a variable the container does not have: GTM cannot compile its tag.
    bad = make_tracking(engine_customer, ga4_parameters={"plan": "{{No Such Variable}}"})

    deployment = deploy(engine_customer)

    # Never `succeeded`: the version went live without one of the trackings.
    assert deployment.status == DeploymentStatus.PARTIALLY_FAILED
    assert deployment.error_code == "trackings_failed"
    assert f"GTM version {deployment.gtm_version_id} was published" in deployment.error_message
    assert "Nothing was published" not in deployment.error_message
    bad.refresh_from_db()
    assert bad.status == TrackingStatus.FAILED
    assert "No Such Variable" in bad.last_error
    good.refresh_from_db()
    assert good.status == TrackingStatus.LIVE
    live = google_clients_for(connection_of(engine_customer)).gtm.live_version(
        container_path(engine_customer)
    )
    notes = " ".join(e.get("notes", "") for k in ("tag", "trigger") for e in live.get(k) or [])
    assert str(good.pk) in notes
    assert str(bad.pk) not in notes


BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def test_a_fingerprint_conflict_is_read_again_and_planned_once_more(
    engine_customer: Any, google_emulator: Any
) -> None:
    tracking = make_tracking(engine_customer)
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 1}]}
    )

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    assert google_emulator.stats()["calls"][BULK_UPDATE] == 2
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE


def test_a_second_fingerprint_conflict_fails_the_deployment_and_publishes_nothing(
    engine_customer: Any, google_emulator: Any
) -> None:
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live_before = live_version(engine_customer)["containerVersionId"]
    tracking = make_tracking(engine_customer)
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 2}]}
    )

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "gtm_fingerprint_conflict"
    assert "deploy again" in failed.error_message
    assert live_version(engine_customer)["containerVersionId"] == live_before
    tracking.refresh_from_db()
    # Still wanted: the next deployment takes it (no change is lost).
    assert tracking.status == TrackingStatus.FAILED
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE
