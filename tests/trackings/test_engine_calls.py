"""GTM and Ads calls per deployment do not grow with the number of trackings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import (
    calls_by_api,
    connection_of,
    container_path,
    deploy,
    live_version,
    make_tracking,
)
from tests.google_emulator.http_support import gtm_service, sign_in
from trackings.models import DeploymentStatus, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db


def test_deploying_1_10_and_100_new_trackings_takes_the_same_calls(
    engine_customer: Any, google_emulator: Any
) -> None:
    spent: dict[int, dict[str, int]] = {}
    for count in (1, 10, 100):
        for index in range(count):
            make_tracking(
                engine_customer,
                name=f"Button {count}-{index}",
                config={"selector": f"#buy-{count}-{index}"},
                destinations=["ga4", "google_ads"],
            )
        before = calls_by_api(google_emulator.stats())
        deployment = deploy(engine_customer)
        after = calls_by_api(google_emulator.stats())
        assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
        spent[count] = {api: after[api] - before[api] for api in ("gtm", "ads")}
        # What the deployment says it spent is what Google (the emulator) saw.
        assert deployment.google_calls["gtm"] == spent[count]["gtm"]
        assert deployment.google_calls["ads"] == spent[count]["ads"]

    assert spent[1] == spent[10] == spent[100], spent
    assert spent[1]["gtm"] == 5
    assert spent[1]["ads"] <= 2
    assert (
        Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE).count() == 111
    )


def test_the_first_deployment_into_a_new_container_needs_no_more_calls(
    alice: Any, connect_customer: Any, google_emulator: Any, unlimited_gtm_quota: None
) -> None:
    # "create": a container of its own, never versioned; its workspace holds only the default
    # built-in variables, as changes.
    customer = connect_customer(alice, gtm_container_id="create")
    make_tracking(customer, config={"selector": "button.buy"}, destinations=["ga4", "google_ads"])

    before = calls_by_api(google_emulator.stats())
    deployment = deploy(customer)
    spent = calls_by_api(google_emulator.stats())["gtm"] - before["gtm"]

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    assert spent == deployment.google_calls["gtm"] == 5
    live = live_version(customer)
    assert {b["type"] for b in live["builtInVariable"]} >= {"pageUrl", "clickElement"}
    assert any(t["type"] == "awct" for t in live["tag"])
    assert Tracking.objects.get(customer=customer).status == TrackingStatus.LIVE


def test_gtm_deletes_our_workspace_when_versioning_and_the_next_run_makes_one_in_7_calls(
    engine_customer: Any, google_emulator: Any
) -> None:
    """GTM deletes the workspace it versions and (the Default Workspace being left) makes none
    in its place: we keep no workspace id, and the next run makes a new one in the same 7 calls,
    never adopting the person's Default Workspace."""
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert connection_of(engine_customer).gtm_workspace_id == ""
    workspaces = gtm_service(google_emulator.http_url, sign_in(google_emulator.http_url))
    workspaces = workspaces.accounts().containers().workspaces()
    names = [
        w["name"]
        for w in workspaces.list(parent=container_path(engine_customer)).execute()["workspace"]
    ]
    assert names == ["Default Workspace"]

    make_tracking(engine_customer)
    before = calls_by_api(google_emulator.stats())
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    assert calls_by_api(google_emulator.stats())["gtm"] - before["gtm"] == 5
    after = workspaces.list(parent=container_path(engine_customer)).execute()["workspace"]
    assert [w["name"] for w in after] == ["Default Workspace"], "none of ours left behind"
    assert (
        Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE).count() == 2
    )
