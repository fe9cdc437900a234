"""Migration 0015: the tracking ids a pending change kept as a JSON list become rows
(PendingChangeTracking), in the order they came, and go back into lists when unapplied."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.migrations import migrate, migrated_to
from tests.trackings.api_support import make_customer
from trackings.models import PendingChange, PendingChangeTracking

# Committed: the migration executor runs DDL that a test's own transaction would not see undone.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("trackings", "0013_tracking_site_status_index")]
AFTER = [("trackings", "0014_pending_change_trackings")]


@pytest.fixture
def at_0013() -> Iterator[Any]:
    with migrated_to(BEFORE) as apps:
        yield apps


def test_lists_become_rows_in_their_order_and_rows_go_back_into_lists(
    alice: Any, at_0013: Any
) -> None:
    customer = make_customer(alice)
    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    Change = at_0013.get_model("trackings", "PendingChange")
    fields = {"organization_id": alice.organization.pk, "customer_id": customer.pk}
    # A tracking named twice stays where it came first; a value that is no UUID named nothing.
    waiting = Change.objects.create(
        **fields, tracking_ids=[second, first, second, "not-a-uuid", third]
    )
    approved = Change.objects.create(**fields, status="approved", tracking_ids=[third])
    empty = Change.objects.create(**fields, status="approved", tracking_ids=[])

    migrate(AFTER)

    changes = {change.pk: change for change in PendingChange.objects.all()}
    assert changes[waiting.pk].tracking_ids == [second, first, third]
    assert changes[approved.pk].tracking_ids == [third]
    assert changes[empty.pk].tracking_ids == []
    assert PendingChangeTracking.objects.count() == 4

    apps = migrate(BEFORE)

    lists = dict(
        apps.get_model("trackings", "PendingChange").objects.values_list("pk", "tracking_ids")
    )
    assert lists == {waiting.pk: [second, first, third], approved.pk: [third], empty.pk: []}
