"""A worker's log line for a failed deployment names the deployment, customer, organization and
reason (the task sets the organization on every line of the run)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.fixtures.trackings import SYSTEM, make_tracking
from trackings.models import Deployment, DeploymentStatus
from trackings.services.deployments import deployment_enqueue
from trackings.tasks import run_deployment

pytestmark = pytest.mark.django_db

BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def test_the_failed_line_names_deployment_customer_organization_and_reason(
    engine_customer: Any, google_emulator: Any, caplog: Any
) -> None:
    make_tracking(engine_customer)
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 409, "rate": 1, "count": 2}]}
    )
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    Deployment.objects.filter(pk=deployment.pk).update(not_before=None)

    with caplog.at_level(logging.WARNING, logger="trackings.engine.run"):
        run_deployment(str(engine_customer.organization_id), str(deployment.pk))

    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.FAILED
    [line] = [r for r in caplog.records if r.getMessage() == "Deployment failed"]
    assert line.deployment_id == str(deployment.pk)
    assert line.customer_id == str(engine_customer.pk)
    assert line.organization_id == str(engine_customer.organization_id)
    assert line.error_code == "gtm_fingerprint_conflict"
    assert line.reason == deployment.error_message
