"""One deployment at a time per GTM container: a run that finds its container busy leaves the
deployment queued and comes back later; a lost task is sent again by the beat sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from tests.fixtures.trackings import SYSTEM, container_path, make_tracking, run_queued
from trackings.engine import deployment_run
from trackings.engine.locks import container_lock_key
from trackings.models import Deployment, DeploymentStatus, TrackingStatus
from trackings.services.deployments import deployment_enqueue, deployments_sweep

pytestmark = pytest.mark.django_db


def _other_session() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    )


def test_a_busy_container_leaves_the_deployment_queued(
    engine_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    tracking = make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    with _other_session() as other:
        # Another worker is deploying to the same container.
        other.execute(
            "SELECT pg_advisory_lock(%s)", [container_lock_key(container_path(engine_customer))]
        )
        with django_capture_on_commit_callbacks() as callbacks:
            deployment_run(organization_id=deployment.organization_id, deployment_id=deployment.pk)
        deployment.refresh_from_db()
        assert deployment.status == DeploymentStatus.QUEUED
        assert deployment.attempts == 0
        assert len(callbacks) == 1, "it is sent again for later"

    run_queued(engine_customer)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE


def test_the_sweep_resends_stuck_deployments_only(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.trackings.api_support import make_customer

    stuck = deployment_enqueue(customer=make_customer(alice, name="Stuck"), actor=SYSTEM)
    fresh = deployment_enqueue(customer=make_customer(alice, name="Fresh"), actor=SYSTEM)
    waiting = deployment_enqueue(customer=make_customer(alice, name="Waiting"), actor=SYSTEM)
    long_ago = timezone.now() - timedelta(minutes=30)
    Deployment.objects.filter(pk=stuck.pk).update(updated_at=long_ago)
    Deployment.objects.filter(pk=waiting.pk).update(
        updated_at=long_ago, not_before=timezone.now() + timedelta(minutes=5)
    )

    with django_capture_on_commit_callbacks() as callbacks:
        resent = deployments_sweep()

    assert resent == 1
    assert len(callbacks) == 1
    assert fresh.status == DeploymentStatus.QUEUED
