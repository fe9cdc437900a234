"""Webhook endpoints over REST (admin and up): register, list, change, delete, rotate the secret,
list deliveries and redeliver one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.models import Role
from webhooks import services
from webhooks.api.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWithSecretSerializer,
)
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


def _with_secret(endpoint: WebhookEndpoint, secret: str) -> dict[str, Any]:
    data = dict(WebhookEndpointSerializer(endpoint).data)
    data["secret"] = secret
    return data


@extend_schema_view(
    list=extend_schema(summary="Webhook endpoints of the organization (admin)"),
    retrieve=extend_schema(summary="One webhook endpoint (admin)"),
    create=extend_schema(
        summary="Register a webhook endpoint (admin); the `secret` is shown only in this answer",
        responses={201: WebhookEndpointWithSecretSerializer},
    ),
    partial_update=extend_schema(summary="Change a webhook endpoint (admin)"),
    destroy=extend_schema(summary="Delete a webhook endpoint (admin); its deliveries are kept"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    ordering_fields = ("created_at", "url")
    search_fields = ("url", "description")
    lookup_value_regex = UUID_LOOKUP
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    read_role = Role.ADMIN
    write_role = Role.ADMIN

    @idempotent(redact=("secret",))
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = WebhookEndpointSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.webhook_endpoint_create(
            organization=self.tenant.organization,
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            actor=self.tenant.actor,
        )
        return Response(
            _with_secret(created.endpoint, created.secret), status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        serializer = WebhookEndpointSerializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        updated = services.webhook_endpoint_update(
            endpoint=endpoint, data=dict(serializer.validated_data), actor=self.tenant.actor
        )
        return Response(WebhookEndpointSerializer(updated).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.webhook_endpoint_delete(endpoint=self.get_object(), actor=self.tenant.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret (admin): the new one is shown once; the old one "
        "keeps signing alongside it for 24 hours",
        request=None,
        responses=WebhookEndpointWithSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    @idempotent(redact=("secret",))
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=self.tenant.actor)
        return Response(_with_secret(endpoint, secret))

    @extend_schema(
        summary="Send a `ping` event to this endpoint now (admin)",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        delivery = services.webhook_endpoint_ping(endpoint=endpoint)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Deliveries to this endpoint, newest first (admin)",
        parameters=[
            OpenApiParameter(
                "status", str, enum=DeliveryStatus.values, description="Only deliveries in it."
            )
        ],
        responses=WebhookDeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        queryset = WebhookDelivery.objects.filter(
            organization=self.tenant.organization, endpoint=endpoint
        )
        status_filter = request.query_params.get("status")
        if status_filter:
            if status_filter not in DeliveryStatus.values:
                raise serializers.ValidationError(
                    {"status": [f"Choose one of {', '.join(DeliveryStatus.values)}."]}
                )
            queryset = queryset.filter(status=status_filter)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        summary="Send a delivery again (admin): same event id and body, a new delivery record",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=f"deliveries/(?P<delivery_id>{UUID_LOOKUP})/redeliver",
    )
    @idempotent
    def redeliver(self, request: Request, *args: Any, delivery_id: str, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        delivery = self.get_scoped_object(
            WebhookDelivery.objects.filter(endpoint=endpoint).select_related("endpoint"),
            delivery_id,
        )
        assert isinstance(delivery, WebhookDelivery)
        copy = services.webhook_delivery_redeliver(delivery=delivery, actor=self.tenant.actor)
        return Response(WebhookDeliverySerializer(copy).data, status=status.HTTP_202_ACCEPTED)
