"""API keys of the organization (admin): list by prefix, create (secret shown once), revoke."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from oneclicktag.core.idempotency import idempotent
from tenants import services
from tenants.api.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
)
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.filters import ApiKeyFilter
from tenants.models import ApiKey, Role


@extend_schema_view(
    list=extend_schema(summary="API keys (prefix only, never the secret) (admin)"),
    retrieve=extend_schema(summary="One API key (admin)"),
    create=extend_schema(
        summary="Create an API key (admin); the `key` is shown only in this answer",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke an API key (admin); it stops working at once"),
)
class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet):
    queryset = ApiKey.objects.all()
    serializer_class = ApiKeySerializer
    filterset_class = ApiKeyFilter
    search_fields = ("name", "prefix")
    ordering_fields = ("created_at", "last_used_at", "name")
    lookup_value_regex = UUID_LOOKUP
    http_method_names = ["get", "post", "delete", "head", "options"]
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    @idempotent(redact=("key",))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.api_key_create(
            organization=self.tenant.organization,
            name=serializer.validated_data["name"],
            role=serializer.validated_data["role"],
            actor=self.tenant.actor,
            actor_role=self.tenant.role,
        )
        created.api_key.key = created.key  # type: ignore[attr-defined]
        return Response(
            ApiKeyCreatedSerializer(created.api_key).data, status=status.HTTP_201_CREATED
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.api_key_revoke(api_key=self.get_object(), actor=self.tenant.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
