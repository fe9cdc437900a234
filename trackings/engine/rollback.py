"""Rollback: publish an earlier version of ours and make it the desired state again.

GTM calls: the live version (is the last version ours?), publish (its answer is the version now
live), set_latest (new workspaces start from the rolled-back version, not from the newer one it
replaced: otherwise the next deployment would carry the undone changes forward again), and a
sync of our kept workspace onto it when there is one: 4 at most.

Trackings: the version's snapshot is restored (trackings.engine.restore). Rolling back to a
version whose trackings we do not know (someone else's, or one published before snapshots were
kept) is refused with the reason; with `force` it is published anyway, every tracking of the
customer is marked drifted and the customer's drift policy becomes `report`, so no health check
"repairs" the container forward until a person decides (deploys, or sets the policy back).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, DriftPolicy
from integrations.google.errors import GoogleError
from integrations.google.services.choices import connection_remember_workspace
from tenants.actors import Actor
from trackings.engine.apply_gtm import stored_workspace_path, version_id
from trackings.engine.context import DeploymentFailed, RunContext, with_retries
from trackings.engine.restore import trackings_restore_snapshot
from trackings.engine.verify import record_container_version
from trackings.models import (
    WANTED_STATUSES,
    ContainerVersion,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
)
from trackings.services.deployments import deployment_enqueue

logger = logging.getLogger(__name__)


def rollback_refusal(customer: Customer, container_id: str, gtm_version_id: str) -> str | None:
    """Why rolling back to this version needs `force`: we do not know the trackings it holds."""
    record = ContainerVersion.objects.filter(
        organization_id=customer.organization_id,
        customer=customer,
        gtm_container_id=container_id,
        gtm_version_id=gtm_version_id,
    ).first()
    if record is not None and record.published_by_us and record.trackings is not None:
        return None
    why = (
        "was not published by OneClickTag"
        if record is None or not record.published_by_us
        else "was published before OneClickTag kept the trackings of each version"
    )
    return (
        f"Version {gtm_version_id} {why}, so its trackings cannot be restored. Send force to "
        "publish it anyway: the customer's trackings will then be marked drifted and health "
        "checks will only report (drift policy `report`) until you deploy or decide otherwise."
    )


def rollback_conflict(customer: Any, container_id: str, live: dict[str, Any]) -> str | None:
    """Why a rollback must not run: the live version is not the last one we published."""
    last_ours = (
        ContainerVersion.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            gtm_container_id=container_id,
            published_by_us=True,
        )
        .order_by("-published_at")
        .first()
    )
    live_id = version_id(live)
    if last_ours is None or last_ours.gtm_version_id == live_id:
        return None
    return (
        f"Version {live_id} was published in GTM by someone else after our version "
        f"{last_ours.gtm_version_id}; rolling back would discard it. Send force to do it anyway."
    )


def _rebase_our_workspace(ctx: RunContext) -> None:
    """Our kept workspace was made from the version rolled back: sync it onto the new latest.
    If GTM refuses (conflicts, gone), forget it; the next deployment starts a fresh one."""
    path = stored_workspace_path(ctx)
    if path is None:
        return
    try:
        with_retries("sync_workspace", lambda: ctx.clients.gtm.sync_workspace(path))
    except GoogleError as error:
        logger.info("Forgetting our workspace after a rollback", extra={"error": error.code})
        connection_remember_workspace(connection=ctx.connection, workspace_id="")


def rollback_run(ctx: RunContext) -> None:
    deployment, customer = ctx.deployment, ctx.customer
    gtm = ctx.clients.gtm
    target = deployment.target_gtm_version_id
    container_id = ctx.connection.gtm_container_id
    ctx.move(DeploymentStatus.APPLYING, progress_total=3)
    record = ContainerVersion.objects.filter(
        organization_id=customer.organization_id,
        customer=customer,
        gtm_container_id=container_id,
        gtm_version_id=target,
    ).first()
    refusal = rollback_refusal(customer, container_id, target)
    if refusal and not deployment.force:
        raise DeploymentFailed("rollback_not_ours", refusal)
    live = with_retries("live_version", lambda: gtm.live_version(ctx.container_path))
    if not deployment.force:
        conflict = rollback_conflict(customer, container_id, live)
        if conflict:
            raise DeploymentFailed("gtm_published_elsewhere", conflict)
    ctx.advance()
    path = f"{ctx.container_path}/versions/{target}"
    if version_id(live) != target:
        ctx.move(DeploymentStatus.PUBLISHING)
        answer = with_retries("publish_version", lambda: gtm.publish_version(path))
        live = dict((answer or {}).get("containerVersion") or {}) or with_retries(
            "live_version", lambda: gtm.live_version(ctx.container_path)
        )
    with_retries("set_latest_version", lambda: gtm.set_latest_version(path))
    _rebase_our_workspace(ctx)
    ctx.advance()

    snapshot = record.trackings if refusal is None and record is not None else None
    now = timezone.now()
    with transaction.atomic():
        record_container_version(ctx, live, deployment=deployment, by_us=True, trackings=snapshot)
        outcome = ""
        if snapshot is not None:
            created_since = trackings_restore_snapshot(
                customer=customer, snapshot=snapshot, gtm_version_id=version_id(live)
            )
            outcome = f"Restored the {len(snapshot)} trackings version {target} published."
            if created_since:
                # Their entities went with the rollback; their Ads actions go now.
                removal = deployment_enqueue(
                    customer=customer,
                    actor=Actor.system_actor("rollback"),
                    kind=DeploymentKind.REMOVE,
                    tracking_ids=[t.pk for t in created_since],
                )
                outcome += (
                    f" {len(created_since)} created since are being removed (deployment "
                    f"{removal.pk})."
                )
        else:
            Tracking.objects.filter(
                organization_id=customer.organization_id,
                customer=customer,
                status__in=WANTED_STATUSES,
            ).update(health=TrackingHealth.DRIFTED, last_checked_at=now, updated_at=now)
            Customer.all_objects.filter(pk=customer.pk).update(drift_policy=DriftPolicy.REPORT)
            outcome = (
                f"Version {target} is not one whose trackings OneClickTag knows: the trackings "
                "are marked drifted and health checks only report until you deploy or change "
                "the drift policy."
            )
        ctx.deployment.plan = {**(ctx.deployment.plan or {}), "rollback": outcome}
        ctx.move(
            DeploymentStatus.SUCCEEDED,
            progress_done=ctx.deployment.progress_total,
            finished_at=now,
            gtm_version_id=version_id(live),
            plan=ctx.deployment.plan,
        )
