"""Shapes of tenants objects on the wire."""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from rest_framework import serializers

from oneclicktag.core.fields import StrictCharField, StrictSlugField
from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Organization, Role, User


class OrganizationSummarySerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ("id", "name", "slug")


class MyMembershipSerializer(serializers.ModelSerializer[Membership]):
    organization = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "organization", "role")


class MeSerializer(serializers.ModelSerializer[User]):
    memberships = MyMembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ("id", "email", "display_name", "is_staff", "date_joined", "memberships")


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    role = serializers.CharField(
        source="my_role", read_only=True, help_text="Your role (an API key: its role) here."
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "slug",
            "role",
            "max_customers",
            "max_trackings_per_customer",
            "version",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class OrganizationCreateSerializer(serializers.Serializer[Organization]):
    name = StrictCharField(max_length=200)
    slug = StrictSlugField(max_length=80, required=False)


class OrganizationUpdateSerializer(serializers.Serializer[Organization]):
    name = StrictCharField(max_length=200, required=False)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; a stale one answers 409."
    )


class MemberUserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "display_name")


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    user = MemberUserSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "role", "version", "created_at", "updated_at")
        read_only_fields = fields


class MembershipUpdateSerializer(serializers.Serializer[Membership]):
    role = serializers.ChoiceField(choices=Role.choices)
    # The PATCH handler validates this serializer whole: `role` is required even in a PATCH
    # (drf-spectacular would document every field of a PATCH body as optional).
    openapi_request_extra: ClassVar[dict[str, Any]] = {"required": ["role"]}
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read; a stale one answers 409."
    )


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields: tuple[str, ...] = (
            "id",
            "email",
            "role",
            "status",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "created_at",
        )
        read_only_fields: tuple[str, ...] = fields

    def get_status(self, invitation: Invitation) -> str:
        if invitation.accepted_at:
            return "accepted"
        if invitation.revoked_at:
            return "revoked"
        if invitation.expires_at <= timezone.now():
            return "expired"
        return "pending"


class InvitationCreatedSerializer(InvitationSerializer):
    token = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Shown only in this answer; give it to the invited person. Null when the "
        "answer is replayed for a repeated Idempotency-Key (the token is never stored).",
    )

    class Meta(InvitationSerializer.Meta):
        fields = (*InvitationSerializer.Meta.fields, "token")
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer[Invitation]):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class InvitationAcceptSerializer(serializers.Serializer[Membership]):
    token = StrictCharField(max_length=200)


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    class Meta:
        model = ApiKey
        fields: tuple[str, ...] = (
            "id",
            "name",
            "role",
            "prefix",
            "last_used_at",
            "revoked_at",
            "created_at",
        )
        read_only_fields: tuple[str, ...] = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="`oct_<prefix>_<secret>`, shown only in this answer. Send it as "
        "`Authorization: Api-Key <key>`. Null when the answer is replayed for a repeated "
        "Idempotency-Key (the secret is never stored).",
    )

    class Meta(ApiKeySerializer.Meta):
        fields = (*ApiKeySerializer.Meta.fields, "key")
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer[ApiKey]):
    name = StrictCharField(max_length=200)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
            "request_id",
        )
        read_only_fields = fields

    def get_actor(self, event: AuditEvent) -> dict[str, str | None]:
        return {
            "label": event.actor_label,
            "user": str(event.actor_user_id) if event.actor_user_id else None,
            "api_key": str(event.actor_api_key_id) if event.actor_api_key_id else None,
        }
