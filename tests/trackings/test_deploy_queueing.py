"""Queueing: at most one deployment waits per customer and later changes coalesce into it;
removing a customer's trackings queues one removal or, without Google, deletes at once."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.fixtures.trackings import SYSTEM, make_tracking
from tests.trackings.api_support import make_customer
from trackings.models import Deployment, DeploymentKind, Tracking, TrackingStatus
from trackings.services.deployments import (
    deployment_enqueue,
    deployment_request_health_check,
    trackings_remove_for_customer,
)

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_second_queued_deployment(alice: Any) -> None:
    customer = make_customer(alice)
    deployment_enqueue(customer=customer, actor=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deployment.objects.create(organization=alice.organization, customer=customer)


def test_later_changes_join_the_queued_deployment_and_raise_its_kind(alice: Any) -> None:
    customer = make_customer(alice)
    first, second = make_tracking(customer), make_tracking(customer)

    check = deployment_request_health_check(customer=customer, actor=SYSTEM)
    deploy = deployment_enqueue(customer=customer, actor=SYSTEM, tracking_ids=[first.pk])
    again = deployment_enqueue(customer=customer, actor=SYSTEM, tracking_ids=[second.pk])
    later_check = deployment_request_health_check(customer=customer, actor=SYSTEM)

    assert check.pk == deploy.pk == again.pk == later_check.pk
    again.refresh_from_db()
    assert again.kind == DeploymentKind.DEPLOY
    assert again.requested_tracking_ids == [str(first.pk), str(second.pk)]


def _statements_of_joining(customer: Any, tracking_id: uuid.UUID) -> list[str]:
    """The SQL of one tracking joining the queued deployment (savepoint names masked)."""
    with CaptureQueriesContext(connection) as captured:
        deployment_enqueue(customer=customer, actor=SYSTEM, tracking_ids=[tracking_id])
    return [re.sub(r'"s\d+_x\d+"', '"savepoint"', q["sql"]) for q in captured.captured_queries]


def _shape(statements: list[str]) -> list[str]:
    """Statements with their values masked."""
    return [re.sub(r"'[^']*'", "?", sql) for sql in statements]


def test_the_500th_tracking_joins_a_queued_deployment_with_the_queries_of_the_first(
    alice: Any,
) -> None:
    customer = make_customer(alice)
    queued = deployment_enqueue(customer=customer, actor=SYSTEM)

    first = _statements_of_joining(customer, uuid.uuid4())
    for _ in range(498):
        deployment_enqueue(customer=customer, actor=SYSTEM, tracking_ids=[uuid.uuid4()])
    five_hundredth = _statements_of_joining(customer, uuid.uuid4())

    # The same statements, their values of the same size: nothing grows with what it carries.
    assert _shape(five_hundredth) == _shape(first)
    assert [len(sql) for sql in five_hundredth] == [len(sql) for sql in first]
    assert len(queued.requested_tracking_ids) == 500
    assert Deployment.objects.filter(customer=customer).count() == 1


def test_customers_queue_independently(alice: Any, bob: Any) -> None:
    mine, theirs = make_customer(alice), make_customer(bob)
    assert (
        deployment_enqueue(customer=mine, actor=SYSTEM).pk
        != deployment_enqueue(customer=theirs, actor=SYSTEM).pk
    )


def test_removing_a_connected_customers_trackings_queues_one_removal(alice: Any) -> None:
    customer = make_customer(alice)
    live = make_tracking(customer, status=TrackingStatus.LIVE)
    draft = make_tracking(customer, status=TrackingStatus.DRAFT)

    removal = trackings_remove_for_customer(customer=customer, actor=SYSTEM)

    assert removal is not None
    assert removal.kind == DeploymentKind.REMOVE
    assert removal.requested_tracking_ids == [str(live.pk)]
    assert Tracking.all_objects.get(pk=live.pk).status == TrackingStatus.REMOVING
    # The draft never reached Google: gone at once.
    assert Tracking.deleted_objects.filter(pk=draft.pk, status=TrackingStatus.REMOVED).exists()


def test_without_a_google_connection_trackings_are_deleted_at_once(alice: Any) -> None:
    customer = make_customer(alice, connected=False)
    tracking = make_tracking(customer)

    assert trackings_remove_for_customer(customer=customer, actor=SYSTEM) is None
    assert Tracking.deleted_objects.filter(pk=tracking.pk).exists()
    assert not Deployment.objects.filter(customer=customer).exists()
