"""Two writers for the same customer at once, each in its own transaction and connection: the
inserts overlap, the limit is judged one writer at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from customers.models import GoogleConnection
from tenants.actors import Actor
from tests.fixtures.trackings import make_tracking
from tests.trackings.api_support import make_customer
from trackings.container_budget import growth_bound
from trackings.models import Tracking
from trackings.services import BulkValidationError, tracking_bulk_create
from trackings.services.tracking_requests import TrackingRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _spec(name: str) -> TrackingRequest:
    return TrackingRequest(
        name=name, type="button_click", config={"selector": f"#{name}"}, destinations=["ga4"]
    )


def _second_waits_for_first(
    first: Callable[[], None],
    second: Callable[[], None],
    first_wrote: threading.Event,
    first_may_commit: threading.Event,
) -> None:
    """Run `first` until it has written (holding its transaction open), then `second`, which
    must wait on the lock the first holds; then let the first commit and both finish."""
    one = threading.Thread(target=first)
    one.start()
    assert first_wrote.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(1.0)
    # It inserted its trackings, and waits on the lock the first writer holds.
    assert two.is_alive()
    first_may_commit.set()
    one.join(10)
    two.join(10)


def test_the_second_writer_waits_for_the_first_and_counts_its_tracking(alice: Any) -> None:
    alice.organization.max_trackings_per_customer = 2
    alice.organization.save(update_fields=["max_trackings_per_customer"])
    customer = make_customer(alice)
    make_tracking(customer)
    actor = Actor(user=alice.owner)
    first_wrote, first_may_commit = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                tracking_bulk_create(
                    organization=alice.organization, actor=actor, items=[(customer.pk, _spec("a"))]
                )
                first_wrote.set()
                # Holding its transaction open: the customer stays locked.
                first_may_commit.wait(10)
            outcome["first"] = "created"
        finally:
            connection.close()

    def second() -> None:
        try:
            tracking_bulk_create(
                organization=alice.organization, actor=actor, items=[(customer.pk, _spec("b"))]
            )
            outcome["second"] = "created"
        except BulkValidationError as error:
            outcome["second"] = error.item_errors[0]["customer"][0]
        finally:
            connection.close()

    _second_waits_for_first(first, second, first_wrote, first_may_commit)

    assert outcome["first"] == "created"
    assert "limit of 2 trackings" in outcome["second"]
    assert Tracking.objects.filter(customer=customer).count() == 2


def test_two_writers_of_one_container_both_grow_its_stored_measure(alice: Any) -> None:
    # A locked read that waited for the first writer would return the connection as it was
    # before the first writer's commit: the second writer would store that measure plus its own
    # growth, and the first writer's growth would be lost.
    customer = make_customer(alice)
    tracking_bulk_create(
        organization=alice.organization,
        actor=Actor(user=alice.owner),
        items=[(customer.pk, _spec("first-ever"))],
    )
    start = GoogleConnection.objects.get(customer=customer).gtm_our_size_bytes
    assert start > 0
    actor = Actor(user=alice.owner)
    first_wrote, first_may_commit = threading.Event(), threading.Event()
    written: dict[str, list[Tracking]] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                written["first"] = tracking_bulk_create(
                    organization=alice.organization, actor=actor, items=[(customer.pk, _spec("a"))]
                ).trackings
                first_wrote.set()
                first_may_commit.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            written["second"] = tracking_bulk_create(
                organization=alice.organization,
                actor=actor,
                items=[(customer.pk, _spec("bb")), (customer.pk, _spec("ccc"))],
            ).trackings
        finally:
            connection.close()

    _second_waits_for_first(first, second, first_wrote, first_may_commit)

    customer.refresh_from_db()
    grown = growth_bound(customer, written["first"]) + growth_bound(customer, written["second"])
    assert GoogleConnection.objects.get(customer=customer).gtm_our_size_bytes == start + grown
