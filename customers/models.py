"""Customers (the businesses an organization tracks) and their Google connection."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from oneclicktag.core.models import SoftDeletableTenantModel, TenantOwnedModel


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ARCHIVED = "archived", "Archived"


class DriftPolicy(models.TextChoices):
    # A health check that finds our GTM entities edited or deleted queues a repair.
    REPAIR = "repair", "Repair"
    # It records the drift on the trackings and leaves GTM alone (people edit by hand).
    REPORT = "report", "Report only"


class PublishPolicy(models.TextChoices):
    # Every tracking write queues a deployment at once.
    AUTO = "auto", "Publish at once"
    # Tracking writes wait in a pending change until an admin approves its plan.
    REVIEW = "review", "Review before publish"


# How often a customer's live GTM and Ads are compared with its trackings (a health check). Each
# check spends GTM quota shared by every tenant, hence a floor; a week at most so drift is found.
HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES = 6 * 60
HEALTH_CHECK_INTERVAL_MIN_MINUTES = 15
HEALTH_CHECK_INTERVAL_MAX_MINUTES = 7 * 24 * 60


class Customer(SoftDeletableTenantModel):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    website_url = models.URLField(max_length=500)
    contact_email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    tags = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)
    drift_policy = models.CharField(
        max_length=16, choices=DriftPolicy.choices, default=DriftPolicy.REPAIR
    )
    publish_policy = models.CharField(
        max_length=16, choices=PublishPolicy.choices, default=PublishPolicy.AUTO
    )
    health_check_interval_minutes = models.PositiveIntegerField(
        default=HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES,
        validators=[
            MinValueValidator(HEALTH_CHECK_INTERVAL_MIN_MINUTES),
            MaxValueValidator(HEALTH_CHECK_INTERVAL_MAX_MINUTES),
        ],
        help_text="Minutes between two health checks (at least "
        f"{HEALTH_CHECK_INTERVAL_MIN_MINUTES}). A check may start later when the GTM quota "
        "share for health checks is spent.",
    )
    # When the scheduler (trackings.services.health_checks) next starts a check; none yet: due.
    next_health_check_at = models.DateTimeField(null=True, blank=True)
    # What a GA4 property created for the customer is set to (customers.locale validates them).
    time_zone = models.CharField(max_length=64, default="Etc/UTC")
    currency = models.CharField(max_length=3, default="USD")
    version = models.PositiveIntegerField(default=1)

    if TYPE_CHECKING:
        # Added by django-safedelete; declared for the type checker.
        deleted: datetime | None

    class Meta:
        constraints = [
            # Slugs are unique among an organization's live customers; a deleted one frees it.
            models.UniqueConstraint(
                fields=["organization", "slug"],
                condition=models.Q(deleted__isnull=True),
                name="customer_unique_org_slug_live",
            ),
        ]
        indexes = [
            # The customer list: one organization, filtered by status, newest first.
            models.Index(
                fields=["organization", "status", "-created_at"], name="customer_org_status_idx"
            ),
            # The beat's health-check scheduler: live customers due first, across organizations.
            models.Index(
                fields=["next_health_check_at"],
                condition=models.Q(deleted__isnull=True),
                name="customer_health_due_idx",
            ),
        ]
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.name


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
    REVOKED = "revoked", "Revoked"


class GoogleConnection(TenantOwnedModel):
    """One per customer: the encrypted grant and the Google resources chosen for tracking.

    Owned by integrations.google (services there write it); tokens are Fernet ciphertexts and
    never leave through the API, the logs or the admin.
    """

    # The Google resources chosen for tracking: shown together, forgotten together.
    RESOURCE_FIELDS = (
        "gtm_account_id",
        "gtm_container_id",
        "gtm_public_id",
        "gtm_workspace_id",
        "ga4_account_id",
        "ga4_property_id",
        "ga4_stream_id",
        "ga4_measurement_id",
        "ads_customer_id",
        "ads_login_customer_id",
        "ads_conversion_customer_id",
    )

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="google_connection"
    )
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED
    )
    google_email = models.EmailField(verbose_name="Google email", blank=True)
    google_user_id = models.CharField(verbose_name="Google user ID", max_length=64, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    # Fernet tokens (see oneclicktag.core.crypto); never the clear text.
    refresh_token_encrypted = models.TextField(blank=True)
    access_token_encrypted = models.TextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    gtm_account_id = models.CharField(verbose_name="GTM account ID", max_length=32, blank=True)
    gtm_container_id = models.CharField(verbose_name="GTM container ID", max_length=32, blank=True)
    gtm_public_id = models.CharField(verbose_name="GTM public ID", max_length=32, blank=True)
    gtm_workspace_id = models.CharField(verbose_name="GTM workspace ID", max_length=32, blank=True)
    ga4_account_id = models.CharField(verbose_name="GA4 account ID", max_length=32, blank=True)
    ga4_property_id = models.CharField(verbose_name="GA4 property ID", max_length=32, blank=True)
    ga4_stream_id = models.CharField(verbose_name="GA4 stream ID", max_length=32, blank=True)
    ga4_measurement_id = models.CharField(
        verbose_name="GA4 measurement ID", max_length=32, blank=True
    )
    # The GA4 key events the engine created (resource names, so scoped to their property): only
    # these may it delete when no tracking needs them; a person's own key events are never ours.
    ga4_key_events_created = models.JSONField(
        verbose_name="GA4 key events created", default=list, blank=True
    )
    ads_customer_id = models.CharField(verbose_name="Ads customer ID", max_length=16, blank=True)
    ads_login_customer_id = models.CharField(
        verbose_name="Ads login customer ID", max_length=16, blank=True
    )
    ads_conversion_customer_id = models.CharField(
        verbose_name="Ads conversion customer ID", max_length=16, blank=True
    )
    # The GTM container's size as the budget counts it (trackings/container_budget.py), kept so
    # that reading it costs no compile: our compiled entities at the last compile (a write's
    # check or a deployment), the whole live version and what a person's own entities add to
    # it, as the engine last read them.
    gtm_our_size_bytes = models.PositiveIntegerField(
        verbose_name="GTM size of our entities (bytes)", default=0
    )
    gtm_live_size_bytes = models.PositiveIntegerField(
        verbose_name="GTM live container size (bytes)", default=0
    )
    gtm_foreign_size_bytes = models.PositiveIntegerField(
        verbose_name="GTM size of other entities (bytes)", default=0
    )
    gtm_live_size_read_at = models.DateTimeField(
        verbose_name="GTM live size read at", null=True, blank=True
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "Google connection"
        verbose_name_plural = "Google connections"
        constraints = [
            # A GA4 web stream measures one customer's site: never shared, across organizations
            # too (the PATCH checks first; this holds under races).
            models.UniqueConstraint(
                fields=["ga4_stream_id"],
                condition=~models.Q(ga4_stream_id=""),
                name="gconn_unique_ga4_stream",
            ),
            # A GTM container has one owner: two customers deploying to one container undo each
            # other forever (issue 13). Container ids are unique across GTM accounts. A deleted
            # customer holds its container until its removal deployment has emptied it.
            models.UniqueConstraint(
                fields=["gtm_container_id"],
                condition=~models.Q(gtm_container_id=""),
                name="gconn_unique_gtm_container",
            ),
        ]
        indexes = [
            # Staff and beat jobs look connections up by status within an organization.
            models.Index(fields=["organization", "status"], name="gconn_org_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Google connection of {self.customer_id} ({self.status})"
