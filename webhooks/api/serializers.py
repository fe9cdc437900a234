"""Webhook endpoints and their deliveries as the API shows them (a secret only once)."""

from __future__ import annotations

from rest_framework import serializers

from oneclicktag.core.fields import StrictBooleanField, StrictCharField
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    url = serializers.URLField(
        max_length=2000,
        help_text="Where deliveries are POSTed: https (http only in development), a public "
        "address; checked again before every delivery.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        max_length=len(WebhookEvent.values),
    )
    description = StrictCharField(
        max_length=WebhookEndpoint._meta.get_field("description").max_length,
        required=False,
        allow_blank=True,
    )
    is_active = StrictBooleanField(
        required=False,
        help_text="False stops deliveries; an endpoint failing for 3 days is turned off and its "
        "admins are e-mailed. Setting it back to true starts over.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = (
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = (
            "id",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        )


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The signing secret, shown only in this answer (null in a replay of a repeated "
        'Idempotency-Key). See README "Webhooks" for checking `X-OneClickTag-Signature`.',
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = (*WebhookEndpointSerializer.Meta.fields, "secret")  # type: ignore[assignment]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "endpoint",
            "event_id",
            "event",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "delivered_at",
            "response_status",
            "response_body",
            "latency_ms",
            "error",
            "redelivery_of",
            "created_at",
        )
        read_only_fields = fields
