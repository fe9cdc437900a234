"""The audit log, read by admins and owners (it shows members' emails and every change)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from tenants.api.serializers import AuditEventSerializer
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.filters import AuditEventFilter
from tenants.models import AuditEvent, Role


@extend_schema_view(
    list=extend_schema(
        summary="Who changed what (admins and owners only)",
        description="Only admins and owners read the audit log. Newest first. Filter by "
        "`object_type`, `object_id`, `action`, `actor` (a user id, an API key id or the actor "
        "label) and `created_after`/`created_before`. "
        "Viewers and members get 403: the log shows every member's email and every change.",
    ),
    retrieve=extend_schema(summary="One audit event (admins and owners only)"),
)
class AuditEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ("action", "object_type", "object_id", "actor_label")
    ordering_fields = ("created_at",)
    lookup_value_regex = UUID_LOOKUP
    read_role = Role.ADMIN
