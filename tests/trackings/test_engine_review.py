"""Review before publish against the emulator: under `publish_policy: review`, nothing reaches
GTM or Google Ads until an admin approves the pending change, approval publishes exactly the
reviewed plan, and when GTM moved on (a person, a second API client, published) or the
trackings changed since the review, nothing is published and a fresh plan is shown."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import Customer
from tests.fixtures.trackings import ads_actions, calls_by_api, deploy, live_version, run_queued
from tests.trackings.gtm_person import Person
from tests.trackings.test_engine_health_check import _check, _edit_in_gtm, _queued_repair
from trackings.engine import pending_change_plan
from trackings.engine.review import LABEL_AT_PUBLISH, TAG_ID_AT_PUBLISH
from trackings.models import (
    Deployment,
    DeploymentStatus,
    PendingChange,
    PendingChangeStatus,
    Tracking,
    TrackingStatus,
)
from trackings.planner import marker_of
from trackings.planner.diff import entity_fields
from trackings.planner.normalize import ID_LIST_FIELDS

pytestmark = pytest.mark.django_db

LIVE = "tagmanager.accounts.containers.versions.live"
SEARCH = "google.ads.googleads"
# Everything that writes at Google: GTM's write methods and the Ads mutate.
WRITES = ("create", "update", "delete", "bulk_update", "publish", "sync", "Mutate", "set_latest")


def _review(tenant: Any, customer: Customer) -> None:
    response = tenant.client.patch(
        f"/api/v1/customers/{customer.pk}/", {"publish_policy": "review"}, format="json"
    )
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()


def _create(tenant: Any, customer: Customer, name: str, **fields: Any) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/trackings/",
        {
            "customer": str(customer.pk),
            "name": name,
            "type": "button_click",
            "config": {"selector": f"button.{name.lower().replace(' ', '-')}"},
            **fields,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return dict(response.json())


def _url(customer: Customer, change_id: Any, action: str = "") -> str:
    return f"/api/v1/customers/{customer.pk}/changes/{change_id}/" + (
        f"{action}/" if action else ""
    )


def _plan(customer: Customer, change_id: Any) -> bool:
    """What the task `trackings.plan_pending_change` does, run here."""
    return pending_change_plan(organization_id=customer.organization_id, change_id=change_id)


def _writes(stats: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    calls = stats.get("calls") or {}
    return {
        method: count - int((before.get("calls") or {}).get(method, 0))
        for method, count in calls.items()
        if any(word in method.rsplit(".", 1)[-1].rsplit("/", 1)[-1] for word in WRITES)
        and count - int((before.get("calls") or {}).get(method, 0))
    }


def _delta(stats: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    calls, earlier = stats.get("calls") or {}, before.get("calls") or {}
    return {m: int(n) - int(earlier.get(m, 0)) for m, n in calls.items() if n != earlier.get(m, 0)}


def _ours(version: dict[str, Any], owner: Customer) -> dict[str, dict[str, Any]]:
    return {
        key: entity
        for kind in ("tag", "trigger", "variable")
        for entity in version.get(kind) or []
        if (key := marker_of(entity)) is not None and str(owner.pk) in str(entity.get("notes"))
    }


def test_nothing_reaches_google_until_approval_which_publishes_exactly_the_reviewed_plan(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    _review(alice, engine_customer)
    live_before = live_version(engine_customer)
    start = google_emulator.stats()

    first = _create(alice, engine_customer, "Buy now", destinations=["ga4", "google_ads"])
    second = _create(alice, engine_customer, "Sign up")
    change_id = first["pending_change"]["id"]
    assert second["pending_change"]["id"] == change_id
    assert first["deployment"] is None
    assert second["deployment"] is None

    # The writes themselves reach nothing at Google.
    assert _delta(google_emulator.stats(), start) == {}
    # The plan reads the live version and the Ads account: two calls, no write.
    before_plan = google_emulator.stats()
    assert _plan(engine_customer, change_id) is True
    spent = _delta(google_emulator.stats(), before_plan)
    assert spent.pop(LIVE) == 1
    assert list(spent.values()) == [1]
    assert SEARCH in next(iter(spent))
    assert _writes(google_emulator.stats(), start) == {}
    assert (
        live_version(engine_customer)["containerVersionId"] == (live_before["containerVersionId"])
    )
    assert _ours(live_version(engine_customer), engine_customer) == {}
    assert not [a for a in ads_actions(engine_customer) if first["id"] in a["name"]]
    assert not Deployment.objects.filter(customer=engine_customer).exists()

    detail = alice.client.get(_url(engine_customer, change_id))
    assert detail.status_code == 200
    plan = detail.json()["plan"]
    creates = plan["gtm"]["create"]
    tags = {row["tracking"]: row for row in creates if row["type"] == "tag" and row["tracking"]}
    # Each tracking's tags, with their whole "after" and no "before" (they are new).
    by_tracking: dict[str, list[dict[str, Any]]] = {}
    for row in creates:
        by_tracking.setdefault(str(row["tracking"]), []).append(row)
    assert {t["type"] for t in by_tracking[first["id"]]} == {"tag", "trigger"}
    assert sorted(r["after"]["type"] for r in by_tracking[first["id"]] if r["type"] == "tag") == [
        "awct",
        "gaawe",
    ]
    assert tags[second["id"]]["before"] is None
    fields = {c["field"]: c for c in tags[second["id"]]["changes"]}
    assert fields["name"] == {"field": "name", "before": None, "after": tags[second["id"]]["name"]}
    assert fields["parameter.eventName"]["after"] == second["ga4_event_name"]
    assert plan["gtm"]["update"] == []
    assert plan["gtm"]["delete"] == []
    [ads] = plan["ads"]["create"]
    assert ads["tracking"] == first["id"]
    assert ads["before"] is None
    assert ads["after"]["status"] == "ENABLED"
    assert ads["after"]["type"] == "WEBPAGE"
    assert plan["based_on"]["gtm_live_version_id"] == live_before["containerVersionId"]

    # A member cannot approve; an admin can.
    member = alice.client_for("member")
    assert member.post(_url(engine_customer, change_id, "approve")).status_code == 403
    before_approve = google_emulator.stats()
    approved = alice.client_for("admin").post(_url(engine_customer, change_id, "approve"))
    assert approved.status_code == 202, approved.json()
    # Approving re-reads what the plan was made from (the same two reads), writes nothing.
    assert set(_delta(google_emulator.stats(), before_approve).values()) == {1}
    assert _writes(google_emulator.stats(), start) == {}
    deployment = Deployment.objects.get(pk=approved.json()["id"])
    change = PendingChange.objects.get(pk=change_id)
    assert change.status == PendingChangeStatus.APPROVED
    assert change.deployment_id == deployment.pk
    assert change.approved_by.startswith("alice-admin-")

    run_queued(engine_customer)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    assert deployment.google_calls["gtm"] <= 7

    # What went live is what was reviewed: the same entities, field by field.
    live = _ours(live_version(engine_customer), engine_customer)
    reviewed = {row["key"]: row for row in creates if row["type"] != "builtInVariable"}
    assert set(live) == set(reviewed)
    for key, row in reviewed.items():
        published = entity_fields(live[key])
        for change_row in row["changes"]:
            name, value = change_row["field"], change_row["after"]
            if name in ID_LIST_FIELDS or value in (LABEL_AT_PUBLISH, TAG_ID_AT_PUBLISH):
                continue  # ids and labels Google assigns at publish
            assert published.get(name) == value, (key, name)
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("status", flat=True)
    ) == {TrackingStatus.LIVE}


def test_a_person_publishing_between_review_and_approval_gets_a_409_and_a_fresh_plan(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    _review(alice, engine_customer)
    tracking = _create(alice, engine_customer, "Quote")
    change_id = tracking["pending_change"]["id"]
    _plan(engine_customer, change_id)
    reviewed = PendingChange.objects.get(pk=change_id)

    # The person publishes a tag of their own, by hand.
    workspace = person.create_workspace("Their work")
    person.draft_tag(workspace["path"], "Their chat widget")
    theirs = person.version(workspace["path"], "Chat widget")
    person.publish(theirs)
    start = google_emulator.stats()

    refused = alice.client.post(_url(engine_customer, change_id, "approve"))

    assert refused.status_code == 409
    answer = refused.json()
    assert answer["error"]["code"] == "pending_change_plan_changed"
    assert f"GTM version {theirs['containerVersionId']} is live now" in answer["error"]["message"]
    fresh = answer["change"]
    assert fresh["gtm_live_version_id"] == theirs["containerVersionId"]
    assert fresh["plan"]["based_on"]["gtm_live_version_id"] == theirs["containerVersionId"]
    assert fresh["gtm_live_version_id"] != reviewed.gtm_live_version_id
    assert _writes(google_emulator.stats(), start) == {}
    assert not Deployment.objects.filter(customer=engine_customer).exists()
    assert PendingChange.objects.get(pk=change_id).status == PendingChangeStatus.PENDING

    # Approving the fresh plan (now reviewed) publishes ours beside theirs.
    approved = alice.client.post(_url(engine_customer, change_id, "approve"))
    assert approved.status_code == 202, approved.json()
    run_queued(engine_customer)
    names = {t["name"] for t in live_version(engine_customer)["tag"]}
    assert "Their chat widget" in names
    assert Tracking.objects.get(pk=tracking["id"]).status == TrackingStatus.LIVE


def test_a_person_publishing_after_approval_stops_the_deployment_and_the_change_waits_again(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    _review(alice, engine_customer)
    tracking = _create(alice, engine_customer, "Lead", destinations=["ga4", "google_ads"])
    change_id = tracking["pending_change"]["id"]
    _plan(engine_customer, change_id)
    approved = alice.client.post(_url(engine_customer, change_id, "approve"))
    assert approved.status_code == 202
    # Before the worker takes the deployment, the person publishes.
    workspace = person.create_workspace("Hotfix")
    person.draft_tag(workspace["path"], "Their hotfix")
    theirs = person.version(workspace["path"], "Hotfix")
    person.publish(theirs)

    run_queued(engine_customer)

    deployment = Deployment.objects.get(pk=approved.json()["id"])
    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_published_since_review"
    assert "nothing was published" in deployment.error_message
    live = live_version(engine_customer)
    assert live["containerVersionId"] == theirs["containerVersionId"]
    assert _ours(live, engine_customer) == {}
    # No enabled conversion action is left without its tag.
    assert not [
        a
        for a in ads_actions(engine_customer)
        if tracking["id"] in a["name"] and a["status"] == "ENABLED"
    ]
    # The tracking waits (not failed), in a new change to review with a fresh plan.
    assert Tracking.objects.get(pk=tracking["id"]).status == TrackingStatus.PENDING
    waiting = PendingChange.objects.get(
        customer=engine_customer, status=PendingChangeStatus.PENDING
    )
    assert waiting.tracking_ids == [tracking["id"]]
    _plan(engine_customer, waiting.pk)
    waiting.refresh_from_db()
    assert waiting.gtm_live_version_id == theirs["containerVersionId"]


def test_writes_after_approval_are_not_published_with_it(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    _review(alice, engine_customer)
    tracking = _create(alice, engine_customer, "Download")
    change_id = tracking["pending_change"]["id"]
    _plan(engine_customer, change_id)
    approved = alice.client.post(_url(engine_customer, change_id, "approve"))
    assert approved.status_code == 202
    # An edit arrives before the deployment runs: it opens a new change.
    edited = alice.client.patch(
        f"/api/v1/trackings/{tracking['id']}/", {"name": "Download, renamed"}, format="json"
    )
    assert edited.json()["pending_change"]["id"] != change_id
    start = google_emulator.stats()

    run_queued(engine_customer)

    deployment = Deployment.objects.get(pk=approved.json()["id"])
    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "pending_change_outdated"
    # Stopped before any Google call.
    assert _delta(google_emulator.stats(), start) == {}
    assert deployment.google_calls == {"gtm": 0, "ads": 0, "ga4": 0}
    assert Tracking.objects.get(pk=tracking["id"]).status == TrackingStatus.PENDING
    assert (
        PendingChange.objects.filter(
            customer=engine_customer, status=PendingChangeStatus.PENDING
        ).count()
        == 1
    )


def test_a_repair_under_review_does_not_publish_unreviewed_writes(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    _review(alice, engine_customer)
    _create(alice, engine_customer, "Unreviewed")
    # A deployment asked for some other way (a health check's repair, a retry).
    start = google_emulator.stats()
    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "review_required"
    assert _delta(google_emulator.stats(), start) == {}
    assert set(
        Tracking.objects.filter(customer=engine_customer).values_list("status", flat=True)
    ) == {TrackingStatus.PENDING}


def test_a_delete_under_review_shows_the_entities_going_and_is_removed_once_approved(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    tracking = _create_live(alice, engine_customer)
    _review(alice, engine_customer)

    deleted = alice.client.delete(f"/api/v1/trackings/{tracking['id']}/")
    assert deleted.status_code == 202
    change_id = deleted.json()["pending_change"]["id"]
    _plan(engine_customer, change_id)
    plan = alice.client.get(_url(engine_customer, change_id)).json()["plan"]

    going = [row for row in plan["gtm"]["delete"] if row["tracking"] == tracking["id"]]
    assert {row["type"] for row in going} == {"tag", "trigger"}
    for row in going:
        assert row["after"] is None
        assert row["before"]["name"] == row["name"]
        assert {"field": "name", "before": row["name"], "after": None} in row["changes"]
    assert _ours(live_version(engine_customer), engine_customer)

    assert alice.client.post(_url(engine_customer, change_id, "approve")).status_code == 202
    run_queued(engine_customer)
    live = _ours(live_version(engine_customer), engine_customer)
    assert not [k for k in live if tracking["id"] in k]
    assert Tracking.all_objects.get(pk=tracking["id"]).status == TrackingStatus.REMOVED


def _create_live(tenant: Any, customer: Customer) -> dict[str, Any]:
    response = tenant.client.post(
        "/api/v1/trackings/",
        {
            "customer": str(customer.pk),
            "name": "Already live",
            "type": "button_click",
            "config": {"selector": "button.live"},
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    run_queued(customer)
    assert Tracking.objects.get(pk=response.json()["id"]).status == TrackingStatus.LIVE
    return dict(response.json())


def test_the_calls_a_review_costs(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    """GA4-only trackings: the plan and the approval each read only GTM's live version."""
    _review(alice, engine_customer)
    change_id = _create(alice, engine_customer, "Cheap")["pending_change"]["id"]
    before = google_emulator.stats()
    _plan(engine_customer, change_id)
    assert _delta(google_emulator.stats(), before) == {LIVE: 1}
    before = google_emulator.stats()
    assert alice.client.post(_url(engine_customer, change_id, "approve")).status_code == 202
    assert _delta(google_emulator.stats(), before) == {LIVE: 1}
    assert calls_by_api(_delta_stats(google_emulator, before))["ads"] == 0


def _delta_stats(google_emulator: Any, before: dict[str, Any]) -> dict[str, Any]:
    return {"calls": _delta(google_emulator.stats(), before)}


def test_drift_found_while_a_change_waits_is_repaired_by_approving_it(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    live_one = _create_live(alice, engine_customer)
    _review(alice, engine_customer)
    change_id = _create(alice, engine_customer, "Waiting")["pending_change"]["id"]

    def delete_ours(entities: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {"tag": tag, "changeStatus": "deleted"}
            for tag in entities["tag"]
            if live_one["id"] in tag.get("notes", "")
        ]

    _edit_in_gtm(engine_customer, delete_ours)
    check = _check(engine_customer)

    assert check.status == DeploymentStatus.SUCCEEDED, check.error_message
    assert check.plan["health"]["missing"] == 1
    assert check.plan["repair_waits_for_review"] == change_id
    assert "repair_deployment" not in check.plan
    assert _queued_repair(engine_customer) is None
    # The change's plan, made against the version the person published, restores the tag.
    _plan(engine_customer, change_id)
    plan = PendingChange.objects.get(pk=change_id).plan
    assert plan is not None
    restored = [r for r in plan["gtm"]["create"] if r["tracking"] == live_one["id"]]
    assert [r["type"] for r in restored] == ["tag"]
    assert alice.client.post(_url(engine_customer, change_id, "approve")).status_code == 202
    run_queued(engine_customer)
    assert [k for k in _ours(live_version(engine_customer), engine_customer) if live_one["id"] in k]
    assert Tracking.objects.get(pk=live_one["id"]).health == "healthy"


def test_approving_before_the_plan_was_made_shows_it_first(
    alice: Any, engine_customer: Customer, google_emulator: Any
) -> None:
    """The plan task has not run (or was lost): the approval makes the plan and answers 409
    with it, so nobody approves what they could not see; the next approval publishes it."""
    _review(alice, engine_customer)
    tracking = _create(alice, engine_customer, "Unseen")
    change_id = tracking["pending_change"]["id"]
    url = _url(engine_customer, change_id, "approve")

    first = alice.client.post(url)

    assert first.status_code == 409
    assert "no plan" in first.json()["error"]["message"]
    rows = first.json()["change"]["plan"]["gtm"]["create"]
    assert tracking["id"] in {row["tracking"] for row in rows}
    assert not Deployment.objects.filter(customer=engine_customer).exists()
    second = alice.client.post(url)
    assert second.status_code == 202, second.json()
    run_queued(engine_customer)
    assert Tracking.objects.get(pk=tracking["id"]).status == TrackingStatus.LIVE
