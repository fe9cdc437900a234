"""The hand-written reads of the write paths (oneclicktag.core.rows) build what the ORM builds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Model

from customers.models import Customer
from customers.selectors import customers_by_ids
from oneclicktag.core.rows import uses_postgresql
from tenants.actors import Actor
from tests.fixtures.trackings import make_tracking
from tests.trackings.api_support import make_customer
from trackings.models import Deployment, DeploymentKind, TrackingStatus
from trackings.selectors import tracking_counts_by_customer
from trackings.services.deployments import _queued_sync_deployment, deployment_enqueue


def _values(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_these_reads_run_on_postgresql_here() -> None:
    # Otherwise the comparisons below would compare the ORM with itself.
    assert uses_postgresql()


@pytest.mark.parametrize("for_update", [False, True])
def test_customers_read_as_the_orm_reads_them(alice: Any, bob: Any, for_update: bool) -> None:
    connected = make_customer(alice, name="Connected")
    Customer.objects.filter(pk=connected.pk).update(tags=["vip", {"k": [1, None]}])
    alone = make_customer(alice, connected=False, name="Alone")
    gone = make_customer(alice, name="Gone")
    gone.delete()
    theirs = make_customer(bob, name="Theirs")
    asked = [connected.pk, str(alone.pk), gone.pk, theirs.pk, "not-a-uuid", uuid.uuid4()]

    with transaction.atomic():
        found = customers_by_ids(organization=alice.organization, ids=asked, for_update=for_update)

    assert list(found) == sorted([connected.pk, alone.pk])
    for pk, customer in found.items():
        orm = Customer.objects.select_related("google_connection").get(pk=pk)
        assert _values(customer) == _values(orm)
        assert customer._state.adding is False
        assert customer._state.db == "default"
        assert customer.organization is alice.organization
    assert found[connected.pk].tags == ["vip", {"k": [1, None]}]
    google = found[connected.pk].google_connection
    assert _values(google) == _values(Customer.objects.get(pk=connected.pk).google_connection)
    assert google.customer is found[connected.pk]
    # No connection reads as select_related leaves it: absent, without a query.
    assert getattr(found[alone.pk], "google_connection", None) is None


def test_counts_read_as_the_orm_counts(alice: Any, bob: Any) -> None:
    mine, other = make_customer(alice), make_customer(alice, name="Other")
    for status in (TrackingStatus.PENDING, TrackingStatus.LIVE, TrackingStatus.DRAFT):
        make_tracking(mine, status=status)
    make_tracking(mine, status=TrackingStatus.REMOVING)
    make_tracking(mine, status=TrackingStatus.REMOVED)
    make_tracking(mine).delete()
    make_tracking(other)
    make_tracking(make_customer(bob))

    counts = tracking_counts_by_customer(
        organization=alice.organization, customer_ids=[mine.pk, other.pk]
    )

    assert counts == {mine.pk: 3, other.pk: 1}


def test_the_queued_deployment_reads_as_the_orm_reads_it(alice: Any) -> None:
    customer = make_customer(alice)
    actor = Actor(user=alice.owner)
    assert _queued_sync_deployment(customer) is None
    Deployment.objects.create(
        organization=alice.organization,
        customer=customer,
        kind=DeploymentKind.ROLLBACK,
        target_gtm_version_id="3",
    )
    assert _queued_sync_deployment(customer) is None  # a queued rollback is not joined

    queued = deployment_enqueue(customer=customer, actor=actor)
    Deployment.objects.filter(pk=queued.pk).update(plan={"gtm": [{"a": 1}]}, google_calls={"x": 1})

    with transaction.atomic():
        read = _queued_sync_deployment(customer)
    assert read is not None
    assert _values(read) == _values(Deployment.objects.get(pk=queued.pk))
    assert read.plan == {"gtm": [{"a": 1}]}
