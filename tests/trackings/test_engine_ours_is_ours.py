"""Ours is ours: the engine publishes only what it wrote. A person works in GTM beside it (a
second API client); their drafts, their unpublished versions and their workspaces stay theirs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import connection_of, deploy, live_version, make_tracking
from tests.trackings.gtm_person import Person
from trackings.compiler.types import DesiredContainer, DesiredEntity
from trackings.engine.ownership import unaccounted_changes
from trackings.models import DeploymentStatus, Tracking, TrackingStatus
from trackings.planner import plan_workspace
from trackings.planner.plan import WorkspacePlan

pytestmark = pytest.mark.django_db


def _names(version: dict[str, Any]) -> set[str]:
    return {e.get("name", "") for kind in ("tag", "trigger") for e in version.get(kind) or []}


def test_a_persons_draft_in_the_workspace_left_after_our_version_is_not_published(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    # GTM deleted the workspace it versioned; the person's Default Workspace is what is left.
    left = person.workspaces()
    assert [w["name"] for w in left] == ["Default Workspace"]
    # The person starts working there, as they would in the GTM UI.
    person.draft_tag(left[0]["path"], "Half-done pixel")
    live_before = live_version(engine_customer)

    tracking = make_tracking(engine_customer, name="Second button")
    deployment = deploy(engine_customer)

    assert "Half-done pixel" not in _names(live_version(engine_customer))
    if deployment.status == DeploymentStatus.SUCCEEDED:
        # Worked in a workspace of its own: the draft stays where the person left it.
        tracking.refresh_from_db()
        assert tracking.status == TrackingStatus.LIVE
    else:
        assert deployment.status == DeploymentStatus.FAILED
        assert deployment.error_code == "gtm_foreign_changes"
        assert "tag 'Half-done pixel' (added)" in deployment.error_message
        assert "Nothing was published" in deployment.error_message
        assert (
            live_version(engine_customer)["containerVersionId"]
            == (live_before["containerVersionId"])
        )
        tracking.refresh_from_db()
        assert tracking.status == TrackingStatus.FAILED
        assert "Half-done pixel" in tracking.last_error


def test_someones_unpublished_version_is_not_published_with_ours(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live_before = live_version(engine_customer)["containerVersionId"]
    # A version made in GTM and left unpublished (it waits for the person's review).
    mine = person.create_workspace("Their feature")
    person.draft_tag(mine["path"], "Their unreviewed tag")
    unpublished = person.version(mine["path"], "Waiting for review")

    make_tracking(engine_customer, name="Second button")
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_unpublished_version"
    assert f"version {unpublished['containerVersionId']}" in deployment.error_message
    assert "Their unreviewed tag" in deployment.error_message
    live = live_version(engine_customer)
    assert live["containerVersionId"] == live_before
    assert "Their unreviewed tag" not in _names(live)

    # Once the person published it, ours goes out on top of it.
    person.publish(unpublished)
    again = deploy(engine_customer)
    assert again.status == DeploymentStatus.SUCCEEDED, again.error_message
    assert "Their unreviewed tag" in _names(live_version(engine_customer))
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("status", flat=True)
    ) == {TrackingStatus.LIVE}


def test_a_workspace_a_person_deleted_is_replaced_and_a_full_container_says_so(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    ours = connection_of(engine_customer).gtm_workspace_id
    # Someone deletes every workspace but the Default one (ours included)...
    for workspace in person.workspaces():
        if workspace["name"] != "Default Workspace":
            person.delete_workspace(workspace["path"])
    assert ours not in {w["workspaceId"] for w in person.workspaces()}

    make_tracking(engine_customer, name="After the cleanup")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED

    # ...then fills the container's workspace slots with their own.
    for workspace in person.workspaces():
        if workspace["name"] != "Default Workspace":
            person.delete_workspace(workspace["path"])
    person.create_workspace("Their A")
    person.create_workspace("Their B")
    tracking = make_tracking(engine_customer, name="No room")
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_workspace_limit"
    assert "no free workspace" in deployment.error_message
    assert "'Their A'" in deployment.error_message
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.FAILED
    assert {w["name"] for w in person.workspaces()} == {"Default Workspace", "Their A", "Their B"}

    # A slot freed: the next deployment goes through.
    theirs = next(w for w in person.workspaces() if w["name"] == "Their B")
    person.delete_workspace(theirs["path"])
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE


def _plan_with(key: str, body: dict[str, Any]) -> WorkspacePlan:
    desired = DesiredContainer(entities=[DesiredEntity("trigger", key, body, ())])
    return plan_workspace(desired, {})


def test_changes_are_ours_only_as_we_wrote_them() -> None:
    key = "oneclicktag:trigger:0b0e6f0e-0000-4000-8000-000000000001"
    body = {"name": "Buy [0b0e6f0e]", "type": "pageview", "notes": key}
    plan = _plan_with(key, body)
    written = {"trigger": {**body, "triggerId": "17"}, "changeStatus": "added"}
    assert unaccounted_changes([written], plan, built_ins=set(), owner="c") == []

    edited = {"trigger": {**body, "triggerId": "17", "type": "click"}, "changeStatus": "updated"}
    theirs = {"tag": {"tagId": "3", "name": "Their tag", "type": "html"}, "changeStatus": "added"}
    gone = {"tag": {"tagId": "4", "name": "Their old tag"}, "changeStatus": "deleted"}
    built_in = {
        "builtInVariable": {"type": "clickText", "name": "Click Text"},
        "changeStatus": "added",
    }
    assert unaccounted_changes(
        [edited, theirs, gone, built_in], plan, built_ins=set(), owner="c"
    ) == [
        "trigger 'Buy [0b0e6f0e]' (updated)",
        "tag 'Their tag' (added)",
        "tag 'Their old tag' (deleted)",
        "builtInVariable 'Click Text' (added)",
    ]
    assert unaccounted_changes([built_in], plan, built_ins={"clickText"}, owner="c") == []
