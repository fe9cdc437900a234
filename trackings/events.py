"""What the outside hears when a deployment ends: webhook events and the deployment metrics.

Called by the engine where a deployment's status becomes final, inside that transaction, so the
deliveries are sent only if the status change commits.
"""

from __future__ import annotations

from typing import Any

from oneclicktag.core.metrics import DEPLOYMENT_DURATION, DEPLOYMENTS
from trackings.models import Deployment, DeploymentKind, DeploymentStatus, Tracking, TrackingStatus
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

# Health checks end every few hours per customer; what they find is reported as drift instead.
_QUIET_KINDS = (DeploymentKind.CHECK,)


def deployment_payload(deployment: Deployment) -> dict[str, Any]:
    return {
        "deployment": {
            "id": str(deployment.pk),
            "customer": str(deployment.customer_id),
            "kind": deployment.kind,
            "status": deployment.status,
            "gtm_version_id": deployment.gtm_version_id or None,
            "error": (
                {"code": deployment.error_code, "message": deployment.error_message}
                if deployment.error_code
                else None
            ),
            "google_calls": deployment.google_calls or {},
            "finished_at": deployment.finished_at.isoformat() if deployment.finished_at else None,
        }
    }


def deployment_finished_emit(*, deployment: Deployment) -> None:
    _count(deployment)
    if deployment.kind in _QUIET_KINDS:
        return
    event = {
        DeploymentStatus.SUCCEEDED: WebhookEvent.DEPLOYMENT_SUCCEEDED,
        DeploymentStatus.FAILED: WebhookEvent.DEPLOYMENT_FAILED,
        DeploymentStatus.PARTIALLY_FAILED: WebhookEvent.DEPLOYMENT_PARTIALLY_FAILED,
    }.get(DeploymentStatus(deployment.status))
    if event is None:
        return
    webhook_event_emit(
        organization_id=deployment.organization_id,
        event=event,
        payload=deployment_payload(deployment),
    )
    if deployment.status not in (DeploymentStatus.FAILED, DeploymentStatus.PARTIALLY_FAILED):
        return
    failed = Tracking.objects.filter(
        organization_id=deployment.organization_id,
        customer_id=deployment.customer_id,
        status=TrackingStatus.FAILED,
        # Failed by this deployment, not left failed by an earlier one.
        updated_at__gte=deployment.started_at or deployment.created_at,
    ).values("id", "name", "last_error")
    for tracking in failed:
        webhook_event_emit(
            organization_id=deployment.organization_id,
            event=WebhookEvent.TRACKING_FAILED,
            payload={
                "tracking": {
                    "id": str(tracking["id"]),
                    "customer": str(deployment.customer_id),
                    "name": tracking["name"],
                    "last_error": tracking["last_error"],
                },
                "deployment": str(deployment.pk),
            },
        )


def _count(deployment: Deployment) -> None:
    DEPLOYMENTS.labels(kind=deployment.kind, outcome=deployment.status).inc()
    if deployment.started_at and deployment.finished_at:
        DEPLOYMENT_DURATION.labels(kind=deployment.kind).observe(
            (deployment.finished_at - deployment.started_at).total_seconds()
        )
