"""Daily numbers from Google, stored per tracking and day; the silence alarm that reads them.

`stats_pull_customer` asks Google for a customer's counts in as few calls as the APIs allow (one
GA4 runReport for the property, one GAQL query for the Ads account), then upserts one row per
tracking, day and source, zeros included (a zero row says "counted, nothing came", which the
alarm needs; a missing row says "never counted"). The first pull of a customer backfills 30 days.

`customer_volumes_judge` compares a day's count of every live tracking with the median of the
28 days before it. A tracking with fewer than `STATS_LEARNING_DAYS` counted days is `learning`.
Entering `silent` opens an episode and emits `tracking.silent` once, naming a deployment of
ours that finished just before the silence as the likely cause; leaving it closes the episode.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import ConnectionStatus, Customer, GoogleConnection
from integrations.google.clients import google_clients_for
from integrations.google.errors import PermanentGoogleError
from oneclicktag.core.rows import update_each
from stats.models import CustomerDailyStat, DailyStat, StatSource, TrackingVolume
from stats.selectors import customer_day_sums, local_today
from tenants.actors import Actor
from tenants.services.audit import audit_record
from tenants.services.notifications import organization_email_admins
from trackings.models import (
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Destination,
    Tracking,
    TrackingStatus,
    VolumeStatus,
)
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

BACKFILL_DAYS = 30
BASELINE_DAYS = 28
# Rows older than this (13 months) are pruned.
KEEP_DAYS = 396
# A deployment that finished this long before a silence's first day (or on it) is named as the
# likely cause.
CAUSE_WINDOW = timedelta(days=1)
SYSTEM = Actor.system_actor("stats")


@dataclass
class PullResult:
    start: date | None = None
    end: date | None = None
    rows: int = 0
    google_calls: dict[str, int] = field(default_factory=dict)
    # Sources Google refused for good this time (source -> its message); nothing stored for them.
    refused: dict[str, str] = field(default_factory=dict)


def _ga4_trackings(trackings: list[Tracking]) -> list[Tracking]:
    return [t for t in trackings if Destination.GA4 in t.destinations and t.ga4_event_name]


def _ads_trackings(trackings: list[Tracking]) -> list[Tracking]:
    return [
        t
        for t in trackings
        if Destination.GOOGLE_ADS in t.destinations and t.ads_conversion_action_id
    ]


def customer_today(customer: Customer) -> date:
    return local_today(customer.time_zone)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def stats_pull_customer(*, customer: Customer, today: date | None = None) -> PullResult:
    """Pull yesterday's and today's counts (30 days on the first pull) and store them."""
    connection = GoogleConnection.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    if connection is None or connection.status != ConnectionStatus.CONNECTED:
        return PullResult()
    trackings = list(
        Tracking.objects.filter(
            organization_id=customer.organization_id, customer=customer
        ).exclude(status__in=(TrackingStatus.REMOVED, TrackingStatus.DRAFT))
    )
    ga4 = _ga4_trackings(trackings) if connection.ga4_property_id else []
    ads = _ads_trackings(trackings) if connection.ads_customer_id else []
    if not ga4 and not ads:
        return PullResult()
    end = today or customer_today(customer)
    first = not DailyStat.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).exists()
    start = end - timedelta(days=(BACKFILL_DAYS if first else 2) - 1)

    # Google first, outside any transaction; then one write.
    clients = google_clients_for(connection)
    refused: dict[str, str] = {}
    event_days: list[Any] = []
    conversion_days: list[Any] = []
    if ga4:
        try:
            event_days = clients.ga4_data.daily_event_counts(
                connection.ga4_property_id,
                start=start,
                end=end,
                event_names=[t.ga4_event_name for t in ga4],
            )
        except PermanentGoogleError as error:
            # No rows rather than zero rows: a refusal (a grant from before the reporting
            # scope, a property someone deleted) must not look like a silence.
            refused[StatSource.GA4] = error.message
            ga4 = []
    if ads:
        try:
            conversion_days = clients.ads.daily_conversions(
                connection.ads_customer_id, start=start, end=end
            )
        except PermanentGoogleError as error:
            refused[StatSource.GOOGLE_ADS] = error.message
            ads = []
    for source, message in refused.items():
        logger.warning(
            "Stats source refused by Google",
            extra={"customer_id": str(customer.pk), "source": source, "error": message},
        )
    events = {(e.day, e.event_name): e for e in event_days}
    conversions = {(c.day, c.conversion_action_id): c for c in conversion_days}
    rows = []
    for day in _days(start, end):
        for tracking in ga4:
            found = events.get((day, tracking.ga4_event_name))
            rows.append(
                DailyStat(
                    organization_id=customer.organization_id,
                    customer=customer,
                    tracking=tracking,
                    day=day,
                    source=StatSource.GA4,
                    events=found.events if found else 0,
                    key_events=found.key_events if found else 0,
                )
            )
        for tracking in ads:
            conversion = conversions.get((day, tracking.ads_conversion_action_id))
            rows.append(
                DailyStat(
                    organization_id=customer.organization_id,
                    customer=customer,
                    tracking=tracking,
                    day=day,
                    source=StatSource.GOOGLE_ADS,
                    conversions=_decimal(conversion.conversions if conversion else 0),
                    all_conversions=_decimal(conversion.all_conversions if conversion else 0),
                    conversions_value=_decimal(conversion.conversions_value if conversion else 0),
                )
            )
    DailyStat.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["organization", "tracking", "day", "source"],
        update_fields=[
            "events",
            "key_events",
            "conversions",
            "all_conversions",
            "conversions_value",
            "pulled_at",
        ],
        batch_size=2000,
    )
    customer_days_rebuild(
        organization_id=customer.organization_id, customer_id=customer.pk, start=start, end=end
    )
    return PullResult(
        start=start, end=end, rows=len(rows), google_calls=clients.calls, refused=refused
    )


def customer_days_rebuild(*, organization_id: Any, customer_id: Any, start: date, end: date) -> int:
    """Sum the customer's tracking rows of these days into `CustomerDailyStat` (upsert)."""
    days = customer_day_sums(
        organization_id=organization_id, customer_id=customer_id, start=start, end=end
    )
    CustomerDailyStat.objects.bulk_create(
        [
            CustomerDailyStat(organization_id=organization_id, customer_id=customer_id, **day)
            for day in days
        ],
        update_conflicts=True,
        unique_fields=["organization", "customer", "day"],
        update_fields=[
            "events",
            "key_events",
            "conversions",
            "all_conversions",
            "conversions_value",
        ],
    )
    return len(days)


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def stats_prune(*, today: date | None = None) -> int:
    """Forget rows older than 13 months (every tenant)."""
    cutoff = (today or timezone.now().date()) - timedelta(days=KEEP_DAYS)
    deleted, _ = DailyStat.objects.filter(day__lt=cutoff).delete()
    CustomerDailyStat.objects.filter(day__lt=cutoff).delete()
    return deleted


def customers_to_pull() -> list[tuple[Any, Any]]:
    """(organization id, customer id) of every connected customer with something to count."""
    return list(
        Tracking.objects.filter(
            status=TrackingStatus.LIVE,
            customer__google_connection__status=ConnectionStatus.CONNECTED,
            customer__deleted__isnull=True,
        )
        .values_list("organization_id", "customer_id")
        .distinct()
    )


def customer_stats_refresh(*, customer: Customer, today: date | None = None) -> PullResult:
    """The beat's work for one customer: pull, then judge yesterday (the last complete day)."""
    today = today or customer_today(customer)
    result = stats_pull_customer(customer=customer, today=today)
    if result.rows:
        customer_volumes_judge(customer=customer, day=today - timedelta(days=1))
    return result


# --- the silence alarm ----------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    status: str
    count: Decimal
    baseline: Decimal


def _count(row: DailyStat) -> Decimal:
    return Decimal(row.events) if row.source == StatSource.GA4 else row.conversions


def _primary_source(tracking: Tracking) -> str:
    """The number the alarm watches: GA4 events when the tracking sends them, else Ads
    conversions."""
    if Destination.GA4 in tracking.destinations and tracking.ga4_event_name:
        return StatSource.GA4
    return StatSource.GOOGLE_ADS


def volume_judge(*, history: list[Decimal], count: Decimal) -> Judgement:
    """Judge one day's count against the days before it (at most 28, oldest first)."""
    if len(history) < int(settings.STATS_LEARNING_DAYS):
        return Judgement(VolumeStatus.LEARNING, count, Decimal(0))
    # The median: one odd day (a sale, an outage) moves it little.
    baseline = Decimal(statistics.median(history)).quantize(Decimal("0.01"))
    expected = Decimal(int(settings.STATS_SILENT_MIN_EXPECTED))
    if baseline >= expected and count == 0:
        return Judgement(VolumeStatus.SILENT, count, baseline)
    low = baseline * Decimal(int(settings.STATS_LOW_PERCENT)) / 100
    if baseline >= expected and count < low:
        return Judgement(VolumeStatus.LOW, count, baseline)
    return Judgement(VolumeStatus.NORMAL, count, baseline)


def customer_volumes_judge(*, customer: Customer, day: date) -> dict[Any, str]:
    """Judge `day` (a complete day) for every live tracking of the customer; answers the
    status per tracking id. Safe under two workers: the volume rows are locked."""
    trackings = {
        t.pk: t
        for t in Tracking.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status=TrackingStatus.LIVE,
        )
    }
    if not trackings:
        return {}
    rows = DailyStat.objects.filter(
        organization_id=customer.organization_id,
        customer=customer,
        tracking_id__in=list(trackings),
        day__gte=day - timedelta(days=BASELINE_DAYS),
        day__lte=day,
    ).order_by("day")
    history: dict[Any, list[Decimal]] = {pk: [] for pk in trackings}
    today_count: dict[Any, Decimal] = {}
    for row in rows:
        if row.source != _primary_source(trackings[row.tracking_id]):
            continue
        if row.day == day:
            today_count[row.tracking_id] = _count(row)
        else:
            history[row.tracking_id].append(_count(row))
    judged: dict[Any, str] = {}
    opened: list[TrackingVolume] = []
    closed: list[TrackingVolume] = []
    with transaction.atomic():
        TrackingVolume.objects.bulk_create(
            [
                TrackingVolume(tracking_id=pk, organization_id=customer.organization_id)
                for pk in trackings
            ],
            ignore_conflicts=True,
        )
        volumes = TrackingVolume.objects.select_for_update().filter(
            organization_id=customer.organization_id, tracking_id__in=list(trackings)
        )
        for volume in volumes:
            if volume.tracking_id not in today_count:
                continue  # the day was not counted: nothing to judge
            if volume.judged_day is not None and volume.judged_day > day:
                continue  # a later day was judged already (a late retry of an old pull)
            judgement = volume_judge(
                history=history[volume.tracking_id], count=today_count[volume.tracking_id]
            )
            was_silent = volume.status == VolumeStatus.SILENT
            volume.status = judgement.status
            volume.last_count = judgement.count
            volume.baseline = judgement.baseline
            volume.judged_day = day
            if judgement.status == VolumeStatus.SILENT and not was_silent:
                volume.silent_since = day
                volume.likely_cause = _likely_cause(customer, day)
                opened.append(volume)
            elif judgement.status != VolumeStatus.SILENT and was_silent:
                closed.append(volume)
                volume.silent_since = None
                volume.likely_cause = None
            volume.save()
            judged[volume.tracking_id] = volume.status
        # The list filters on the tracking's own copy of the state (one UPDATE for the day).
        update_each(Tracking, "volume_status", judged)
        for volume in opened:
            tracking_silence_report(tracking=trackings[volume.tracking_id], volume=volume)
        for volume in closed:
            tracking_recovery_report(tracking=trackings[volume.tracking_id], volume=volume)
    return judged


def _likely_cause(customer: Customer, first_silent_day: date) -> Deployment | None:
    """Our latest deployment that changed GTM and finished the day before the silence or on
    its first day."""
    window_start = timezone.make_aware(
        datetime.combine(first_silent_day - CAUSE_WINDOW, time.min), timezone.get_current_timezone()
    )
    window_end = window_start + CAUSE_WINDOW + timedelta(days=1)
    return (
        Deployment.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            kind__in=(DeploymentKind.DEPLOY, DeploymentKind.REPAIR, DeploymentKind.ROLLBACK),
            status__in=(DeploymentStatus.SUCCEEDED, DeploymentStatus.PARTIALLY_FAILED),
            finished_at__gte=window_start,
            finished_at__lt=window_end,
        )
        .order_by("-finished_at")
        .first()
    )


def _silence_payload(tracking: Tracking, volume: TrackingVolume) -> dict[str, Any]:
    cause = volume.likely_cause
    return {
        "tracking": {"id": str(tracking.pk), "name": tracking.name, "type": tracking.type},
        "customer": str(tracking.customer_id),
        "silent_since": volume.silent_since.isoformat() if volume.silent_since else None,
        "day": volume.judged_day.isoformat() if volume.judged_day else None,
        "count": str(volume.last_count),
        "baseline": str(volume.baseline),
        "likely_cause": (
            {
                "deployment": str(cause.pk),
                "finished_at": cause.finished_at.isoformat() if cause.finished_at else None,
                "gtm_version_id": cause.gtm_version_id,
            }
            if cause is not None
            else None
        ),
    }


def _announce(tracking: Tracking, event: str, payload: dict[str, Any]) -> None:
    """A volume event to the organization's webhooks and the audit trail, with one payload."""
    webhook_event_emit(organization_id=tracking.organization_id, event=event, payload=payload)
    audit_record(
        organization=tracking.organization_id,
        actor=SYSTEM,
        action=event,
        object_type="tracking",
        object_id=tracking.pk,
        after=payload,
    )


def tracking_silence_report(*, tracking: Tracking, volume: TrackingVolume) -> None:
    """The one place `tracking.silent` is emitted (once per episode: the caller opens it):
    the organization's webhooks, an e-mail to its owners and admins, the audit trail."""
    payload = _silence_payload(tracking, volume)
    _announce(tracking, WebhookEvent.TRACKING_SILENT, payload)
    cause = payload["likely_cause"]
    because = (
        f"\n\nIt went silent right after OneClickTag's deployment {cause['deployment']} "
        f"(GTM version {cause['gtm_version_id'] or '-'}, finished {cause['finished_at']}): "
        "check what that version changed first."
        if cause
        else ""
    )
    message = (
        f'The tracking "{tracking.name}" counted {payload["count"]} on {payload["day"]}, '
        f"where it usually counts about {payload['baseline']} a day.{because}\n\n"
        "Common causes: the site was redeployed without the tag, the element it listens to "
        "changed, or a consent banner blocks it."
    )
    # Sent once the episode is committed (a rolled-back judgement e-mails no one), one message
    # per owner or admin who did not opt out of alerts.
    organization_email_admins(
        organization_id=tracking.organization_id,
        subject=f'OneClickTag: "{tracking.name}" stopped counting',
        message=message,
    )
    logger.warning(
        "Tracking went silent",
        extra={"tracking_id": str(tracking.pk), "silent_since": payload["silent_since"]},
    )


def tracking_recovery_report(*, tracking: Tracking, volume: TrackingVolume) -> None:
    payload = {
        "tracking": {"id": str(tracking.pk), "name": tracking.name, "type": tracking.type},
        "customer": str(tracking.customer_id),
        "day": volume.judged_day.isoformat() if volume.judged_day else None,
        "count": str(volume.last_count),
        "baseline": str(volume.baseline),
    }
    _announce(tracking, WebhookEvent.TRACKING_VOLUME_RECOVERED, payload)
