"""The benchmark's scenario: connect a customer, then deploy batches of new trackings."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.utils import timezone

from customers.models import Customer, GoogleConnection
from customers.services import customer_create
from google_emulator import seed
from integrations.google.clients import google_clients_for
from integrations.google.services.authorization import (
    google_authorization_complete,
    google_authorization_start,
)
from integrations.google.services.choices import connection_update_choices
from tenants.actors import Actor
from tenants.models import Membership, Organization, Role, User
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue


def owned_organization(name: str) -> tuple[Organization, Actor]:
    """A fresh organization and its owner, acting."""
    suffix = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"bench-{suffix}@example.com")
    organization = Organization.objects.create(name=name, slug=f"bench-{suffix}")
    Membership.objects.create(organization=organization, user=user, role=Role.OWNER)
    return organization, Actor(user=user)


def connected_customer(
    *, own_container: bool = False, owner: tuple[Organization, Actor] | None = None
) -> Customer:
    """A customer connected through the real OAuth flow, on the seeded GTM container or (with
    `own_container`) on a container of its own, created through the GTM API as a person would;
    in a new organization, or in `owner`'s."""
    organization, actor = owner or owned_organization("Bench Agency")
    customer = customer_create(
        organization=organization,
        actor=actor,
        name=f"Bench Shop {uuid.uuid4().hex[:6]}",
        website_url="https://bench.example/",
    )
    url = google_authorization_start(organization=organization, customer=customer, actor=actor)
    consent = requests.get(url, allow_redirects=False, timeout=10)
    query = {k: v[0] for k, v in parse_qs(urlsplit(consent.headers["Location"]).query).items()}
    result = google_authorization_complete(state=query["state"], code=query["code"])
    connection = GoogleConnection.objects.get(pk=result.connection.pk)
    container_id = seed.GTM_CONTAINER_ID
    if own_container:
        created = google_clients_for(connection).gtm.create_container(
            seed.GTM_ACCOUNT_PATH, f"bench-{uuid.uuid4().hex[:8]}.example"
        )
        container_id = str(created["containerId"])
    connection_update_choices(
        connection=connection,
        actor=actor,
        changes={
            "gtm_account_id": seed.GTM_ACCOUNT_ID,
            "gtm_container_id": container_id,
            "ads_customer_id": seed.ADS_CLIENT_CUSTOMER_ID,
            "ads_login_customer_id": seed.ADS_MANAGER_CUSTOMER_ID,
            "ga4_property_id": seed.GA4_PROPERTY.rsplit("/", 1)[-1],
            "ga4_stream_id": "create",
        },
        expected_version=connection.version,
        clients=google_clients_for(connection),
    )
    customer.refresh_from_db()
    return customer


def deploy_new_trackings(customer: Customer, size: int) -> dict[str, Any]:
    """Create `size` trackings (GA4 + Ads) and run their deployment to the end, waiting out
    quota reschedules as the Celery countdown would."""
    batch = uuid.uuid4().hex[:6]
    for index in range(size):
        Tracking.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            name=f"Bench {batch} {index}",
            type="button_click",
            config={"selector": f"#buy-{batch}-{index}"},
            destinations=["ga4", "google_ads"],
            status=TrackingStatus.PENDING,
        )
    actor = Actor.system_actor("bench")
    started = time.monotonic()
    deployment = deployment_enqueue(customer=customer, actor=actor)
    quota_waits = 0
    running = 0.0
    while True:
        run_started = time.monotonic()
        deployment_run(organization_id=customer.organization_id, deployment_id=deployment.pk)
        running += time.monotonic() - run_started
        deployment.refresh_from_db()
        if deployment.status != DeploymentStatus.QUEUED:
            break
        quota_waits += 1
        if deployment.not_before:
            time.sleep(max(0.0, (deployment.not_before - timezone.now()).total_seconds()))
    seconds = time.monotonic() - started
    calls = deployment.google_calls or {}
    return {
        "status": deployment.status if not deployment.error_code else deployment.error_code,
        "gtm": int(calls.get("gtm", 0)),
        "ads": int(calls.get("ads", 0)),
        "seconds": seconds,
        "running_seconds": running,
        "quota_waits": quota_waits,
        "deployment": Deployment.objects.get(pk=deployment.pk),
    }
