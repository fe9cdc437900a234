"""Daily numbers per tracking (GA4 events, key events, Ads conversions) and the volume alarm.

`DailyStat` is the compact table the stats endpoints read: one row per tracking, day and source,
upserted by every pull, 13 months kept. `TrackingVolume` is what the silence alarm knows about a
tracking: its status, the baseline it was judged against and the open silence, if any.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from trackings.models import VolumeStatus


class StatSource(models.TextChoices):
    GA4 = "ga4", "Google Analytics 4"
    GOOGLE_ADS = "google_ads", "Google Ads"


class DailyStat(models.Model):
    # No audit fields or UUID: a year of 1,000 trackings is 730,000 rows written only by pulls.
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    tracking = models.ForeignKey(
        "trackings.Tracking", on_delete=models.CASCADE, related_name="daily_stats"
    )
    day = models.DateField()
    source = models.CharField(max_length=16, choices=StatSource.choices)
    # GA4: eventCount and keyEvents of the tracking's event. Ads: conversions of its action.
    events = models.PositiveIntegerField(default=0)
    key_events = models.PositiveIntegerField(default=0)
    conversions = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    all_conversions = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    conversions_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    pulled_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The upsert key of every pull; its index also serves
            # GET /trackings/{id}/stats/ (organization, tracking, day range).
            models.UniqueConstraint(
                fields=["organization", "tracking", "day", "source"],
                name="dailystat_unique_tracking_day_source",
            ),
        ]
        indexes = [
            # GET /customers/{id}/stats/: one customer's rows in a day range, read from the index
            # alone (the summed columns are included), grouped by day or by tracking.
            models.Index(
                fields=["organization", "customer", "day"],
                include=[
                    "tracking",
                    "events",
                    "key_events",
                    "conversions",
                    "all_conversions",
                    "conversions_value",
                ],
                name="dailystat_org_cust_day_idx",
            ),
            # The nightly prune of rows older than 13 months (every tenant).
            models.Index(fields=["day"], name="dailystat_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.day} {self.source}"


class CustomerDailyStat(models.Model):
    """A customer's day: its DailyStat rows summed, rebuilt by every pull for the days it pulled
    (`customer_days_rebuild`). GET /customers/{id}/stats/ by day reads at most 396 rows here
    instead of a year of every tracking's rows (730,000 for 1,000 trackings)."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    events = models.BigIntegerField(default=0)
    key_events = models.BigIntegerField(default=0)
    conversions = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    all_conversions = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    conversions_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            # The rebuild's upsert key; its index serves GET /customers/{id}/stats/ by day.
            models.UniqueConstraint(
                fields=["organization", "customer", "day"], name="customerdailystat_unique_day"
            ),
        ]
        indexes = [
            # The nightly prune (every tenant).
            models.Index(fields=["day"], name="customerdailystat_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.day}"


class TrackingVolume(models.Model):
    """The alarm's state of one tracking (absent: `learning`, nothing judged yet)."""

    tracking = models.OneToOneField(
        "trackings.Tracking", on_delete=models.CASCADE, primary_key=True, related_name="volume"
    )
    organization = models.ForeignKey(
        settings.TENANT_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=VolumeStatus.choices, default=VolumeStatus.LEARNING
    )
    # The last day judged, its count and the baseline (median of the 28 days before it).
    judged_day = models.DateField(null=True, blank=True)
    last_count = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The open silence: its first day and the deployment that likely caused it.
    silent_since = models.DateField(null=True, blank=True)
    likely_cause = models.ForeignKey(
        "trackings.Deployment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # GET /trackings/?volume_status= and the staff list of silent trackings.
            models.Index(fields=["organization", "status"], name="volume_org_status_idx"),
            models.Index(
                fields=["status"],
                condition=models.Q(status="silent"),
                name="volume_silent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_id}: {self.status}"


class SilentTracking(TrackingVolume):
    """The staff console's list of silent trackings across every organization."""

    class Meta:
        proxy = True
        verbose_name = "silent tracking"
