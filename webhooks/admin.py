"""Staff view of webhook endpoints and their deliveries. Deliveries are history: read only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.admin import DeletedFilter
from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    list_display = ("url", "organization", "is_active", "failing_since", "disabled_at", "deleted")
    list_filter = (DeletedFilter, "is_active")
    search_fields = ("url", "description", "organization__name")
    readonly_fields = (
        "organization",
        "previous_secret_expires_at",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    )
    exclude = ("secret_encrypted", "previous_secret_encrypted")
    # Endpoints are https (plain http is refused in production).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        # Deleted endpoints too: their deliveries are kept, and staff trace them back.
        return WebhookEndpoint.all_objects.select_related("organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Secrets are shown once to the organization through the API, never to staff.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    list_display = (
        "event",
        "endpoint",
        "organization",
        "status",
        "attempts",
        "response_status",
        "latency_ms",
        "created_at",
    )
    list_filter = ("status", "event")
    search_fields = ("event_id", "endpoint__url")
    list_select_related = ("endpoint", "organization")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
