"""What the outside hears when a deployment ends or a tracking fails: webhook events and the
deployment metrics. Called only by trackings.lifecycle, where those statuses are written, so
the deliveries are sent once the status change commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from oneclicktag.core.metrics import DEPLOYMENT_DURATION, DEPLOYMENTS
from tenants.services.notifications import organization_email_admins
from trackings.models import (
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

# Health checks end every few hours per customer; what they find is reported as drift instead.
_QUIET_KINDS = (DeploymentKind.CHECK,)
_EVENTS = {
    DeploymentStatus.SUCCEEDED: WebhookEvent.DEPLOYMENT_SUCCEEDED,
    DeploymentStatus.FAILED: WebhookEvent.DEPLOYMENT_FAILED,
    DeploymentStatus.PARTIALLY_FAILED: WebhookEvent.DEPLOYMENT_PARTIALLY_FAILED,
}


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


def deployment_finished(*, deployment: Deployment) -> None:
    """A deployment reached succeeded, partially_failed or failed."""
    DEPLOYMENTS.labels(kind=deployment.kind, outcome=deployment.status).inc()
    if deployment.started_at and deployment.finished_at:
        DEPLOYMENT_DURATION.labels(kind=deployment.kind).observe(
            (deployment.finished_at - deployment.started_at).total_seconds()
        )
    event = _EVENTS.get(DeploymentStatus(deployment.status))
    if event is None or deployment.kind in _QUIET_KINDS:
        return
    webhook_event_emit(
        organization_id=deployment.organization_id,
        event=event,
        payload=deployment_payload(deployment),
    )
    if deployment.status != DeploymentStatus.SUCCEEDED:
        organization_email_admins(
            organization_id=deployment.organization_id,
            subject=f"OneClickTag: a deployment {deployment.get_status_display().lower()}",
            message=(
                f"Deployment {deployment.pk} ({deployment.kind}) of customer "
                f"{deployment.customer.name} ended {deployment.status}.\n\n"
                f"{deployment.error_message}\n\nDetails: GET /api/v1/deployments/{deployment.pk}/"
                " ; retry a failed one with POST .../retry/. Nothing is lost: the trackings it "
                "carried stay wanted and the next deployment takes them."
            ),
        )


# What every tracking event says about its tracking; each event adds its own fields.
_TRACKING_ROW = ("id", "organization_id", "customer_id", "name", "type")


def _emit_tracking_event(event: str, row: dict[str, Any], **extra: Any) -> None:
    webhook_event_emit(
        organization_id=row["organization_id"],
        event=event,
        payload={
            "tracking": {
                "id": str(row["id"]),
                "customer": str(row["customer_id"]),
                "name": row["name"],
                "type": row["type"],
                **extra.pop("tracking", {}),
            },
            **extra,
        },
    )


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def trackings_failed(*, tracking_ids: Iterable[Any]) -> None:
    """Trackings that just became failed (each still wanted: the next deployment retries it)."""
    # Only those the UPDATE reached (one edited meanwhile waits for the next run instead).
    rows = Tracking.all_objects.filter(
        pk__in=list(tracking_ids), status=TrackingStatus.FAILED
    ).values(*_TRACKING_ROW, "last_error")
    for row in rows:
        _emit_tracking_event(
            WebhookEvent.TRACKING_FAILED, row, tracking={"last_error": row["last_error"]}
        )


# A verdict that means "not as we published it" (edited or deleted by someone else).
DRIFT_HEALTHS = (TrackingHealth.DRIFTED, TrackingHealth.MISSING)


def trackings_health_changed(*, drifted_ids: Iterable[Any], repaired_ids: Iterable[Any]) -> None:
    """Trackings a health check just found drifted or missing (`tracking.drifted`), and
    trackings that were drifted or missing and are healthy again (`tracking.repaired`): only
    the change is announced, so a tracking that stays drifted is not repeated every check."""
    for event, ids in (
        (WebhookEvent.TRACKING_DRIFTED, list(drifted_ids)),
        (WebhookEvent.TRACKING_REPAIRED, list(repaired_ids)),
    ):
        if not ids:
            continue
        rows = Tracking.all_objects.filter(pk__in=ids).values(
            *_TRACKING_ROW, "health", "last_checked_at"
        )
        for row in rows:
            _emit_tracking_event(
                event,
                row,
                tracking={"health": row["health"], "checked_at": _iso(row["last_checked_at"])},
            )


def trackings_site_check_failed(*, tracking_ids: Iterable[Any], site_check_id: Any) -> None:
    """Trackings whose site status just went bad (snippet missing, selector not found,
    unreachable): `site_check.failed`, once per change."""
    ids = list(tracking_ids)
    if not ids:
        return
    rows = Tracking.objects.filter(pk__in=ids).values(
        *_TRACKING_ROW, "site_status", "site_checked_at", "site_detail"
    )
    for row in rows:
        detail = row["site_detail"] or {}
        _emit_tracking_event(
            WebhookEvent.SITE_CHECK_FAILED,
            row,
            tracking={
                "site_status": row["site_status"],
                "checked_at": _iso(row["site_checked_at"]),
                "page_url": detail.get("page_url"),
                "message": detail.get("message", ""),
            },
            site_check=str(site_check_id),
        )
