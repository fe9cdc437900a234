"""Pending changes over REST (review before publish)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from oneclicktag.core.schema import ErrorDetailSerializer
from trackings.api.serializers.deployments import PlanField
from trackings.models import PendingChange


class PendingChangeSerializer(serializers.ModelSerializer[PendingChange]):
    """A pending change as the list shows it (without its plan)."""

    customer = serializers.UUIDField(source="customer_id", read_only=True)
    deployment = serializers.UUIDField(
        source="deployment_id",
        read_only=True,
        allow_null=True,
        help_text="The deployment that publishes it, once approved.",
    )
    tracking_ids = serializers.ListField(
        child=serializers.UUIDField(),
        read_only=True,
        help_text="The trackings whose writes it carries (the plan covers the whole customer).",
    )

    class Meta:
        model = PendingChange
        fields = (
            "id",
            "customer",
            "status",
            "revision",
            "tracking_ids",
            "planned_at",
            "gtm_live_version_id",
            "desired_fingerprint",
            "deployment",
            "approved_at",
            "approved_by",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class PendingChangeDetailSerializer(PendingChangeSerializer):
    plan = PlanField(
        allow_null=True,
        help_text='{"gtm": {"create"|"update"|"delete": [{"action", "type", "name", "key", '
        '"tracking", "before", "after", "changes": [{"field", "before", "after"}]}], '
        '"unchanged": N}, "ads": {"create"|"update"|"remove": [{"action", "tracking", "name", '
        '"before", "after", "changes"}]}, "based_on": {"gtm_live_version_id", '
        '"desired_fingerprint"}}. null while it is computed (after each write it absorbs).',
    )

    class Meta(PendingChangeSerializer.Meta):
        fields = (*PendingChangeSerializer.Meta.fields, "plan")  # type: ignore[assignment]
        read_only_fields = fields  # type: ignore[assignment]


PLAN_CHANGED = inline_serializer(
    name="PendingChangePlanChanged",
    fields={
        "error": ErrorDetailSerializer,
        # Only with `pending_change_plan_changed`; a reused Idempotency-Key, an approved change
        # or a connection needing attention answer the plain error shape.
        "change": PendingChangeDetailSerializer(required=False),
    },
)
