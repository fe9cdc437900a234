"""The version live in a customer's container, as we last saw it.

A deployment plans against it instead of reading the container: publish answers the version it
made live (with every entity), and we keep that answer as the ContainerVersion record of it
(trackings.engine.verify), so the next run starts from it at no call. It is trusted only while
nothing we saw since says otherwise: the customer's last finished deployment (a health check
reads the live version and records its id; so does a rollback) must name the same version.
Otherwise, or before our first version, the live version is read (one call).

What a person changed after we last looked is not seen here; the engine finds it in Google's
answers to the calls it makes anyway (trackings.engine.apply_gtm) and only then reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.google.errors import PermanentGoogleError
from integrations.google.gtm_client import ENTITY_KINDS
from trackings.engine.context import RunContext, with_retries
from trackings.models import ContainerVersion, Deployment, DeploymentStatus


@dataclass
class KnownLive:
    # The live version with its entities; None when nothing is published.
    version: dict[str, Any] | None
    # Read from Google during this run (else remembered from an earlier one).
    fresh: bool


def version_entities(version: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {kind: list(version.get(kind) or []) for kind in ENTITY_KINDS}


def version_id(version: dict[str, Any] | None) -> str:
    return str((version or {}).get("containerVersionId") or "")


def unless_absent(step: str, read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """A read GTM answers 404 while there is nothing to read (no version yet, none published)."""
    try:
        return with_retries(step, read)
    except PermanentGoogleError as error:
        if error.status == 404:
            return None
        raise


def remembered_live(ctx: RunContext) -> dict[str, Any] | None:
    """The version we last published (or rolled back to) in this container, rebuilt from its
    record, if it is still the last live version any run of the customer saw."""
    customer, container_id = ctx.customer, ctx.connection.gtm_container_id
    record = (
        ContainerVersion.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            gtm_container_id=container_id,
            published_by_us=True,
        )
        .order_by("-published_at")
        .only("gtm_version_id", "name", "snapshot")
        .first()
    )
    if record is None or not record.snapshot:
        return None
    last_seen = (
        Deployment.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status__in=(DeploymentStatus.SUCCEEDED, DeploymentStatus.PARTIALLY_FAILED),
            finished_at__isnull=False,
        )
        .exclude(gtm_version_id="")
        .order_by("-finished_at")
        .values_list("gtm_version_id", flat=True)
        .first()
    )
    if last_seen != record.gtm_version_id:
        return None
    return {
        **record.snapshot,
        "containerVersionId": record.gtm_version_id,
        "name": record.name,
        "path": f"{ctx.container_path}/versions/{record.gtm_version_id}",
    }


def read_live(ctx: RunContext) -> KnownLive:
    """The live version, read now (one call)."""
    version = unless_absent(
        "live_version", lambda: ctx.clients.gtm.live_version(ctx.container_path)
    )
    return KnownLive(version=dict(version) if version is not None else None, fresh=True)


def known_live(ctx: RunContext) -> KnownLive:
    """The live version as we last saw it, or read when we cannot trust what we saw."""
    remembered = remembered_live(ctx)
    if remembered is not None:
        return KnownLive(version=remembered, fresh=False)
    return read_live(ctx)
