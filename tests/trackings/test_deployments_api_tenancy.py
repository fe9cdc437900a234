"""Another organization's customers and deployments are a 404 on every deployment endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import SYSTEM
from trackings.models import ContainerVersion
from trackings.services.deployments import deployment_enqueue

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
