"""Query-parameter filters for the tenants lists."""

from __future__ import annotations

import uuid

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from oneclicktag.core.filters import ChoiceFilter, FilterSet, UtcIsoDateTimeFilter
from tenants.models import ApiKey, AuditEvent, Invitation, Membership, Role


class MembershipFilter(FilterSet):
    role = ChoiceFilter(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ("role",)


class InvitationFilter(FilterSet):
    role = ChoiceFilter(choices=Role.choices)
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    pending = django_filters.BooleanFilter(
        method="filter_pending", label="Only invitations that can still be accepted."
    )

    class Meta:
        model = Invitation
        fields = ("role", "email")

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_pending(
        self, queryset: QuerySet[Invitation], name: str, value: bool | None
    ) -> QuerySet[Invitation]:
        pending = Q(accepted_at__isnull=True, revoked_at__isnull=True) & Q(
            expires_at__gt=timezone.now()
        )
        if value is None:
            return queryset
        return queryset.filter(pending) if value else queryset.exclude(pending)


class ApiKeyFilter(FilterSet):
    role = ChoiceFilter(choices=Role.choices)
    revoked = django_filters.BooleanFilter(
        field_name="revoked_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = ApiKey
        fields = ("role",)


class AuditEventFilter(FilterSet):
    object_type = django_filters.CharFilter()
    object_id = django_filters.CharFilter()
    action = django_filters.CharFilter()
    actor = django_filters.CharFilter(
        method="filter_actor",
        label="A user id, an API key id, or the actor label (email or `api-key:<prefix>`).",
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ("object_type", "object_id", "action")

    def filter_actor(
        self, queryset: QuerySet[AuditEvent], name: str, value: str
    ) -> QuerySet[AuditEvent]:
        try:
            as_uuid = uuid.UUID(value)
        except ValueError:
            return queryset.filter(actor_label__iexact=value)
        return queryset.filter(Q(actor_user_id=as_uuid) | Q(actor_api_key_id=as_uuid))
