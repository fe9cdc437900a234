"""Memberships of the current organization: everyone reads, admins change and remove."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from oneclicktag.core.concurrency import ETagMixin, check_version
from tenants import services
from tenants.api.serializers import MembershipSerializer, MembershipUpdateSerializer
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.filters import MembershipFilter
from tenants.models import Membership, Role


@extend_schema_view(
    list=extend_schema(summary="Members of the organization (any role reads)"),
    retrieve=extend_schema(summary="One membership"),
    partial_update=extend_schema(
        summary="Change a role (admin; only an owner makes or unmakes owners)",
        request=MembershipUpdateSerializer,
        responses={200: MembershipSerializer},
    ),
    destroy=extend_schema(summary="Remove a member (admin); the last owner cannot be removed"),
)
class MembershipViewSet(
    ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ("user__email", "user__display_name")
    ordering_fields = ("created_at", "role")
    lookup_value_regex = UUID_LOOKUP
    http_method_names = ["get", "patch", "delete", "head", "options"]
    action_roles = {"partial_update": Role.ADMIN, "destroy": Role.ADMIN}
    versioned = True

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.select_related("user")

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = check_version(membership, request, serializer.validated_data)
        services.membership_update_role(
            membership=membership,
            role=serializer.validated_data["role"],
            actor=self.tenant.actor,
            actor_role=self.tenant.role,
            expected_version=expected,
        )
        return Response(MembershipSerializer(membership).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.membership_remove(
            membership=self.get_object(), actor=self.tenant.actor, actor_role=self.tenant.role
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
