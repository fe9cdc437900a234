"""Staff view of webhook endpoints and their deliveries. Deliveries are history: read only.
An endpoint's edits save through `webhook_endpoint_update` (validated, audited with the staff
user), never around it; its secrets are never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from tenants.admin import DeletedFilter, ServiceAdmin, staff_actor
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_endpoint_update

# What the API's PATCH changes; the rest is the product's bookkeeping.
ENDPOINT_EDITABLE_FIELDS = ("url", "description", "events", "is_active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin):
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
        "deleted",
    )
    fields = (*ENDPOINT_EDITABLE_FIELDS, *readonly_fields)
    # Endpoints are https (plain http is refused in production).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        # Deleted endpoints too: their deliveries are kept, and staff trace them back.
        return WebhookEndpoint.all_objects.select_related("organization")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A deleted endpoint is history: nothing is sent to it any more.
        if obj is not None and obj.deleted is not None:
            return (*self.readonly_fields, *ENDPOINT_EDITABLE_FIELDS)
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Secrets are shown once to the organization through the API, never to staff.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_write(self, request: HttpRequest, obj: Any, form: Any) -> str | None:
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in ENDPOINT_EDITABLE_FIELDS}
        # The stored row, not the form's copy of it: the audit's "before" is what was stored.
        stored = WebhookEndpoint.objects.get(organization_id=obj.organization_id, pk=obj.pk)
        webhook_endpoint_update(endpoint=stored, data=data, actor=staff_actor(request))
        return None


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
