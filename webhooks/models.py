"""Outbound webhooks: the endpoints an organization registers and every delivery made to them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models

from oneclicktag.core.models import SoftDeletableTenantModel, TenantOwnedModel


class WebhookEvent(models.TextChoices):
    DEPLOYMENT_SUCCEEDED = "deployment.succeeded", "Deployment succeeded"
    DEPLOYMENT_FAILED = "deployment.failed", "Deployment failed"
    DEPLOYMENT_PARTIALLY_FAILED = "deployment.partially_failed", "Deployment partially failed"
    TRACKING_FAILED = "tracking.failed", "Tracking failed"
    TRACKING_DRIFTED = "tracking.drifted", "Tracking drifted"
    TRACKING_REPAIRED = "tracking.repaired", "Tracking repaired"
    GOOGLE_NEEDS_RECONNECT = "google.needs_reconnect", "Google connection needs reconnecting"
    SITE_CHECK_FAILED = "site_check.failed", "Site check failed"
    PENDING_CHANGE_CREATED = "pending_change.created", "Pending change created"
    # The daily count of a live tracking fell to zero against its usual volume (stats app),
    # once per episode; `tracking.volume_recovered` closes the episode.
    TRACKING_SILENT = "tracking.silent", "Tracking went silent"
    TRACKING_VOLUME_RECOVERED = "tracking.volume_recovered", "Tracking volume recovered"
    # Sent by `POST /webhooks/{id}/ping/` only, so a receiver can be tested before real events.
    PING = "ping", "Ping"


class WebhookEndpoint(SoftDeletableTenantModel):
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    # Fernet ciphertexts (oneclicktag.core.crypto): signing needs the clear secret back.
    secret_encrypted = models.TextField()
    # After a rotation the old secret still signs until it expires, so receivers can switch.
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Set by the first failed delivery after a success; three days of it disable the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)

    if TYPE_CHECKING:
        deleted: datetime | None

    class Meta:
        indexes = [
            # webhook_event_emit: the organization's active endpoints.
            models.Index(fields=["organization", "is_active"], name="webhook_endpoint_org_idx"),
        ]
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.description or self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its first or next attempt
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"  # given up: out of attempts, refused target or disabled endpoint


class WebhookDelivery(TenantOwnedModel):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The event's id: the same on every endpoint and on a redelivery, so receivers de-duplicate.
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(max_length=64)
    # The JSON document sent as the body (envelope with `id`, `type`, `created_at`, `data`).
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            # The sweep (webhook_deliveries_send_due): due pending rows across organizations.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            # GET /webhooks/{id}/deliveries/: one endpoint's deliveries, newest first.
            models.Index(
                fields=["organization", "endpoint", "-created_at"],
                name="webhook_delivery_endpoint_idx",
            ),
        ]
        ordering = ("-created_at",)
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint_id} ({self.status})"
