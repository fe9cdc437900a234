"""Staff console for trackings: removed trackings stay visible and filterable, deployment and
version history cannot be deleted, a redeploy's message links the deployment it queued, and a
customer's page lists its trackings, deployments and versions (read-only, linked, only its own)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from customers.models import ConnectionStatus, GoogleConnection
from tenants.models import User
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import SYSTEM, deploy, live_version, make_tracking, run_queued
from tests.trackings.test_engine_foreign_entities import publish_foreign_entities
from trackings.models import (
    ContainerVersion,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from trackings.services.deployments import deployment_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_superuser(email="staff@oneclicktag.example")
    client = Client()
    client.force_login(user)
    return client


def _remove(tracking: Tracking) -> None:
    Tracking.all_objects.filter(pk=tracking.pk).update(
        status=TrackingStatus.REMOVED, deleted=timezone.now()
    )


def _version(customer: Any, deployment: Deployment | None = None) -> ContainerVersion:
    return ContainerVersion.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        gtm_container_id="31",
        gtm_version_id="7",
        name="OCT published",
        published_at=timezone.now(),
        deployment=deployment,
    )


def test_removed_trackings_are_listed_and_the_removed_filter_separates_them(
    alice: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    make_tracking(customer, name="Still Wanted")
    _remove(make_tracking(customer, name="Taken Away"))

    everything = staff.get("/admin/trackings/tracking/").content.decode()
    removed = staff.get("/admin/trackings/tracking/", {"removed": "yes"}).content.decode()
    kept = staff.get("/admin/trackings/tracking/", {"removed": "no"}).content.decode()

    assert "Still Wanted" in everything
    assert "Taken Away" in everything
    assert "Taken Away" in removed
    assert "Still Wanted" not in removed
    assert "Still Wanted" in kept
    assert "Taken Away" not in kept


def test_deployment_and_version_history_and_trackings_cannot_be_deleted(
    alice: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    tracking = make_tracking(customer)
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    version = _version(customer, deployment)

    for path in (
        f"/admin/trackings/deployment/{deployment.pk}/delete/",
        f"/admin/trackings/containerversion/{version.pk}/delete/",
        f"/admin/trackings/tracking/{tracking.pk}/delete/",
    ):
        assert staff.post(path, {"post": "yes"}).status_code == 403, path
    for model, pk in (("deployment", deployment.pk), ("containerversion", version.pk)):
        listing = staff.get(f"/admin/trackings/{model}/").content.decode()
        assert "delete_selected" not in listing
        staff.post(
            f"/admin/trackings/{model}/",
            {"action": "delete_selected", "_selected_action": [str(pk)], "post": "yes"},
        )
    assert Deployment.objects.filter(pk=deployment.pk).exists()
    assert ContainerVersion.objects.filter(pk=version.pk).exists()
    assert Tracking.objects.filter(pk=tracking.pk).exists()


def test_the_redeploy_message_links_the_deployment_it_queued(alice: Any, staff: Client) -> None:
    customer = make_customer(alice)
    tracking = make_tracking(customer)

    page = staff.post(
        "/admin/trackings/tracking/",
        {"action": "redeploy", "_selected_action": [str(tracking.pk)]},
        follow=True,
    ).content.decode()

    queued = Deployment.objects.get(customer=customer)
    assert f'href="/admin/trackings/deployment/{queued.pk}/change/"' in page
    assert "Queued a redeployment for 1 customer(s)" in page


def test_a_customer_page_lists_its_own_trackings_deployments_and_versions_linked(
    alice: Any, bob: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    live = make_tracking(customer, name="Checkout Purchase")
    _remove(make_tracking(customer, name="Old Signup"))
    deployment = deployment_enqueue(customer=customer, actor=SYSTEM)
    version = _version(customer, deployment)
    other = make_customer(bob)
    make_tracking(other, name="Bobs Secret Tracking")
    deployment_enqueue(customer=other, actor=SYSTEM)

    page = staff.get(f"/admin/customers/customer/{customer.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Checkout Purchase" in html
    assert "Old Signup" in html
    assert f"/admin/trackings/tracking/{live.pk}/change/" in html
    assert f"/admin/trackings/deployment/{deployment.pk}/change/" in html
    assert f"/admin/trackings/containerversion/{version.pk}/change/" in html
    assert "Bobs Secret Tracking" not in html
    other_deployment = Deployment.objects.get(customer=other)
    assert str(other_deployment.pk) not in html
    # Read-only: no add rows, no delete boxes on the inlines.
    assert "-DELETE" not in html


def test_google_ids_have_human_labels_on_the_tracking_page(alice: Any, staff: Client) -> None:
    tracking = make_tracking(make_customer(alice))

    html = staff.get(f"/admin/trackings/tracking/{tracking.pk}/change/").content.decode()

    for label in ("GTM trigger IDs", "GTM version ID", "Ads conversion action ID"):
        assert label in html, label
    assert "Gtm version id" not in html


def _roll_back_in_admin(staff: Client, version: ContainerVersion) -> str:
    return staff.post(
        "/admin/trackings/containerversion/",
        {"action": "roll_back", "_selected_action": [str(version.pk)]},
        follow=True,
    ).content.decode()


def test_the_rollback_action_queues_the_services_rollback_by_the_staff_user(
    engine_customer: Any, staff: Client
) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer).gtm_version_id
    make_tracking(engine_customer)
    deploy(engine_customer)
    version = ContainerVersion.objects.get(customer=engine_customer, gtm_version_id=first)

    page = _roll_back_in_admin(staff, version)

    rollback = Deployment.objects.get(kind=DeploymentKind.ROLLBACK)
    assert rollback.target_gtm_version_id == first
    assert not rollback.force
    assert rollback.created_by is not None
    assert rollback.created_by.email == "staff@oneclicktag.example"
    assert f'href="/admin/trackings/deployment/{rollback.pk}/change/"' in page
    assert f"Queued a rollback of {engine_customer.name} to version {first}" in page
    run_queued(engine_customer)
    rollback.refresh_from_db()
    assert rollback.status == DeploymentStatus.SUCCEEDED, rollback.error_message
    assert live_version(engine_customer)["containerVersionId"] == first


def test_the_rollback_action_shows_the_refusal_when_someone_else_published_since(
    engine_customer: Any, staff: Client
) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer).gtm_version_id
    make_tracking(engine_customer)
    deploy(engine_customer)
    publish_foreign_entities(engine_customer)
    theirs = live_version(engine_customer)["containerVersionId"]
    version = ContainerVersion.objects.get(customer=engine_customer, gtm_version_id=first)

    page = _roll_back_in_admin(staff, version)

    assert f"Rollback of {engine_customer.name} refused:" in page
    assert theirs in page
    assert not Deployment.objects.filter(kind=DeploymentKind.ROLLBACK).exists()
    assert live_version(engine_customer)["containerVersionId"] == theirs


def _deployment(customer: Any, status: str, *, age: timedelta) -> Deployment:
    deployment = Deployment.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        kind=DeploymentKind.DEPLOY,
        status=status,
    )
    Deployment.objects.filter(pk=deployment.pk).update(updated_at=timezone.now() - age)
    return deployment


def _with_health(tracking: Tracking, health: str) -> Tracking:
    Tracking.all_objects.filter(pk=tracking.pk).update(health=health)
    return tracking


def _failing_now(staff: Client) -> dict[str, tuple[int, str]]:
    """The index's block: label -> (count, link)."""
    html = staff.get("/admin/").content.decode()
    block = html.split('id="failing-now"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<a href="([^"]+)">([^<]+)</a></th>\s*<td class="failing-count">(\d+)</td>', block
    )
    return {label: (int(count), unescape(url)) for url, label, count in rows}


def _listed(staff: Client, url: str) -> set[Any]:
    response = staff.get(url)
    assert response.status_code == 200, url
    changelist = response.context["cl"]
    assert "e" not in changelist.params, url  # the admin refused a lookup and listed everything
    return {row.pk for row in changelist.queryset}


def _one_organizations_trouble(tenant: Any) -> dict[str, set[Any]]:
    """Rows that count (and rows that must not) in one organization."""
    customer, other = make_customer(tenant), make_customer(tenant)
    GoogleConnection.objects.create(
        organization=tenant.organization, customer=customer, status=ConnectionStatus.NEEDS_RECONNECT
    )
    GoogleConnection.objects.create(organization=tenant.organization, customer=other)
    failed = _deployment(customer, DeploymentStatus.FAILED, age=timedelta(hours=1))
    _deployment(customer, DeploymentStatus.FAILED, age=timedelta(hours=25))
    _deployment(customer, DeploymentStatus.SUCCEEDED, age=timedelta(hours=1))
    stuck_queued = _deployment(customer, DeploymentStatus.QUEUED, age=timedelta(minutes=20))
    stuck_running = _deployment(customer, DeploymentStatus.APPLYING, age=timedelta(minutes=20))
    _deployment(other, DeploymentStatus.QUEUED, age=timedelta(minutes=1))
    drifted = _with_health(make_tracking(customer), TrackingHealth.DRIFTED)
    missing = _with_health(make_tracking(customer), TrackingHealth.MISSING)
    _with_health(make_tracking(customer), TrackingHealth.HEALTHY)
    _remove(_with_health(make_tracking(other), TrackingHealth.DRIFTED))
    return {
        "Deployments failed in the last 24 hours": {failed.pk},
        "Deployments stuck (queued or running for 15+ minutes)": {
            stuck_queued.pk,
            stuck_running.pk,
        },
        "Drifted or missing trackings": {drifted.pk, missing.pk},
        "Customers needing a Google reconnect": {
            GoogleConnection.objects.get(customer=customer).pk
        },
    }


def test_the_index_counts_what_is_failing_now_in_every_organization(
    alice: Any, bob: Any, staff: Client
) -> None:
    quiet = _failing_now(staff)
    assert {label: count for label, (count, _) in quiet.items()} == dict.fromkeys(
        (
            "Deployments failed in the last 24 hours",
            "Deployments stuck (queued or running for 15+ minutes)",
            "Drifted or missing trackings",
            "Customers needing a Google reconnect",
        ),
        0,
    )

    alices = _one_organizations_trouble(alice)
    alone = _failing_now(staff)
    for label, rows in alices.items():
        assert alone[label][0] == len(rows), label
        assert _listed(staff, alone[label][1]) == rows, label

    # Staff see every organization: Bob's rows add to the counts, and the links list both.
    bobs = _one_organizations_trouble(bob)
    both = _failing_now(staff)
    for label in alices:
        assert both[label][0] == len(alices[label]) + len(bobs[label]), label
        assert _listed(staff, both[label][1]) == alices[label] | bobs[label], label
