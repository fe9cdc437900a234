"""Organizations the caller belongs to. Not organization-scoped: a person lists all of theirs
(an API key sees only its own); anything else is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Value
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from oneclicktag.core.concurrency import ETagMixin, check_version
from oneclicktag.core.idempotency import idempotent
from tenants import services
from tenants.api.serializers import (
    OrganizationCreateSerializer,
    OrganizationSerializer,
    OrganizationUpdateSerializer,
)
from tenants.api.viewsets import UUID_LOOKUP
from tenants.models import ApiKey, Membership, Organization, Role, User
from tenants.resolution import actor_for_request


@extend_schema_view(
    list=extend_schema(summary="Organizations you belong to (an API key: its own)"),
    create=extend_schema(
        summary="Create an organization; you become its owner",
        request=OrganizationCreateSerializer,
        responses={201: OrganizationSerializer},
    ),
    retrieve=extend_schema(summary="One of your organizations"),
    partial_update=extend_schema(
        summary="Rename (owner); send the `version` you read or `If-Match`",
        request=OrganizationUpdateSerializer,
        responses={200: OrganizationSerializer},
    ),
    destroy=extend_schema(summary="Soft delete the organization (owner)"),
)
class OrganizationViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrganizationSerializer
    queryset = Organization.objects.all()
    lookup_value_regex = UUID_LOOKUP
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    search_fields = ("name", "slug")
    ordering_fields = ("created_at", "name")
    filterset_fields: tuple[str, ...] = ()
    versioned = True

    def get_queryset(self) -> QuerySet[Organization]:
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        auth = self.request.auth
        if isinstance(auth, ApiKey):
            return Organization.objects.filter(pk=auth.organization_id).annotate(
                my_role=Value(auth.role)
            )
        user = self.request.user
        if not isinstance(user, User):
            raise exceptions.NotAuthenticated()
        role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")
        return Organization.objects.filter(memberships__user=user).annotate(
            my_role=Subquery(role[:1])
        )

    def _require_owner(self, organization: Any) -> None:
        if organization.my_role != Role.OWNER:
            raise exceptions.PermissionDenied("Only an owner can do this.")

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrganizationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.organization_create(
            name=serializer.validated_data["name"],
            slug=serializer.validated_data.get("slug"),
            actor=actor_for_request(request),
        )
        organization.my_role = Role.OWNER  # type: ignore[attr-defined]
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        self._require_owner(organization)
        serializer = OrganizationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = check_version(organization, request, serializer.validated_data)
        services.organization_update(
            organization=organization,
            actor=actor_for_request(request),
            expected_version=expected,
            name=serializer.validated_data.get("name"),
        )
        return Response(OrganizationSerializer(organization).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        self._require_owner(organization)
        services.organization_delete(organization=organization, actor=actor_for_request(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
