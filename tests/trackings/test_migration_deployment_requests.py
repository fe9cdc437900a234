"""Migration 0019: a deployment's requests, a row per tracking, become requests of one tracking
each, in their order; unapplied, each text goes back into a row per tracking."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.migrations import migrate, migrated_to
from tests.trackings.api_support import make_customer
from trackings.models import Deployment

# Committed: the migration executor runs DDL that a test's own transaction would not see undone.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("trackings", "0018_foreign_keys_served_by_composite_indexes")]
AFTER = [("trackings", "0019_deployment_request_per_write")]


@pytest.fixture
def at_0018() -> Iterator[Any]:
    with migrated_to(BEFORE) as apps:
        yield apps


def test_rows_become_texts_in_their_order_and_texts_go_back_into_rows(
    alice: Any, at_0018: Any
) -> None:
    customer = make_customer(alice)
    first, second, third = (str(uuid.uuid4()) for _ in range(3))
    OldDeployment = at_0018.get_model("trackings", "Deployment")
    Request = at_0018.get_model("trackings", "DeploymentRequest")
    fields = {"organization_id": alice.organization.pk, "customer_id": customer.pk}
    queued = OldDeployment.objects.create(**fields)
    done = OldDeployment.objects.create(**fields, status="succeeded")
    for deployment, tracking_id in [(queued, second), (done, third), (queued, first)]:
        Request.objects.create(deployment_id=deployment.pk, tracking_id=tracking_id)

    migrate(AFTER)

    assert Deployment.objects.get(pk=queued.pk).requested_tracking_ids == [second, first]
    assert Deployment.objects.get(pk=done.pk).requested_tracking_ids == [third]

    # A write after the migration names a tracking again, and a new one.
    later = str(uuid.uuid4())
    Deployment.objects.get(pk=queued.pk).requested.create(tracking_ids=f"{first},{later}")
    assert Deployment.objects.get(pk=queued.pk).requested_tracking_ids == [second, first, later]

    apps = migrate(BEFORE)

    rows = apps.get_model("trackings", "DeploymentRequest").objects.order_by("id")
    assert [(str(r.deployment_id), str(r.tracking_id)) for r in rows] == [
        (str(queued.pk), second),
        (str(done.pk), third),
        (str(queued.pk), first),
        (str(queued.pk), later),
    ]
