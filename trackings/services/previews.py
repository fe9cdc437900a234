"""API-facing services that must ask Google while the request waits: the dry-run plan and the
rollback request (whose 409 depends on what is live right now)."""

from __future__ import annotations

from typing import Any

from customers.models import ConnectionStatus, Customer, GoogleConnection
from integrations.google.errors import (
    GoogleNotConnected,
    GoogleReconnectRequired,
    google_errors_as_domain_errors,
)
from oneclicktag.core.exceptions import Conflict, NotFound
from tenants.actors import Actor
from trackings.engine import plan_preview, rollback_precheck
from trackings.models import ContainerVersion, Deployment
from trackings.services.deployments import deployment_request_rollback


def _usable_connection(customer: Customer) -> GoogleConnection:
    connection = GoogleConnection.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    if connection is None or not connection.gtm_container_id:
        raise GoogleNotConnected()
    if connection.status != ConnectionStatus.CONNECTED:
        raise GoogleReconnectRequired("The customer's Google connection must be reconnected.")
    return connection


def customer_plan_preview(*, customer: Customer) -> dict[str, Any]:
    """The dry run of the next deployment; changes nothing at Google or here."""
    connection = _usable_connection(customer)
    with google_errors_as_domain_errors():
        return plan_preview(customer=customer, connection=connection)


def customer_rollback(
    *, customer: Customer, actor: Actor, gtm_version_id: str, force: bool
) -> Deployment:
    """Queue the republishing of one of our earlier versions. Refused (409) when someone else
    published after our last version, unless forced; the engine checks again when it runs."""
    known = ContainerVersion.objects.filter(
        organization_id=customer.organization_id, customer=customer, gtm_version_id=gtm_version_id
    ).exists()
    if not known:
        raise NotFound("No published version with this id for this customer.")
    connection = _usable_connection(customer)
    if not force:
        with google_errors_as_domain_errors():
            conflict = rollback_precheck(customer=customer, connection=connection)
        if conflict:
            raise Conflict(conflict, code="gtm_published_elsewhere")
    return deployment_request_rollback(
        customer=customer, actor=actor, gtm_version_id=gtm_version_id, force=force
    )
