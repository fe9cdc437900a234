"""Restore restores: a customer brought back brings back the trackings it had when deleted, and
a deployment puts them live again; removed trackings can be listed (`?status=removed`), by
their own organization only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.google import SEEDED_CHOICES
from tests.fixtures.trackings import deploy, live_version, make_tracking, run_queued
from trackings.models import DeploymentStatus, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db


def test_restoring_a_customer_restores_its_trackings_and_deploys_them(
    alice: Any, bob: Any, engine_customer: Any
) -> None:
    kept = make_tracking(engine_customer, name="Kept", destinations=["ga4", "google_ads"])
    gone_before = make_tracking(engine_customer, name="Deleted on its own")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert alice.client.delete(f"/api/v1/trackings/{gone_before.pk}/").status_code in (202, 204)
    run_queued(engine_customer)

    assert alice.client.delete(f"/api/v1/customers/{engine_customer.pk}/").status_code in (
        202,
        204,
    )
    run_queued(engine_customer)
    assert not Tracking.objects.filter(customer=engine_customer).exists()

    removed = alice.client.get("/api/v1/trackings/?status=removed").json()["results"]
    assert {t["name"] for t in removed} == {"Kept", "Deleted on its own"}
    assert all(t["status"] == TrackingStatus.REMOVED for t in removed)
    assert bob.client.get("/api/v1/trackings/?status=removed").json()["results"] == []
    assert alice.client.get(f"/api/v1/trackings/{kept.pk}/").status_code == 404, (
        "a removed tracking has no detail"
    )

    restored = alice.client.post(f"/api/v1/customers/{engine_customer.pk}/restore/")
    assert restored.status_code == 200, restored.content
    kept.refresh_from_db()
    assert kept.status == TrackingStatus.PENDING
    assert not Tracking.objects.filter(pk=gone_before.pk).exists(), "deleted on its own"

    # Deleting it freed its container and stream: a person chooses them again, as at first.
    chosen = alice.client.patch(
        f"/api/v1/customers/{engine_customer.pk}/google/", SEEDED_CHOICES, format="json"
    )
    assert chosen.status_code == 200, chosen.content
    run_queued(engine_customer)
    kept.refresh_from_db()
    assert kept.status == TrackingStatus.LIVE, kept.last_error
    assert str(kept.pk) in str(live_version(engine_customer))
