"""Customers over REST: list, create, read, update, soft delete, restore."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers import services
from customers.api.serializers import CustomerSerializer
from customers.filters import CustomerFilter
from customers.models import Customer
from oneclicktag.core.concurrency import ETagMixin, requested_version
from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import OrganizationScopedViewSet


def _wants_deleted(value: str | None) -> bool:
    """`?deleted=`, read as DRF reads any boolean (true/false, 1/0, yes/no, on/off)."""
    if not value:
        return False
    try:
        return bool(serializers.BooleanField().to_internal_value(value))
    except serializers.ValidationError as error:
        raise serializers.ValidationError({"deleted": error.detail}) from error


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "deleted",
                OpenApiTypes.BOOL,
                description="true lists soft-deleted customers (to restore them) instead.",
            )
        ]
    ),
    destroy=extend_schema(
        description="Soft delete the customer and queue the removal of its trackings from GTM "
        "and Google Ads. `POST .../restore/` undoes it."
    ),
)
class CustomerViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationScopedViewSet,
):
    queryset = Customer.all_objects.select_related("google_connection")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ("name", "slug", "website_url")
    ordering_fields = ("created_at", "updated_at", "name", "slug", "status")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    versioned = True

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        wants_deleted = self.action == "restore" or (
            self.action == "list" and _wants_deleted(self.request.query_params.get("deleted"))
        )
        return queryset.filter(deleted__isnull=not wants_deleted)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CustomerSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(
            organization=self.tenant.organization,
            actor=self.tenant.actor,
            **serializer.validated_fields(),
        )
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        serializer = CustomerSerializer(
            customer, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        updated = services.customer_update(
            customer=customer,
            actor=self.tenant.actor,
            data=serializer.validated_fields(),
            expected_version=requested_version(request, serializer.initial_data),
            actor_role=self.tenant.role,
        )
        return Response(self.get_serializer(updated).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.customer_delete(
            customer=self.get_object(),
            actor=self.tenant.actor,
            expected_version=requested_version(request, None),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def restore(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = services.customer_restore(customer=self.get_object(), actor=self.tenant.actor)
        return Response(self.get_serializer(customer).data)
