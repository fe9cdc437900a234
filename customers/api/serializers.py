"""The customer as the API reads and writes it."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from customers import services
from customers.locale import ISO_4217_CURRENCIES, time_zones
from customers.models import (
    HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES,
    HEALTH_CHECK_INTERVAL_MAX_MINUTES,
    HEALTH_CHECK_INTERVAL_MIN_MINUTES,
    Customer,
    DriftPolicy,
    PublishPolicy,
)
from customers.selectors import google_connection_status
from oneclicktag.core.fields import StrictCharField, StrictSlugField

MAX_TAGS = services.MAX_TAGS
MAX_TAG_LENGTH = services.MAX_TAG_LENGTH


# The services check both against these lists (customers.locale); the schema lists them too, so
# a value it allows is one the API takes.
# A pattern listing the names (not an enum of 600 values, which generated clients and
# schema-driven test tools expand one by one).
@extend_schema_field(
    {"type": "string", "pattern": "^(" + "|".join(sorted(time_zones())).replace("+", "\\+") + ")$"}
)
class TimeZoneField(serializers.CharField):
    pass


@extend_schema_field(
    {"type": "string", "pattern": "^(" + "|".join(sorted(ISO_4217_CURRENCIES)) + ")$"}
)
class CurrencyField(serializers.CharField):
    pass


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    # The model's text columns read JSON strings only (DRF's CharField also takes 0 as "0").
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    tags = serializers.ListField(
        child=StrictCharField(max_length=MAX_TAG_LENGTH, trim_whitespace=True),
        max_length=MAX_TAGS,
        required=False,
        help_text="Free labels; `?tag=` filters on one of them, exactly.",
    )
    slug = StrictSlugField(
        max_length=services.SLUG_MAX_LENGTH,
        required=False,
        help_text="Unique among the organization's customers; made from the name when omitted.",
    )
    drift_policy = serializers.ChoiceField(
        choices=DriftPolicy.choices,
        required=False,
        help_text="What a health check does when it finds our GTM entities edited or deleted: "
        "`repair` (the default) queues a repair deployment; `report` only records it on the "
        "trackings' `health`.",
    )
    publish_policy = serializers.ChoiceField(
        choices=PublishPolicy.choices,
        required=False,
        help_text="What a tracking write does: `auto` (the default) queues a deployment at once; "
        "`review` gathers the customer's writes in a pending change "
        "(`/customers/{id}/changes/`) with a field-level plan, published only when an admin "
        "approves it.",
    )
    time_zone = TimeZoneField(
        max_length=64,
        required=False,
        help_text="IANA time zone of the GA4 property made for this customer (e.g. Europe/Paris).",
    )
    currency = CurrencyField(
        max_length=64,
        required=False,
        help_text="ISO 4217 currency of the GA4 property made for this customer (e.g. EUR).",
    )
    health_check_interval_minutes = serializers.IntegerField(
        min_value=HEALTH_CHECK_INTERVAL_MIN_MINUTES,
        max_value=HEALTH_CHECK_INTERVAL_MAX_MINUTES,
        required=False,
        help_text="Minutes between two health checks of the live GTM container and Ads "
        f"(default {HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES}, at least "
        f"{HEALTH_CHECK_INTERVAL_MIN_MINUTES}). Checks share the GTM quota with every "
        "customer: one may start later than due, never earlier.",
    )
    next_health_check_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the next scheduled health check is due; null: at the scheduler's next "
        "turn (none yet).",
    )
    google_connection_status = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Send the version you read with a PATCH; a stale one answers 409.",
    )

    class Meta:
        model = Customer
        fields = (
            "id",
            *services.EDITABLE_FIELDS,
            "next_health_check_at",
            "google_connection_status",
            "version",
            "created_at",
            "updated_at",
            "deleted",
        )
        read_only_fields = ("id", "created_at", "updated_at", "deleted")

    def get_google_connection_status(self, customer: Customer) -> str:
        """`not_connected`, `connected` or `needs_reconnect` (as /customers/{id}/google/ says)."""
        return google_connection_status(getattr(customer, "google_connection", None))

    def validate_tags(self, tags: list[str]) -> list[str]:
        if any(not tag for tag in tags):
            raise serializers.ValidationError("Tags cannot be empty.")
        # Keep the client's order, drop repeats.
        return list(dict.fromkeys(tags))

    def validated_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("version", None)
        return data
