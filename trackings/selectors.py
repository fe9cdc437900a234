"""Reads of trackings and deployments that services, views and the admin share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from tenants.models import Organization
from trackings.models import (
    RUNNING_STATUSES,
    Deployment,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)


def tracking_counts_by_customer(
    *, organization: Organization, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many trackings each customer keeps, in one query. Trackings on their way out
    (`removing`) do not count: a customer at its limit can replace them right away."""
    rows = (
        Tracking.objects.filter(organization=organization, customer_id__in=list(customer_ids))
        .exclude(status__in=(TrackingStatus.REMOVING, TrackingStatus.REMOVED))
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    return dict(rows)


# What the staff console calls failing now: failures of the last day, and deployments still
# queued or running long after the sweep (2 minutes queued, under a minute without a heartbeat)
# should have sent them again, i.e. no worker takes them.
FAILED_RECENTLY = timedelta(hours=24)
STUCK_AFTER = timedelta(minutes=15)


def deployments_failed_recently(
    *, now: datetime, among: QuerySet[Deployment] | None = None
) -> QuerySet[Deployment]:
    among = Deployment.objects.all() if among is None else among
    return among.filter(status=DeploymentStatus.FAILED, updated_at__gte=now - FAILED_RECENTLY)


def deployments_stuck(
    *, now: datetime, among: QuerySet[Deployment] | None = None
) -> QuerySet[Deployment]:
    among = Deployment.objects.all() if among is None else among
    cutoff = now - STUCK_AFTER
    # A queued deployment held back on purpose (quota: `not_before`) is stuck only once due.
    return among.filter(
        Q(status=DeploymentStatus.QUEUED)
        & (Q(not_before__isnull=True) | Q(not_before__lte=cutoff))
        & Q(updated_at__lte=cutoff)
        | Q(status__in=RUNNING_STATUSES, updated_at__lte=cutoff)
    )


DRIFTED_HEALTH = (TrackingHealth.DRIFTED, TrackingHealth.MISSING)


def trackings_drifted() -> QuerySet[Tracking]:
    """Trackings (not removed) whose last health check found them changed or gone in GTM."""
    return Tracking.objects.filter(health__in=DRIFTED_HEALTH)
