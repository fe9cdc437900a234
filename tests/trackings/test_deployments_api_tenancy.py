"""Another organization's customers and deployments are a 404 on every deployment endpoint, and
the deployment task itself does nothing for the wrong organization."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import SYSTEM, make_tracking
from tests.trackings.api_support import make_customer
from trackings.models import (
    ContainerVersion,
    Deployment,
    DeploymentStatus,
    TrackingStatus,
)
from trackings.services.deployments import deployment_enqueue
from trackings.tasks import run_deployment

pytestmark = pytest.mark.django_db


def test_bob_gets_404_for_everything_of_alices(alice: Any, bob: Any, engine_customer: Any) -> None:
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    ContainerVersion.objects.create(
        organization_id=engine_customer.organization_id,
        customer=engine_customer,
        gtm_container_id="7000000001",
        gtm_version_id="1",
        published_at=deployment.created_at,
    )
    customer = f"/api/v1/customers/{engine_customer.pk}"

    assert bob.client.get(f"{customer}/plan/").status_code == 404
    assert bob.client.post(f"{customer}/deploy/").status_code == 404
    assert bob.client.post(f"{customer}/health-check/").status_code == 404
    assert bob.client.get(f"{customer}/versions/").status_code == 404
    assert bob.client.post(f"{customer}/versions/1/rollback/", {}, format="json").status_code == 404
    assert bob.client.get(f"/api/v1/deployments/{deployment.pk}/").status_code == 404
    assert bob.client.post(f"/api/v1/deployments/{deployment.pk}/cancel/").status_code == 404
    assert bob.client.post(f"/api/v1/deployments/{deployment.pk}/retry/").status_code == 404
    assert bob.client.get("/api/v1/deployments/").json()["results"] == []
    # Nothing of Alice's changed on the way.
    deployment.refresh_from_db()
    assert deployment.status == "queued"
    assert alice.client.get(f"/api/v1/deployments/{deployment.pk}/").status_code == 200


def _published(customer: Any, gtm_version_id: str) -> ContainerVersion:
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    return ContainerVersion.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        gtm_container_id="7000000001",
        gtm_version_id=gtm_version_id,
        published_at=deployment.created_at,
    )


def test_bob_filters_and_orders_deployments_and_never_sees_alices(alice: Any, bob: Any) -> None:
    alices = make_customer(alice)
    deployment_enqueue(customer=alices, actor=SYSTEM)
    bobs = deployment_enqueue(customer=make_customer(bob), actor=SYSTEM)

    for params in (
        {},
        {"customer": str(alices.pk)},
        {"status": "queued"},
        {"kind": bobs.kind},
        {"ordering": "-finished_at"},
        {"ordering": "created_at", "status": "queued"},
    ):
        response = bob.client.get("/api/v1/deployments/", params)
        assert response.status_code == 200, params
        found = {row["customer"] for row in response.json()["results"]}
        assert str(alices.pk) not in found, params
    # Bob's own deployment shows, so an empty list is not what makes the test pass.
    mine = bob.client.get("/api/v1/deployments/", {"status": "queued"}).json()["results"]
    assert [row["id"] for row in mine] == [str(bobs.pk)]


def test_alices_version_cannot_be_rolled_back_on_bobs_customer(alice: Any, bob: Any) -> None:
    _published(make_customer(alice), "5")
    bobs = make_customer(bob)
    _published(bobs, "6")
    before = Deployment.objects.filter(customer=bobs).count()

    response = bob.client.post(
        f"/api/v1/customers/{bobs.pk}/versions/5/rollback/", {}, format="json"
    )
    listed = bob.client.get(f"/api/v1/customers/{bobs.pk}/versions/")

    assert response.status_code == 404
    assert Deployment.objects.filter(customer=bobs).count() == before
    assert listed.status_code == 200
    assert [row["gtm_version_id"] for row in listed.json()["results"]] == ["6"]


def test_the_deployment_task_run_for_another_organization_does_nothing(
    bob: Any, engine_customer: Any, google_emulator: Any
) -> None:
    tracking = make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    calls_before = google_emulator.stats()["calls"]

    # A task message carrying the wrong organization (forged, or a bug) re-fetches with both ids.
    run_deployment.apply(args=(str(bob.organization.pk), str(deployment.pk))).get()

    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.QUEUED
    assert deployment.attempts == 0
    assert google_emulator.stats()["calls"] == calls_before
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.PENDING
