"""Quota: a deployment that runs out of GTM quota (ours or Google's) or gets Ads
RESOURCE_EXHAUSTED goes back to queued until `not_before` and is sent again with that countdown;
it never sleeps in the worker, and it completes once quota is back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from integrations.google.errors import GoogleQuotaExceeded
from integrations.google.quota import gtm_quota_acquire, gtm_quota_release
from tests.fixtures.trackings import SYSTEM, make_tracking, run_queued
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue, deployment_request_health_check

pytestmark = pytest.mark.django_db


def _run_once(deployment: Any) -> None:
    deployment_run(organization_id=deployment.organization_id, deployment_id=deployment.pk)
    deployment.refresh_from_db()


def test_out_of_gtm_quota_requeues_with_not_before_and_a_countdown(
    engine_customer: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    tracking = make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    # Our project-wide bucket, mostly spent by connecting the customer: a few calls at most.
    settings.GTM_QUOTA_PER_100S = 8

    started = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        _run_once(deployment)

    assert deployment.status == DeploymentStatus.QUEUED
    assert deployment.not_before is not None
    assert deployment.not_before > started
    assert deployment.attempts == 0, "waiting for quota is not a failed attempt"
    # A run starts only with its whole GTM budget reserved: none of it is spent on reads that
    # would have to be repeated, and the tracking still waits for its turn. It was not even
    # claimed: it stayed queued from the start.
    assert deployment.google_calls.get("gtm", 0) == 0
    assert deployment.started_at is None
    assert len(callbacks) == 1, "the task is sent again, with a countdown"
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.PENDING

    # Sent early (a duplicate, the sweep): it waits for its countdown instead of running.
    _run_once(deployment)
    assert deployment.status == DeploymentStatus.QUEUED

    settings.GTM_QUOTA_PER_100S = 10000
    run_queued(engine_customer)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED
    assert deployment.google_calls["gtm"] == 5, "one whole run, nothing repeated"
    assert Tracking.objects.get(pk=tracking.pk).status == TrackingStatus.LIVE


def test_a_countdown_task_a_moment_early_is_sent_again_not_dropped(
    engine_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    # The broker's timer fired just before the database's not_before.
    Deployment.objects.filter(pk=deployment.pk).update(
        not_before=timezone.now() + timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        _run_once(deployment)
    assert deployment.status == DeploymentStatus.QUEUED
    assert len(callbacks) == 1, "sent again for the rest of its countdown"

    # Far too early (a duplicate, the sweep): its own countdown task will come; none is added.
    Deployment.objects.filter(pk=deployment.pk).update(
        not_before=timezone.now() + timedelta(seconds=60)
    )
    with django_capture_on_commit_callbacks() as callbacks:
        _run_once(deployment)
    assert deployment.status == DeploymentStatus.QUEUED
    assert callbacks == []


def test_google_saying_429_requeues_the_deployment(
    engine_customer: Any, google_emulator: Any
) -> None:
    make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    google_emulator.configure(
        {"faults": [{"api": "ads", "method": "*", "status": 429, "rate": 1, "count": 1}]}
    )

    _run_once(deployment)

    assert deployment.status == DeploymentStatus.QUEUED
    assert deployment.not_before is not None
    assert deployment.not_before > timezone.now()
    run_queued(engine_customer)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED


def test_changes_arriving_meanwhile_join_the_waiting_deployment(
    engine_customer: Any, settings: Any
) -> None:
    make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    settings.GTM_QUOTA_PER_100S = 1
    _run_once(deployment)
    assert deployment.status == DeploymentStatus.QUEUED

    later = make_tracking(engine_customer)
    joined = deployment_enqueue(customer=engine_customer, actor=SYSTEM, tracking_ids=[later.pk])

    assert joined.pk == deployment.pk
    assert str(later.pk) in joined.requested_tracking_ids
    settings.GTM_QUOTA_PER_100S = 10000
    run_queued(engine_customer)
    assert Tracking.objects.get(pk=later.pk).status == TrackingStatus.LIVE


def _fill_the_window(organization: str) -> list[str]:
    taken: list[str] = []
    while True:
        try:
            taken += gtm_quota_acquire(organization_id=organization)
        except GoogleQuotaExceeded:
            return taken


def test_each_kind_waits_only_for_the_calls_it_needs(engine_customer: Any, settings: Any) -> None:
    make_tracking(engine_customer)
    run_queued(engine_customer)
    settings.GTM_QUOTA_PER_100S = 30
    organization = str(engine_customer.organization_id)
    taken = _fill_the_window(organization)
    gtm_quota_release(taken[-2:])  # two calls free in the window

    check = deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    _run_once(check)
    assert check.status == DeploymentStatus.SUCCEEDED, "a check needs one GTM call"
    assert check.google_calls["gtm"] == 1

    make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    _run_once(deployment)
    assert deployment.status == DeploymentStatus.QUEUED, "a deployment waits for all 5"
    assert deployment.google_calls.get("gtm", 0) == 0


def _gtm_calls(google_emulator: Any) -> int:
    calls = google_emulator.stats()["calls"]
    return sum(n for method, n in calls.items() if method.startswith("tagmanager."))


def test_a_plan_preview_short_of_quota_spends_nothing(
    alice: Any, engine_customer: Any, google_emulator: Any, settings: Any
) -> None:
    # Its four GTM lists are worth nothing half read: refused after two, a poll spent them for
    # nothing and spent them again at the next try.
    make_tracking(engine_customer)
    settings.GTM_QUOTA_PER_100S = 30
    taken = _fill_the_window("someone-else")
    gtm_quota_release(taken[-3:])  # three calls free
    url = f"/api/v1/customers/{engine_customer.pk}/plan/"
    before = _gtm_calls(google_emulator)

    refused = alice.client.get(url)
    assert refused.status_code == 429, refused.content
    assert int(refused["Retry-After"]) > 0
    assert _gtm_calls(google_emulator) == before

    gtm_quota_release(taken[-4:-3])  # four free
    answered = alice.client.get(url)
    assert answered.status_code == 200, answered.content
    assert 0 < _gtm_calls(google_emulator) - before <= 4
