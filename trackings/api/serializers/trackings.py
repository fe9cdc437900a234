"""Shapes of trackings and tracking types over REST (API.md "Objects")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oneclicktag.core.fields import StrictBooleanField, StrictCharField
from oneclicktag.core.representation import FastRepresentation
from trackings.api.serializers.changes import PendingChangeSerializer
from trackings.api.serializers.deployments import DeploymentSerializer
from trackings.catalog import GA4, GOOGLE_ADS, TrackingType, all_tracking_types
from trackings.models import SiteStatus, Tracking, TrackingStatus, VolumeStatus
from trackings.services.tracking_requests import Errors, TrackingRequest

DESTINATIONS = (GA4, GOOGLE_ADS)
# What a client may create a tracking as: on its way now, or a draft.
CREATE_STATUSES = [(TrackingStatus.PENDING, "Pending"), (TrackingStatus.DRAFT, "Draft")]


class AdsConversionSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(
        source="ads_conversion_action_id",
        read_only=True,
        help_text="The Google Ads conversion action id, once deployed.",
    )
    label = serializers.CharField(  # type: ignore[assignment]
        source="ads_conversion_label",
        read_only=True,
        help_text="The conversion label the `awct` tag sends, once deployed.",
    )
    value = serializers.DecimalField(
        source="ads_value",
        max_digits=12,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        required=False,
        help_text="Default conversion value; needs `currency`.",
    )
    currency = serializers.CharField(
        source="ads_currency",
        max_length=3,
        allow_blank=True,
        required=False,
        help_text="ISO 4217 code, e.g. USD.",
    )
    category = serializers.CharField(
        source="ads_category",
        max_length=40,
        allow_blank=True,
        required=False,
        help_text="Google Ads conversion category; the tracking type's when omitted.",
    )


class GtmIdsSerializer(serializers.Serializer[Any]):
    trigger_ids = serializers.ListField(
        source="gtm_trigger_ids", child=serializers.CharField(), read_only=True
    )
    tag_ids = serializers.ListField(
        source="gtm_tag_ids", child=serializers.CharField(), read_only=True
    )
    variable_ids = serializers.ListField(
        source="gtm_variable_ids", child=serializers.CharField(), read_only=True
    )
    version_id = serializers.CharField(source="gtm_version_id", read_only=True)


class SiteCheckFindingSerializer(serializers.Serializer[Any]):
    """What the last site check saw for the tracking (`site_status` says the verdict)."""

    checked_at = serializers.DateTimeField(source="site_checked_at")
    site_check = serializers.UUIDField(allow_null=True, help_text="The site check that saw it.")
    page_url = serializers.CharField(help_text="The page the tracking was checked on.")
    message = serializers.CharField()
    matched = serializers.ListField(
        child=serializers.CharField(),
        help_text='Elements the selector matched (first five), e.g. `button#buy "Add to cart"`.',
    )
    match_count = serializers.IntegerField()
    event = serializers.DictField(
        allow_null=True,
        help_text="For click and form trackings: `{expected, action, reached, element, how}`, "
        "whether clicking or submitting the match made the trigger fire in the sandbox.",
    )
    screenshot_url = serializers.CharField(
        allow_null=True, help_text="A JPEG of the match (of the page when nothing matched)."
    )


# Rendered by a compiled plan (oneclicktag.core.representation): a page of 50 is hot.
class TrackingSerializer(FastRepresentation, serializers.ModelSerializer[Tracking]):
    """A tracking as clients read it."""

    customer = serializers.UUIDField(source="customer_id", read_only=True)
    config = serializers.DictField(read_only=True)
    destinations = serializers.ListField(
        child=serializers.ChoiceField(choices=DESTINATIONS), read_only=True
    )
    ga4_parameters = serializers.DictField(read_only=True)
    ads_conversion = AdsConversionSerializer(source="*", read_only=True)
    gtm = GtmIdsSerializer(source="*", read_only=True)
    volume_status = serializers.SerializerMethodField(
        help_text="The daily count against the usual volume (live trackings): `learning` until "
        "enough days are counted, then `normal`, `low` or `silent`."
    )
    site_status = serializers.SerializerMethodField(
        help_text="The last site check's verdict on the customer's page (null: never checked): "
        "`verified`, `selector_not_found`, `snippet_missing` or `unreachable`. "
        "POST /customers/{id}/site-check/ runs one.",
    )
    site_check = serializers.SerializerMethodField()

    class Meta:
        model = Tracking
        fields = (
            "id",
            "customer",
            "name",
            "type",
            "config",
            "destinations",
            "ga4_event_name",
            "ga4_parameters",
            "ads_conversion",
            "key_event",
            "ads_primary",
            "status",
            "health",
            "volume_status",
            "site_status",
            "site_check",
            "gtm",
            "last_error",
            "last_deployed_at",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=VolumeStatus.choices))
    def get_volume_status(self, tracking: Tracking) -> str:
        # The tracking's copy of the stats app's judgment (a new tracking: `learning`).
        return str(tracking.volume_status)

    @extend_schema_field(serializers.ChoiceField(choices=SiteStatus.choices, allow_null=True))
    def get_site_status(self, tracking: Tracking) -> str | None:
        return tracking.site_status or None

    @extend_schema_field(SiteCheckFindingSerializer(allow_null=True))
    def get_site_check(self, tracking: Tracking) -> dict[str, Any] | None:
        if tracking.site_checked_at is None:
            return None
        detail = tracking.site_detail or {}
        # Annotated by the viewset's queryset (no query per row); asked for otherwise.
        has_screenshot = getattr(tracking, "has_site_screenshot", None)
        if has_screenshot is None:
            has_screenshot = hasattr(tracking, "site_screenshot")
        request = self.context.get("request")
        path = f"/api/v1/trackings/{tracking.pk}/site-screenshot/"
        return {
            "checked_at": tracking.site_checked_at,
            "site_check": detail.get("site_check"),
            "page_url": detail.get("page_url", ""),
            "message": detail.get("message", ""),
            "matched": detail.get("matched", []),
            "match_count": detail.get("match_count", 0),
            "event": detail.get("event"),
            "screenshot_url": (
                (request.build_absolute_uri(path) if request else path) if has_screenshot else None
            ),
        }


class _TrackingInputBase(serializers.Serializer[Any]):
    name = StrictCharField(max_length=200)
    config = serializers.DictField(
        required=False, help_text="Validated by the type's JSON Schema (see /tracking-types/)."
    )
    destinations = serializers.ListField(
        child=serializers.ChoiceField(choices=DESTINATIONS),
        min_length=1,
        max_length=2,
        required=False,
        help_text="Where conversions go; a subset of the type's destinations. Default: ga4.",
    )
    ga4_event_name = StrictCharField(
        max_length=100,
        allow_blank=True,
        required=False,
        help_text="The GA4 event name; the type's default when omitted. Letters, digits and "
        "underscores, starting with a letter, 40 characters at most; not a name GA4 reserves.",
    )
    ga4_parameters = serializers.DictField(
        required=False, help_text="Event parameters: name -> string or number (25 at most)."
    )
    ads_conversion = AdsConversionSerializer(required=False)
    key_event = StrictBooleanField(
        required=False,
        help_text="Whether GA4 counts the event as a key event (a conversion); the type's default "
        "(leads, sign-ups, purchases, calls) when omitted. Only with ga4.",
    )
    ads_primary = StrictBooleanField(
        required=False,
        help_text="Whether the Google Ads conversion action is primary (used for bidding) or "
        "secondary (reported only); the type's default when omitted. Only with google_ads.",
    )
    allow_auto_collected_event_name = StrictBooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Allow a GA4 event GA4 already collects by itself (page_view, click, "
        "scroll, form_submit, …), which double counts unless enhanced measurement is off.",
    )

    def spec_fields(self, validated: dict[str, Any] | None = None) -> dict[str, Any]:
        """The validated input as TrackingRequest fields (only those the client sent)."""
        data = dict(self.validated_data if validated is None else validated)
        ads = data.pop("ads_conversion", None) or {}
        data.pop("allow_auto_collected_event_name", None)
        # The nested serializer already answers in TrackingRequest's names (ads_value, …).
        data.update(ads)
        return {
            key: value
            for key, value in data.items()
            if key not in ("customer", "version", "status")
        }


@extend_schema_field({"type": "string", "enum": sorted(kind.key for kind in all_tracking_types())})
class TrackingTypeKeyField(serializers.CharField):
    """A key of /tracking-types/ (the services refuse others, naming the field)."""


class TrackingCreateSerializer(_TrackingInputBase):
    customer = serializers.UUIDField(help_text="One of your organization's customers.")
    type = TrackingTypeKeyField(max_length=64, help_text="A key of /tracking-types/.")
    status = serializers.ChoiceField(
        choices=CREATE_STATUSES,
        required=False,
        default=TrackingStatus.PENDING,
        help_text="`pending` (the default): on its way to GTM now (or to review). `draft`: "
        "stored and validated, never deployed until `POST /trackings/{id}/publish/`.",
    )

    def spec(self, validated: dict[str, Any] | None = None) -> TrackingRequest:
        data = self.validated_data if validated is None else validated
        return TrackingRequest(
            allow_auto_collected_event_name=data["allow_auto_collected_event_name"],
            draft=data.get("status") == TrackingStatus.DRAFT,
            **self.spec_fields(data),
        )


class TrackingUpdateSerializer(_TrackingInputBase):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="The version you read; a stale one answers 409 and changes nothing.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = {"customer", "type"} & set(self.initial_data)
        if fixed:
            raise serializers.ValidationError(
                {name: ["Cannot change; create a new tracking instead."] for name in fixed}
            )
        return attrs


class TrackingWriteResultSerializer(TrackingSerializer):
    """A tracking after a write, with the deployment that carries it to Google (null when the
    customer has no Google connection yet, nothing changed, it is a draft, or the customer
    publishes after review: then `pending_change` is the change it waits in)."""

    deployment = serializers.SerializerMethodField()
    pending_change = serializers.SerializerMethodField()

    class Meta(TrackingSerializer.Meta):
        fields = (*TrackingSerializer.Meta.fields, "deployment", "pending_change")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]

    @extend_schema_field(DeploymentSerializer(allow_null=True))
    def get_deployment(self, tracking: Tracking) -> dict[str, Any] | None:
        deployment = self.context.get("deployment")
        return DeploymentSerializer(deployment).data if deployment is not None else None

    @extend_schema_field(PendingChangeSerializer(allow_null=True))
    def get_pending_change(self, tracking: Tracking) -> dict[str, Any] | None:
        change = self.context.get("pending_change")
        return PendingChangeSerializer(change).data if change is not None else None


class TrackingBulkResultSerializer(serializers.Serializer[Any]):
    trackings = TrackingSerializer(many=True, read_only=True)
    deployments = DeploymentSerializer(
        many=True,
        read_only=True,
        help_text="One per customer that has a Google connection to deploy with.",
    )
    pending_changes = PendingChangeSerializer(
        many=True,
        read_only=True,
        help_text="One per customer that publishes after review (instead of a deployment).",
    )


@extend_schema_field(TrackingCreateSerializer)
class BulkTrackingField(serializers.DictField):
    """One item of a bulk create: read as a dict here, then validated as POST /trackings/ reads
    its body (per-item errors); the schema says so."""


class TrackingBulkSerializer(serializers.Serializer[Any]):
    trackings = serializers.ListField(
        child=BulkTrackingField(),
        min_length=1,
        max_length=500,
        help_text="Up to 500 trackings, each as for POST /trackings/. All or nothing.",
    )


def flatten_errors(detail: Any, prefix: str = "") -> Errors:
    """A serializer's nested errors -> {"ads_conversion.currency": ["..."]}."""
    flat: Errors = {}
    if isinstance(detail, dict):
        for key, inner in detail.items():
            flat.update(flatten_errors(inner, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and all(not isinstance(i, dict | list) for i in detail):
        flat[prefix or "non_field_errors"] = [str(item) for item in detail]
    elif isinstance(detail, list):
        for index, inner in enumerate(detail):
            flat.update(flatten_errors(inner, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


class TrackingTypeSerializer(serializers.Serializer[TrackingType]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    category = serializers.CharField()
    description = serializers.CharField()
    config_schema = serializers.DictField(help_text="JSON Schema (2020-12) of `config`.")
    example_config = serializers.DictField(help_text="A valid config.")
    destinations = serializers.SerializerMethodField()
    default_ga4_event = serializers.CharField(
        allow_null=True, help_text="null for custom_event: its dataLayer event is the default."
    )
    ads_category = serializers.CharField()
    ads_counting_type = serializers.CharField()
    key_event = StrictBooleanField(
        source="key_event_default", help_text="Whether its GA4 event is a key event by default."
    )
    ads_primary = StrictBooleanField(
        source="ads_primary_default",
        help_text="Whether its Ads conversion action is primary by default (micro events are not).",
    )

    def get_destinations(self, tracking_type: TrackingType) -> list[str]:
        return sorted(tracking_type.destinations)


class TrackingTypePageSerializer(serializers.Serializer[Any]):
    """The catalog in the usual list shape; it always fits one page."""

    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TrackingTypeSerializer(many=True)
