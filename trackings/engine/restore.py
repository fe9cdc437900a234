"""Rollback is an undo: every version we publish keeps the trackings it published, and rolling
back to it puts those trackings back as they were.

A snapshot holds each live tracking's desired fields (what the compiler reads, plus the Ads
action it used). Restoring one: trackings in it get those fields back and are live again (a
deleted one comes back); wanted trackings not in it (created since) are taken out like a
deletion (their GTM entities are already gone with the rollback; a removal deployment removes
their Ads actions and then soft deletes them). From then on the desired state is the
rolled-back one, so a health check finds the container healthy and repairs nothing forward.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from customers.models import Customer
from trackings.lifecycle import trackings_mark_removing, trackings_restore
from trackings.models import WANTED_STATUSES, Tracking, TrackingHealth, TrackingStatus

# What a version's snapshot keeps of a tracking: what decides its GTM entities and Ads action.
SNAPSHOT_FIELDS = (
    "name",
    "type",
    "config",
    "destinations",
    "ga4_event_name",
    "ga4_parameters",
    "ads_conversion_action_id",
    "ads_conversion_label",
    "ads_tag_conversion_id",
    "ads_value",
    "ads_currency",
    "ads_category",
    "gtm_trigger_ids",
    "gtm_tag_ids",
    "gtm_variable_ids",
)


def trackings_snapshot(customer: Customer) -> list[dict[str, Any]]:
    """The customer's live trackings as the version just published holds them."""
    # Rows of the snapshot's columns only, not whole trackings: a model instance per tracking
    # (and every JSON column parsed) was a twentieth of a 1,000-tracking deployment's CPU.
    rows = (
        Tracking.objects.filter(
            organization_id=customer.organization_id, customer=customer, status=TrackingStatus.LIVE
        )
        .order_by("created_at", "id")
        .values_list("id", *SNAPSHOT_FIELDS)
    )
    snapshot = []
    for pk, *values in rows:
        item: dict[str, Any] = {"id": str(pk)}
        for name, value in zip(SNAPSHOT_FIELDS, values, strict=True):
            item[name] = str(value) if isinstance(value, Decimal) else value
        snapshot.append(item)
    return snapshot


def trackings_restore_snapshot(
    *, customer: Customer, snapshot: list[dict[str, Any]], gtm_version_id: str
) -> list[Tracking]:
    """Put the snapshot's trackings back; answers the wanted ones created since, now removing."""
    now = timezone.now()
    kept = {str(item["id"]) for item in snapshot}
    for item in snapshot:
        fields = {name: item[name] for name in SNAPSHOT_FIELDS if name in item}
        if fields.get("ads_value") is not None:
            fields["ads_value"] = Decimal(str(fields["ads_value"]))
        rows = Tracking.all_objects.filter(
            organization_id=customer.organization_id, customer=customer, pk=item["id"]
        )
        current = rows.values_list("version", flat=True).first()
        if current is None:
            continue  # gone for good (purged): nothing to put back
        trackings_restore(
            rows,
            **fields,
            health=TrackingHealth.HEALTHY,
            gtm_version_id=gtm_version_id,
            last_checked_at=now,
            # An edit made before the rollback must not be saved over it.
            version=current + 1,
            updated_at=now,
        )
    since = Tracking.objects.filter(
        organization_id=customer.organization_id,
        customer=customer,
        status__in=WANTED_STATUSES,
    ).exclude(pk__in=kept)
    created_since = list(since)
    trackings_mark_removing(since)
    return created_since
