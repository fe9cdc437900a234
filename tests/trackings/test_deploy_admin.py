"""Staff see trackings and deployments in the admin, with the plan and the error readable, and
can queue a redeploy or a health check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tenants.models import User
from tests.fixtures.trackings import SYSTEM, make_tracking
from trackings.models import Deployment, DeploymentKind, DeploymentStatus
from trackings.services.deployments import deployment_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser(email="staff@example.com", password="not-used-123")
    client = Client()
    client.force_login(user)
    return client


def _customer(alice: Any) -> Any:
    from tests.trackings.api_support import make_customer

    return make_customer(alice)


def test_a_deployment_shows_its_plan_and_error(alice: Any, staff: Client) -> None:
    customer = _customer(alice)
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    Deployment.objects.filter(pk=deployment.pk).update(
        status=DeploymentStatus.FAILED,
        plan={"gtm": {"create": [{"name": "OCT - Buy [abcd]"}]}},
        error_code="gtm_compiler_error",
        error_message="GTM could not compile the container version.",
    )

    listing = staff.get("/admin/trackings/deployment/", {"status__exact": "failed"})
    page = staff.get(f"/admin/trackings/deployment/{deployment.pk}/change/")

    assert listing.status_code == 200
    assert str(deployment.pk) in listing.content.decode()
    assert page.status_code == 200
    html = page.content.decode()
    assert "OCT - Buy [abcd]" in html
    assert "<pre" in html
    assert "GTM could not compile the container version." in html


def test_the_redeploy_and_health_check_actions_queue_deployments(alice: Any, staff: Client) -> None:
    customer = _customer(alice)
    tracking = make_tracking(customer)

    response = staff.post(
        "/admin/trackings/tracking/",
        {"action": "redeploy", "_selected_action": [str(tracking.pk)]},
    )
    assert response.status_code == 302
    queued = Deployment.objects.get(customer=customer, status=DeploymentStatus.QUEUED)
    assert queued.kind == DeploymentKind.REPAIR

    staff.post(
        "/admin/trackings/deployment/",
        {"action": "run_health_check", "_selected_action": [str(queued.pk)]},
    )
    # A check joins the queued repair (which verifies too) instead of queueing a second one.
    assert Deployment.objects.filter(customer=customer).count() == 1
    search = staff.get("/admin/trackings/tracking/", {"q": tracking.name})
    assert tracking.name in search.content.decode()
