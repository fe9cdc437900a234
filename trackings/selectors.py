"""Reads of trackings and deployments that services, views and the admin share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate

from oneclicktag.core.rows import uses_postgresql
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
    ids = list(customer_ids)
    if uses_postgresql():
        # The query below as text: on a create its compile cost more than the count itself.
        with connection.cursor() as cursor:
            cursor.execute(_COUNTS_SQL, [organization.pk, ids, list(_NOT_KEPT)])
            return dict(cursor.fetchall())
    rows = (
        Tracking.objects.filter(organization=organization, customer_id__in=ids)
        .exclude(status__in=_NOT_KEPT)
        .values("customer_id")
        .annotate(n=Count("id"))
        .values_list("customer_id", "n")
    )
    return dict(rows)


_NOT_KEPT = (TrackingStatus.REMOVING.value, TrackingStatus.REMOVED.value)
_COUNTS_SQL = (
    f"SELECT customer_id, COUNT(*) FROM {Tracking._meta.db_table} "  # noqa: S608 - names only
    "WHERE organization_id = %s AND customer_id = ANY(%s) AND deleted IS NULL "
    "AND NOT (status = ANY(%s)) GROUP BY customer_id"
)


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


# How a day's deployments ended, for the staff chart: the finished statuses, and the rest
# (queued or running) as one.
OUTCOMES_CHARTED = (
    DeploymentStatus.SUCCEEDED,
    DeploymentStatus.PARTIALLY_FAILED,
    DeploymentStatus.FAILED,
    DeploymentStatus.CANCELLED,
)
UNFINISHED = "unfinished"


def deployments_per_day_by_outcome(*, first_day: date, last_day: date) -> list[dict[str, Any]]:
    """Deployments of every organization created each day (UTC), by outcome, oldest first, a
    row for every day (zeros included): one query, grouped in the database."""
    start = datetime.combine(first_day, time.min, tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC)
    counts = (
        # A range on created_at (indexed), not a date cast of it.
        Deployment.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "status")
        .annotate(n=Count("id"))
        .values_list("day", "status", "n")
    )
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    rows = {day: dict.fromkeys([*OUTCOMES_CHARTED, UNFINISHED], 0) for day in days}
    for day, status, n in counts:
        outcome = status if status in OUTCOMES_CHARTED else UNFINISHED
        rows[day][outcome] += n
    return [{"day": day, **rows[day]} for day in days]
