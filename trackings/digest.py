"""The daily digest: one e-mail per organization to its owners and admins (who did not opt out)
listing the last day's failed deployments and what is wrong now (failed and drifted trackings,
customers that must reconnect Google). Nothing to say, no e-mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from customers.models import ConnectionStatus, GoogleConnection
from tenants.models import Organization
from tenants.services.notifications import organization_admin_emails, organization_email_admins
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingHealth, TrackingStatus

DIGEST_PERIOD = timedelta(days=1)
# Lines per section: a digest points at problems, the API lists them all.
MAX_LINES = 20


def organization_digest(*, organization_id: Any, since: datetime) -> str | None:
    """The digest's text for one organization, or None when there is nothing to report."""
    failed_deployments = list(
        Deployment.objects.filter(
            organization_id=organization_id,
            status__in=(DeploymentStatus.FAILED, DeploymentStatus.PARTIALLY_FAILED),
            finished_at__gte=since,
        )
        .select_related("customer")
        .order_by("-finished_at")[: MAX_LINES + 1]
    )
    failed_trackings = list(
        Tracking.objects.filter(organization_id=organization_id, status=TrackingStatus.FAILED)
        .select_related("customer")
        .order_by("customer__name", "name")[: MAX_LINES + 1]
    )
    drifted = list(
        Tracking.objects.filter(
            organization_id=organization_id,
            health__in=(TrackingHealth.DRIFTED, TrackingHealth.MISSING),
        )
        .select_related("customer")
        .order_by("customer__name", "name")[: MAX_LINES + 1]
    )
    reconnect = list(
        GoogleConnection.objects.filter(
            organization_id=organization_id, status=ConnectionStatus.NEEDS_RECONNECT
        )
        .select_related("customer")
        .order_by("customer__name")[: MAX_LINES + 1]
    )
    if not (failed_deployments or failed_trackings or drifted or reconnect):
        return None
    sections = [
        _section(
            "Deployments that failed in the last day",
            [
                f"{d.customer.name}: {d.kind} {d.status} at {d.finished_at:%Y-%m-%d %H:%M} UTC "
                f"({d.error_message[:200]}) - /api/v1/deployments/{d.pk}/"
                for d in failed_deployments
            ],
        ),
        _section(
            "Trackings that failed (the next deployment retries them)",
            [f"{t.customer.name}: {t.name} - {t.last_error[:200]}" for t in failed_trackings],
        ),
        _section(
            "Trackings edited or removed in GTM by someone else (drift)",
            [f"{t.customer.name}: {t.name} ({t.health})" for t in drifted],
        ),
        _section(
            "Customers whose Google account must be reconnected",
            [f"{c.customer.name} ({c.google_email})" for c in reconnect],
        ),
    ]
    return "\n".join(section for section in sections if section) + (
        '\nOpt out of this digest: PATCH /api/v1/me/notifications {"email_daily_digest": false}.\n'
    )


def _section(title: str, lines: list[str]) -> str:
    if not lines:
        return ""
    shown = lines[:MAX_LINES]
    more = ["  ... and more (see the API)"] if len(lines) > MAX_LINES else []
    return "\n".join([title + ":", *(f"  - {line}" for line in shown), *more, ""])


def digests_send(*, now: datetime | None = None) -> int:
    """Beat, daily: each organization's digest to its owners and admins. Returns how many
    organizations had one."""
    since = (now or timezone.now()) - DIGEST_PERIOD
    sent = 0
    for organization in Organization.objects.order_by("pk").only("pk", "name"):
        if not organization_admin_emails(organization_id=organization.pk, kind="digest"):
            continue
        text = organization_digest(organization_id=organization.pk, since=since)
        if text is None:
            continue
        organization_email_admins(
            organization_id=organization.pk,
            subject=f"OneClickTag daily digest: {organization.name}",
            message=text,
            kind="digest",
        )
        sent += 1
    return sent
