"""Reads of trackings that services and views share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Count

from tenants.models import Organization
from trackings.models import Tracking, TrackingStatus


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
