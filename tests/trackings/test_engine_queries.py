"""The engine's bookkeeping costs as many queries for 50 trackings as for 10: recording what a
deployment published (GTM ids, statuses, the version, the Ads actions it created) and what a
health check found are bulk statements, never one per tracking."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures.trackings import SYSTEM, make_tracking
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue, deployment_request_health_check

pytestmark = pytest.mark.django_db


def _queries_of(deployment: Deployment) -> int:
    with CaptureQueriesContext(connection) as captured:
        deployment_run(organization_id=deployment.organization_id, deployment_id=deployment.pk)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    return len(captured)


def _add(customer: Any, count: int, destinations: list[str]) -> None:
    for _ in range(count):
        make_tracking(customer, destinations=destinations)


@pytest.mark.parametrize("destinations", [["ga4"], ["ga4", "google_ads"]])
def test_deploying_10_or_50_new_trackings_costs_the_same_queries(
    engine_customer: Any, destinations: list[str]
) -> None:
    # The first deployment into the container takes another path (it reads the live version).
    _add(engine_customer, 1, destinations)
    _queries_of(deployment_enqueue(customer=engine_customer, actor=SYSTEM))

    counts = {}
    for count in (10, 50):
        _add(engine_customer, count, destinations)
        counts[count] = _queries_of(deployment_enqueue(customer=engine_customer, actor=SYSTEM))

    assert counts[10] == counts[50], counts
    live = Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE)
    assert live.count() == 61


def test_a_health_check_of_10_or_50_trackings_costs_the_same_queries(
    engine_customer: Any,
) -> None:
    counts = {}
    for count in (10, 40):
        _add(engine_customer, count, ["ga4", "google_ads"])
        _queries_of(deployment_enqueue(customer=engine_customer, actor=SYSTEM))
        live = Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE)
        counts[live.count()] = _queries_of(
            deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
        )

    assert counts[10] == counts[50], counts
