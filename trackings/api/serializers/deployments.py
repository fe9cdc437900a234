"""How deployments and container versions look over REST (API.md "Objects")."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from oneclicktag.core.fields import StrictBooleanField
from oneclicktag.core.representation import FastRepresentation
from trackings.models import ContainerVersion, Deployment


class DeploymentSerializer(FastRepresentation, serializers.ModelSerializer[Deployment]):
    progress = serializers.SerializerMethodField()
    google_calls = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    # Rows of their own now (`DeploymentRequest`, one a write); the same untyped JSON list as
    # before.
    requested_tracking_ids = serializers.JSONField(read_only=True)

    class Meta:
        model = Deployment
        fields = (
            "id",
            "customer",
            "kind",
            "status",
            "progress",
            "plan",
            "google_calls",
            "gtm_version_id",
            "error",
            "attempts",
            "not_before",
            "target_gtm_version_id",
            "requested_tracking_ids",
            "created_at",
            "started_at",
            "finished_at",
        )
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "DeploymentProgress",
            {"done": serializers.IntegerField(), "total": serializers.IntegerField()},
        )
    )
    def get_progress(self, deployment: Deployment) -> dict[str, int]:
        return {"done": deployment.progress_done, "total": deployment.progress_total}

    @extend_schema_field(
        inline_serializer(
            "DeploymentGoogleCalls",
            {
                "gtm": serializers.IntegerField(),
                "ads": serializers.IntegerField(),
                "ga4": serializers.IntegerField(),
            },
        )
    )
    def get_google_calls(self, deployment: Deployment) -> dict[str, int]:
        calls = deployment.google_calls or {}
        return {api: int(calls.get(api, 0)) for api in ("gtm", "ads", "ga4")}

    @extend_schema_field(
        inline_serializer(
            "DeploymentError",
            {"code": serializers.CharField(), "message": serializers.CharField()},
            allow_null=True,
        )
    )
    def get_error(self, deployment: Deployment) -> dict[str, str] | None:
        if not deployment.error_code:
            return None
        return {"code": deployment.error_code, "message": deployment.error_message}


class ContainerVersionSerializer(serializers.ModelSerializer[ContainerVersion]):
    class Meta:
        model = ContainerVersion
        fields = (
            "id",
            "customer",
            "gtm_container_id",
            "gtm_version_id",
            "name",
            "published_at",
            "deployment",
            "published_by_us",
        )
        read_only_fields = fields


class RollbackSerializer(serializers.Serializer[Any]):
    force = StrictBooleanField(
        required=False,
        default=False,
        help_text="Republish even if someone else published a version since our last one.",
    )


@extend_schema_field(OpenApiTypes.OBJECT)
class PlanField(serializers.JSONField):
    pass


class PlanSerializer(serializers.Serializer[Any]):
    gtm = PlanField(help_text='{"create": [...], "update": [...], "delete": [...], "unchanged": N}')
    ads = PlanField(help_text='{"create": [...], "update": [...], "remove": [...]}')
    gtm_read_at = serializers.DateTimeField(
        help_text="When GTM was read for this plan: a read is reused for a minute per customer "
        "(polling costs no GTM quota); a deployment of the customer makes the next plan read again."
    )
