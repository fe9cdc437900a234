"""A customer's Google connection as the API shows it (never a token), and what PATCH chooses."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from customers.models import ConnectionStatus, Customer, GoogleConnection
from customers.selectors import NOT_CONNECTED, google_connection_status
from integrations.google.container_size import (
    connection_container_size,
    gtm_container_limit_bytes,
)
from integrations.google.oauth import missing_scopes
from integrations.google.services.choices import CHOICE_FIELDS

# Digits (dashes allowed for Ads ids), GA4 resource names, or "create" where creation is offered.
_ID = r"^[0-9][0-9\-]{0,30}$"
_ID_OR_CREATE = r"^(create|[0-9]{1,30})$"


class GoogleConnectionSerializer(serializers.Serializer):
    customer = serializers.UUIDField()
    status = serializers.ChoiceField(
        choices=[NOT_CONNECTED, ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONNECT]
    )
    google_email = serializers.EmailField(allow_blank=True)
    scopes = serializers.ListField(child=serializers.CharField())
    missing_scopes = serializers.ListField(child=serializers.CharField())
    connected_at = serializers.DateTimeField(allow_null=True)
    last_refreshed_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    gtm_account_id = serializers.CharField(allow_blank=True)
    gtm_container_id = serializers.CharField(allow_blank=True)
    gtm_public_id = serializers.CharField(allow_blank=True)
    gtm_workspace_id = serializers.CharField(allow_blank=True)
    ga4_account_id = serializers.CharField(allow_blank=True)
    ga4_property_id = serializers.CharField(allow_blank=True)
    ga4_stream_id = serializers.CharField(allow_blank=True)
    ga4_measurement_id = serializers.CharField(allow_blank=True)
    ads_customer_id = serializers.CharField(allow_blank=True)
    ads_login_customer_id = serializers.CharField(allow_blank=True)
    ads_conversion_customer_id = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()
    # The container's size as the budget counts it and Google's web-container limit
    # (google/container_size.py): stored measures, no compile.
    container_size_bytes = serializers.IntegerField(
        help_text="Our entities at their last compile plus what entities made in GTM by hand "
        "took in the live version as last read."
    )
    container_size_limit = serializers.IntegerField()
    container_size_foreign_bytes = serializers.IntegerField(
        help_text="The share of container_size_bytes taken by entities made in GTM by hand."
    )
    container_live_size_bytes = serializers.IntegerField(
        help_text="The live version's whole size when it was last read (0 before)."
    )
    container_live_size_read_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def payload(customer: Customer, connection: GoogleConnection | None) -> dict[str, Any]:
        granted = list(connection.scopes or []) if connection is not None else []
        state = google_connection_status(connection)
        data: dict[str, Any] = {
            "customer": customer.pk,
            "status": state,
            "google_email": connection.google_email
            if connection and state != NOT_CONNECTED
            else "",
            "scopes": granted,
            "missing_scopes": missing_scopes(granted) if state != NOT_CONNECTED else [],
            "connected_at": connection.connected_at if connection else None,
            "last_refreshed_at": connection.last_refreshed_at if connection else None,
            "last_error": connection.last_error if connection else "",
            "version": connection.version if connection else 0,
            "container_size_bytes": connection_container_size(connection),
            "container_size_limit": gtm_container_limit_bytes(),
            "container_size_foreign_bytes": connection.gtm_foreign_size_bytes if connection else 0,
            "container_live_size_bytes": connection.gtm_live_size_bytes if connection else 0,
            "container_live_size_read_at": (
                connection.gtm_live_size_read_at if connection else None
            ),
        }
        for name in GoogleConnection.RESOURCE_FIELDS:
            data[name] = getattr(connection, name) if connection else ""
        return data


class GoogleChoicesSerializer(serializers.Serializer):
    gtm_account_id = serializers.RegexField(_ID, required=False)
    gtm_container_id = serializers.RegexField(
        _ID_OR_CREATE, required=False, help_text='A container id, or "create".'
    )
    ga4_account_id = serializers.RegexField(
        r"^(accounts/)?[0-9]{1,30}$",
        required=False,
        help_text='Where `ga4_property_id: "create"` creates the property (when several).',
    )
    ga4_property_id = serializers.RegexField(
        r"^(create|(properties/)?[0-9]{1,30})$", required=False, help_text='An id, or "create".'
    )
    ga4_stream_id = serializers.RegexField(
        _ID_OR_CREATE, required=False, help_text='A web stream id, or "create".'
    )
    ads_customer_id = serializers.RegexField(_ID, required=False, allow_blank=True)
    ads_login_customer_id = serializers.RegexField(_ID, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)

    # What validate() enforces, in the schema (oneclicktag.core.schema.AutoSchema).
    openapi_request_extra: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": [name]} for name in CHOICE_FIELDS]
    }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(CHOICE_FIELDS) & attrs.keys():
            raise serializers.ValidationError(
                {"non_field_errors": ["Send at least one of: " + ", ".join(CHOICE_FIELDS) + "."]}
            )
        return attrs


class AuthorizeSerializer(serializers.Serializer):
    redirect_uri = serializers.URLField(required=False, allow_blank=True, max_length=500)
