"""GTM and Ads calls per deployment do not grow with the number of trackings: 5 GTM calls, the
first deployment into a container (new or not) included, 1 without changes, 1 for a health
check; more only when a person changed the container since we last saw it, each case counted.
Every count is the emulator's (what Google saw), by method."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    SYSTEM,
    calls_by_api,
    connection_of,
    container_path,
    deploy,
    live_version,
    make_tracking,
    run_queued,
)
from tests.google_emulator.http_support import gtm_service, sign_in
from tests.trackings.gtm_person import Person
from trackings.engine.run import GTM_CALLS_PER_RUN
from trackings.models import DeploymentKind, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_request_health_check

pytestmark = pytest.mark.django_db

_PREFIX = "tagmanager.accounts.containers."
# A deployment with changes, after our first: planned against what publish last answered.
STEADY = {
    "workspaces.create": 1,
    "workspaces.bulk_update": 1,
    "workspaces.getStatus": 1,
    "workspaces.create_version": 1,
    "versions.publish": 1,
}
# The first one: the choose step made our workspace; the live version is read to plan against.
FIRST = {**STEADY, "workspaces.create": 0, "versions.live": 1}


def _methods(*counts: dict[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for count in counts:
        for method, n in count.items():
            total[method] = total.get(method, 0) + n
    return {method: n for method, n in total.items() if n}


def _gtm_since(google_emulator: Any, before: dict[str, Any]) -> dict[str, int]:
    """GTM calls by method (without its common prefix) since `before` (the emulator's stats)."""
    now, earlier = google_emulator.stats()["calls"], before.get("calls") or {}
    return _methods(
        {
            method.removeprefix(_PREFIX): n - int(earlier.get(method, 0))
            for method, n in now.items()
            if method.startswith("tagmanager.")
        }
    )


def test_deploying_1_10_and_100_new_trackings_takes_5_gtm_calls(
    engine_customer: Any, google_emulator: Any
) -> None:
    spent: dict[int, dict[str, int]] = {}
    methods: dict[int, dict[str, int]] = {}
    for count in (1, 10, 100):
        for index in range(count):
            make_tracking(
                engine_customer,
                name=f"Button {count}-{index}",
                config={"selector": f"#buy-{count}-{index}"},
                destinations=["ga4", "google_ads"],
            )
        before_stats = google_emulator.stats()
        before = calls_by_api(before_stats)
        deployment = deploy(engine_customer)
        after = calls_by_api(google_emulator.stats())
        assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
        spent[count] = {api: after[api] - before[api] for api in ("gtm", "ads")}
        methods[count] = _gtm_since(google_emulator, before_stats)
        # What the deployment says it spent is what Google (the emulator) saw.
        assert deployment.google_calls["gtm"] == spent[count]["gtm"]
        assert deployment.google_calls["ads"] == spent[count]["ads"]

    # The first into the container (the seeded one, version 1 live) reads the live version
    # instead of making a workspace; then each plans against what publish answered.
    assert methods[1] == _methods(FIRST), methods[1]
    assert methods[10] == methods[100] == STEADY, methods
    assert spent[1]["gtm"] == spent[10]["gtm"] == spent[100]["gtm"] == 5
    assert spent[1]["ads"] <= 2
    assert spent[10]["ads"] == spent[100]["ads"] <= 2
    # The quota scheduler reserves exactly what a run spends.
    assert GTM_CALLS_PER_RUN[DeploymentKind.DEPLOY] == sum(STEADY.values())
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

    before_stats = google_emulator.stats()
    before = calls_by_api(before_stats)
    deployment = deploy(customer)
    spent = calls_by_api(google_emulator.stats())["gtm"] - before["gtm"]

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    assert spent == deployment.google_calls["gtm"] == 5
    # Nothing is live yet (the live read answers 404): nothing to read beyond it.
    assert _gtm_since(google_emulator, before_stats) == _methods(FIRST)
    live = live_version(customer)
    assert {b["type"] for b in live["builtInVariable"]} >= {"pageUrl", "clickElement"}
    assert any(t["type"] == "awct" for t in live["tag"])
    assert Tracking.objects.get(customer=customer).status == TrackingStatus.LIVE


def test_gtm_deletes_our_workspace_when_versioning_and_the_next_run_makes_one_in_5_calls(
    engine_customer: Any, google_emulator: Any
) -> None:
    """GTM deletes the workspace it versions and (the Default Workspace being left) makes none
    in its place: we keep no workspace id, and the next run makes a new one in the same 5 calls,
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


def test_a_deployment_without_changes_reads_the_live_version_once(
    engine_customer: Any, google_emulator: Any
) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED

    before = google_emulator.stats()
    again = deploy(engine_customer)

    assert again.status == DeploymentStatus.SUCCEEDED, again.error_message
    assert _gtm_since(google_emulator, before) == {"versions.live": 1}
    assert again.google_calls["gtm"] == 1
    assert again.gtm_version_id == first.gtm_version_id, "nothing new was published"


def test_a_health_check_is_one_gtm_call(engine_customer: Any, google_emulator: Any) -> None:
    for index in range(10):
        make_tracking(engine_customer, config={"selector": f"#b-{index}"})
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED

    before = google_emulator.stats()
    check = deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    check.refresh_from_db()

    assert check.status == DeploymentStatus.SUCCEEDED, check.error_message
    assert _gtm_since(google_emulator, before) == {"versions.live": 1}
    assert check.google_calls["gtm"] == GTM_CALLS_PER_RUN[DeploymentKind.CHECK] == 1


# --- A person changed the container since we last saw it: counted, bounded --------------------


def _their_tag_published(person: Person, name: str) -> dict[str, Any]:
    workspace = person.default_workspace()
    person.draft_tag(workspace, name)
    version = person.version(workspace, name)
    person.publish(version)
    return version


def test_a_version_a_person_published_since_costs_one_read(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    theirs = _their_tag_published(person, "Their chat widget")
    second = make_tracking(engine_customer, name="Second button")

    before = google_emulator.stats()
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    # create_version's answer held their tag, not in what we last saw live: one read said it
    # is live (so publishing ours publishes nothing of theirs that was not), then publish.
    assert _gtm_since(google_emulator, before) == _methods(STEADY, {"versions.live": 1})
    assert deployment.google_calls["gtm"] == 6
    live = live_version(engine_customer)
    assert int(live["containerVersionId"]) > int(theirs["containerVersionId"])
    assert "Their chat widget" in {t["name"] for t in live["tag"]}
    second.refresh_from_db()
    assert second.status == TrackingStatus.LIVE


def test_someones_unpublished_version_costs_three_calls_to_withdraw_ours(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live_before = live_version(engine_customer)["containerVersionId"]
    workspace = person.create_workspace("Their feature")
    person.draft_tag(workspace["path"], "Their unreviewed tag")
    unpublished = person.version(workspace["path"], "Waiting for review")
    make_tracking(engine_customer, name="Second button")

    before = google_emulator.stats()
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_unpublished_version"
    withdraw = {
        "version_headers.list": 1,
        "versions.set_latest": 1,
        "versions.delete": 1,
    }
    assert _gtm_since(google_emulator, before) == _methods(
        STEADY, {"versions.publish": -1, "versions.live": 1}, withdraw
    )
    assert deployment.google_calls["gtm"] == 8
    # As it was: theirs the latest again (new workspaces start from it), ours gone, live kept.
    gtm = google_clients_for(connection_of(engine_customer)).gtm
    latest = gtm.latest_version_header(container_path(engine_customer))
    assert latest["containerVersionId"] == unpublished["containerVersionId"]
    assert live_version(engine_customer)["containerVersionId"] == live_before


def test_our_tag_a_person_deleted_and_published_costs_one_more_round(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    first = make_tracking(engine_customer, name="Signup")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    theirs = person.default_workspace()
    ours = [t for t in person.entities(theirs, "tag") if str(first.pk) in t.get("notes", "")]
    person.delete_entity("tag", ours[0]["path"])
    person.publish(person.version(theirs, "Cleanup"))
    # No health check saw it: the next deployment plans against what we published.
    second = make_tracking(engine_customer, name="Second button")

    before = google_emulator.stats()
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    # The version we made lacked our tag: the live version is read (only theirs changed), and
    # one more round from that version restores it. Bounded: a second such round fails.
    assert _gtm_since(google_emulator, before) == _methods(
        STEADY, {"versions.live": 1}, STEADY, {"versions.publish": -1}
    )
    assert deployment.google_calls["gtm"] == 10
    assert str(first.pk) in str(live_version(engine_customer).get("tag"))
    for tracking in (first, second):
        tracking.refresh_from_db()
        assert tracking.status == TrackingStatus.LIVE


def test_a_repair_after_a_check_saw_a_persons_version_costs_one_read(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    tracking = make_tracking(engine_customer, name="Signup")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    theirs = person.default_workspace()
    ours = [t for t in person.entities(theirs, "tag") if str(tracking.pk) in t.get("notes", "")]
    person.delete_entity("tag", ours[0]["path"])
    person.publish(person.version(theirs, "Cleanup"))

    before = google_emulator.stats()
    check = deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)  # the check, then the repair it queued
    check.refresh_from_db()

    repair = check.plan["repair_deployment"]
    assert check.google_calls["gtm"] == 1
    # The check recorded another live version than ours: the repair reads it to plan.
    assert _gtm_since(google_emulator, before) == _methods(
        {"versions.live": 1}, STEADY, {"versions.live": 1}
    )
    repaired = type(check).objects.get(pk=repair)
    assert repaired.status == DeploymentStatus.SUCCEEDED, repaired.error_message
    assert repaired.google_calls["gtm"] == 6
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE
