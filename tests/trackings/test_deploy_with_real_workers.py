"""Deployments run by real Celery workers (subprocesses on the test Redis broker) against the
emulator: a button click for GA4 and Google Ads goes live through the public API and leaves again
when deleted; a worker killed mid-deployment is taken over after a restart and leaves exactly one
copy of everything; a run that gives its GTM calls back starts the deployment waiting for them.

The tests live in this one file on purpose: with `--dist loadfile` they then never run at the
same time, so two workers never share (and steal from) the broker's queue.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from integrations.google.quota import gtm_quota_acquire, gtm_quota_release
from tests.fixtures.google import revoke_at_google
from tests.fixtures.trackings import (
    SYSTEM,
    ads_actions,
    live_version,
    make_tracking,
    parameters,
    wait_for,
)
from trackings.engine.apply_ads import tracking_id_in_name
from trackings.models import (
    GTM_CALLS_PER_RUN,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingStatus,
)
from trackings.planner import marker_of
from trackings.services.deployments import deployment_enqueue, deployments_sweep

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _finished(client: Any, deployment_id: str) -> dict[str, Any] | None:
    body = client.get(f"/api/v1/deployments/{deployment_id}/").json()
    return body if body["status"] in ("succeeded", "failed", "cancelled") else None


def test_a_button_click_goes_live_and_leaves_through_the_api(
    alice: Any, connect_customer: Any, celery_workers: Any
) -> None:
    customer = connect_customer(alice)
    celery_workers.start(purge=True)

    created = alice.client.post(
        "/api/v1/trackings/",
        {
            "customer": str(customer.pk),
            "name": "Buy now",
            "type": "button_click",
            "config": {"selector": "button.buy-now"},
            "destinations": ["ga4", "google_ads"],
            "ga4_event_name": "add_to_cart",
        },
        format="json",
    )
    assert created.status_code == 202, created.content
    tracking_id = created.json()["id"]
    deployment = wait_for(
        lambda: _finished(alice.client, created.json()["deployment"]["id"]),
        what="the deployment",
    )
    assert deployment["status"] == "succeeded", (deployment, celery_workers.logs()[-3000:])
    assert deployment["progress"]["done"] == deployment["progress"]["total"] > 0
    assert 0 < deployment["google_calls"]["gtm"] <= 8

    tracking = alice.client.get(f"/api/v1/trackings/{tracking_id}/").json()
    assert tracking["status"] == "live", tracking
    live = live_version(customer)
    assert live["containerVersionId"] == deployment["gtm_version_id"]
    triggers = {t["triggerId"]: t for t in live["trigger"]}
    [trigger_id] = tracking["gtm"]["trigger_ids"]
    trigger = triggers[trigger_id]
    assert trigger["type"] == "click"
    condition = trigger["filter"][0]
    assert condition["type"] == "cssSelector"
    assert parameters(condition)["arg0"] == "{{Click Element}}"
    # The element itself or anything inside it (a click on the button's icon counts).
    assert parameters(condition)["arg1"].split(", ")[0] == "button.buy-now"

    tags = {t["type"]: t for t in live["tag"] if t["tagId"] in tracking["gtm"]["tag_ids"]}
    assert parameters(tags["gaawe"])["eventName"] == "add_to_cart"
    measurement_id = customer.google_connection.ga4_measurement_id
    assert measurement_id.startswith("G-")
    assert parameters(tags["gaawe"])["measurementIdOverride"] == measurement_id
    action = next(a for a in ads_actions(customer) if tracking_id in a["name"])
    assert parameters(tags["awct"])["conversionId"] == action["conversion_id"]
    assert parameters(tags["awct"])["conversionLabel"] == action["conversion_label"]
    assert tags["gaawe"]["firingTriggerId"] == [trigger_id] == tags["awct"]["firingTriggerId"]

    deleted = alice.client.delete(f"/api/v1/trackings/{tracking_id}/")
    assert deleted.status_code in (202, 204), deleted.content
    removal = wait_for(
        lambda: Tracking.all_objects.filter(pk=tracking_id, status=TrackingStatus.REMOVED).exists(),
        what="the removal",
    )
    assert removal
    after = live_version(customer)
    assert int(after["containerVersionId"]) > int(live["containerVersionId"])
    assert not [t for t in after.get("tag") or [] if tracking_id in t.get("notes", "")]
    assert not [t for t in after.get("trigger") or [] if tracking_id in t.get("notes", "")]
    assert next(a for a in ads_actions(customer) if a["id"] == action["id"])["status"] == "REMOVED"


def _status(deployment: Deployment) -> Deployment:
    deployment.refresh_from_db()
    return deployment


def test_a_killed_worker_leaves_one_copy_of_everything_after_a_restart(
    connect_customer: Any, alice: Any, celery_workers: Any, google_emulator: Any, settings: Any
) -> None:
    customer = connect_customer(alice)
    google_emulator.configure({"gtm_quota": {"per_100s": 10000, "per_day": 100000}})
    settings.GTM_QUOTA_PER_100S = 1000
    trackings = [
        make_tracking(
            customer,
            name=f"Button {index}",
            config={"selector": f"#buy-{index}"},
            destinations=["ga4", "google_ads"],
        )
        for index in range(20)
    ]
    # Slow Google down so the kill lands mid-flight: after bulk_update, before the publish.
    google_emulator.configure({"latency_ms": 700})
    first = celery_workers.start(purge=True)
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    wait_for(
        lambda: (
            _status(deployment).progress_done > 0
            and deployment.status in (DeploymentStatus.APPLYING, DeploymentStatus.PUBLISHING)
        ),
        what="the deployment to be past its bulk_update",
    )
    celery_workers.kill(first)
    assert _status(deployment).status in (DeploymentStatus.APPLYING, DeploymentStatus.PUBLISHING)

    google_emulator.configure({"latency_ms": 0})
    celery_workers.start()
    # The beat sweep finds the silent deployment and sends it again; the new run holds the
    # container's lock (the dead worker's session is gone) and takes the deployment over.
    assert deployments_sweep(running_after=timedelta(0)) >= 1
    wait_for(
        lambda: _status(deployment).status in (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED),
        what="the taken-over deployment",
    )
    assert deployment.status == DeploymentStatus.SUCCEEDED, (
        deployment.error_message,
        celery_workers.logs()[-3000:],
    )
    assert deployment.attempts == 2

    live = live_version(customer)
    markers = Counter(
        marker_of(entity)
        for kind in ("tag", "trigger", "variable")
        for entity in live.get(kind) or []
        if marker_of(entity)
    )
    assert [key for key, count in markers.items() if count > 1] == []
    for tracking in trackings:
        assert markers[f"oneclicktag:trigger:{tracking.pk}"] == 1
        assert markers[f"oneclicktag:ads-tag:{tracking.pk}"] == 1
    assert (
        not Tracking.objects.filter(customer=customer).exclude(status=TrackingStatus.LIVE).exists()
    )
    owners = Counter(
        tracking_id_in_name(a["name"]) for a in ads_actions(customer) if a["status"] != "REMOVED"
    )
    assert max(owners.values()) == 1
    assert {t.pk for t in trackings} <= set(owners)


def test_a_live_run_keeps_its_heartbeat_and_a_dead_ones_is_taken_over(
    connect_customer: Any, alice: Any, celery_workers: Any, google_emulator: Any, settings: Any
) -> None:
    # Issue 13: a crashed worker's deployment waited ~10 min. A beat every second here (10 s by
    # default; the sweep hands a run on after four missed beats).
    customer = connect_customer(alice)
    google_emulator.configure({"gtm_quota": {"per_100s": 10000, "per_day": 100000}})
    settings.GTM_QUOTA_PER_100S = 1000
    make_tracking(customer, destinations=["ga4"])
    celery_workers.env["DEPLOYMENT_HEARTBEAT_SECONDS"] = "1"
    # Every Google call takes 4 s: progress writes alone leave the row silent longer than that.
    google_emulator.configure({"latency_ms": 4000})
    first = celery_workers.start(purge=True)
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    wait_for(
        lambda: _status(deployment).status not in (DeploymentStatus.QUEUED,),
        what="the deployment to start",
    )
    stale_after = timedelta(seconds=3)
    time.sleep(5)
    assert _status(deployment).status not in (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED)
    # Alive: its beat is fresh, so the sweep leaves it alone.
    assert deployments_sweep(running_after=stale_after) == 0

    celery_workers.kill(first)
    google_emulator.configure({"latency_ms": 0})
    time.sleep(4)
    # Dead: four beats missed, the sweep sends it again and a new worker takes it over.
    assert deployments_sweep(running_after=stale_after) == 1
    celery_workers.start()
    wait_for(
        lambda: _status(deployment).status in (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED),
        what="the taken-over deployment",
    )
    assert deployment.status == DeploymentStatus.SUCCEEDED, (
        deployment.error_message,
        celery_workers.logs()[-3000:],
    )
    assert deployment.attempts == 2


def test_under_review_a_real_worker_plans_the_change_and_publishes_it_once_approved(
    alice: Any, connect_customer: Any, celery_workers: Any
) -> None:
    """The plan task (sent by name after the write) and the approved deployment, both run by
    the worker; before the approval nothing of the tracking is live."""
    customer = connect_customer(alice)
    assert (
        alice.client.patch(
            f"/api/v1/customers/{customer.pk}/", {"publish_policy": "review"}, format="json"
        ).status_code
        == 200
    )
    celery_workers.start(purge=True)

    created = alice.client.post(
        "/api/v1/trackings/",
        {
            "customer": str(customer.pk),
            "name": "Reviewed",
            "type": "button_click",
            "config": {"selector": "button.reviewed"},
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/customers/{customer.pk}/changes/{created.json()['pending_change']['id']}/"
    change = wait_for(
        lambda: (body := alice.client.get(url).json())["plan"] is not None and body,
        what="the plan",
    )
    [tag] = [
        row
        for row in change["plan"]["gtm"]["create"]
        if row["type"] == "tag" and row["tracking"] == created.json()["id"]
    ]
    assert tag["after"]["type"] == "gaawe"
    assert not any(
        marker_of(t) and created.json()["id"] in marker_of(t)  # type: ignore[operator]
        for t in live_version(customer).get("tag") or []
    )

    approved = alice.client.post(f"{url}approve/")
    assert approved.status_code == 202, approved.content
    deployment = wait_for(
        lambda: _finished(alice.client, approved.json()["id"]), what="the deployment"
    )
    assert deployment["status"] == "succeeded", (deployment, celery_workers.logs()[-3000:])
    assert tag["name"] in {t["name"] for t in live_version(customer)["tag"]}
    assert alice.client.get(url).json()["status"] == "approved"


def test_a_reservation_given_back_starts_the_next_waiting_deployment_at_once(
    connect_customer: Any,
    alice: Any,
    bob: Any,
    celery_workers: Any,
    google_emulator: Any,
    settings: Any,
) -> None:
    # Issue 15: a deployment waited for its countdown (or the sweep) while the calls it needed
    # had come back already. Two tenants; Google's own quota lifted, ours fits one run at a time.
    google_emulator.configure({"gtm_quota": {"per_100s": 10000, "per_day": 100000}})
    alices = connect_customer(alice)
    bobs = connect_customer(bob, gtm_container_id="create")
    make_tracking(alices, destinations=["ga4", "google_ads"])
    make_tracking(bobs, destinations=["ga4", "google_ads"])
    per_run = GTM_CALLS_PER_RUN[DeploymentKind.DEPLOY]
    # A bucket of its own (the connections' calls stay in the old one), with room for one run
    # and not two, over Google's 100 s window.
    settings.GOOGLE_CLOUD_PROJECT = f"{settings.GOOGLE_CLOUD_PROJECT}-wake"
    settings.GTM_QUOTA_PER_100S = 2 * per_run - 1
    # Someone else's calls fill the window: both deployments must wait, Alice's first.
    someone_else = gtm_quota_acquire(organization_id="someone-else", count=2 * per_run - 1)
    # Alice's run will give its reservation back unspent: she revoked the grant at Google.
    revoke_at_google(google_emulator, alices.google_connection)
    celery_workers.start(purge=True)

    first = deployment_enqueue(customer=alices, actor=SYSTEM)
    wait_for(lambda: _status(first).not_before, what="Alice's deployment to wait for its calls")
    second = deployment_enqueue(customer=bobs, actor=SYSTEM)
    wait_for(lambda: _status(second).not_before, what="Bob's deployment to wait for its calls")
    countdown_end = second.not_before
    assert second.status == DeploymentStatus.QUEUED
    assert second.started_at is None

    # The window frees: Alice's calls fit, Bob's not yet (he is behind her); only she starts.
    gtm_quota_release(someone_else)
    assert _status(second).not_before == countdown_end
    wait_for(
        lambda: _status(first).status == DeploymentStatus.FAILED, what="Alice's deployment to end"
    )
    assert first.error_code == "google_needs_reconnect", first.error_message
    # Her run gave back what it did not spend and Bob's deployment started then, not at the
    # end of its countdown (a window away).
    wait_for(
        lambda: _status(second).status in (DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED),
        what="Bob's deployment",
    )
    assert second.status == DeploymentStatus.SUCCEEDED, (
        second.error_message,
        celery_workers.logs()[-3000:],
    )
    assert first.finished_at is not None
    assert second.started_at is not None
    assert countdown_end is not None
    assert first.finished_at <= second.started_at < countdown_end
    assert second.attempts == 1, "waiting for quota spent no attempt"
