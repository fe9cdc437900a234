"""Deployments over REST: the dry-run plan, deploy now, health check, the deployment list and
detail with cancel and retry, published versions and rollback."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from integrations.api.schema import GOOGLE_ERROR_RESPONSES
from oneclicktag.core.filters import ChoiceFilter, FilterSet
from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import OrganizationScopedViewSet
from trackings.api.serializers.deployments import (
    ContainerVersionSerializer,
    DeploymentSerializer,
    PlanSerializer,
    RollbackSerializer,
)
from trackings.engine import customer_plan_preview, customer_rollback_check
from trackings.models import ContainerVersion, Deployment, DeploymentKind, DeploymentStatus
from trackings.services import deployments as services
from trackings.services.pending_changes import deployment_request_deploy


class DeploymentFilter(FilterSet):
    customer = filters.UUIDFilter(field_name="customer_id")
    status = ChoiceFilter(choices=DeploymentStatus.choices)
    kind = ChoiceFilter(choices=DeploymentKind.choices)

    class Meta:
        model = Deployment
        fields = ("customer", "status", "kind")


class DeploymentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    """`/deployments/`: every deployment of the organization, newest first."""

    queryset = Deployment.objects.all()
    serializer_class = DeploymentSerializer
    filterset_class = DeploymentFilter
    ordering_fields = ("created_at", "finished_at")

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # One query for every row's requested trackings, not one per row.
        return queryset.prefetch_related("requested")

    @extend_schema(request=None, responses={200: DeploymentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        deployment = services.deployment_cancel(
            deployment=self.get_object(), actor=self.tenant.actor
        )
        return Response(DeploymentSerializer(deployment).data)

    @extend_schema(request=None, responses={202: DeploymentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def retry(self, request: Request, pk: Any = None) -> Response:
        deployment = services.deployment_retry(
            deployment=self.get_object(), actor=self.tenant.actor
        )
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_202_ACCEPTED)


class CustomerDeploymentViewSet(OrganizationScopedViewSet):
    """`/customers/{id}/plan/`, `/deploy/`, `/health-check/`: work on one customer's container."""

    queryset = Deployment.objects.all()
    serializer_class = DeploymentSerializer

    def _customer(self, customer_pk: Any) -> Customer:
        customer = self.get_scoped_object(Customer.objects.all(), customer_pk)
        assert isinstance(customer, Customer)
        return customer

    @extend_schema(responses={200: PlanSerializer, **GOOGLE_ERROR_RESPONSES})
    def plan(self, request: Request, customer_pk: Any = None) -> Response:
        return Response(customer_plan_preview(customer=self._customer(customer_pk)))

    @extend_schema(request=None, responses={202: DeploymentSerializer})
    @idempotent
    def deploy(self, request: Request, customer_pk: Any = None) -> Response:
        deployment = deployment_request_deploy(
            customer=self._customer(customer_pk), actor=self.tenant.actor
        )
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: DeploymentSerializer},
        description="Compare live GTM and Ads with the desired state (a `check` deployment). "
        "Each tracking's `health` is recorded; when any is drifted or missing, a `repair` "
        "deployment is queued and named in the check's `plan.repair_deployment`.",
    )
    @idempotent
    def health_check(self, request: Request, customer_pk: Any = None) -> Response:
        deployment = services.deployment_request_health_check(
            customer=self._customer(customer_pk), actor=self.tenant.actor
        )
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_202_ACCEPTED)


class CustomerVersionViewSet(mixins.ListModelMixin, OrganizationScopedViewSet):
    """`/customers/{id}/versions/`: GTM versions we published; rollback republishes one."""

    queryset = ContainerVersion.objects.all()
    serializer_class = ContainerVersionSerializer
    ordering = ("-published_at",)
    ordering_fields = ("published_at",)

    def _customer(self) -> Customer:
        customer = self.get_scoped_object(Customer.objects.all(), self.kwargs["customer_pk"])
        assert isinstance(customer, Customer)
        return customer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(customer=self._customer())

    @extend_schema(
        request=RollbackSerializer, responses={202: DeploymentSerializer, **GOOGLE_ERROR_RESPONSES}
    )
    @idempotent
    def rollback(
        self, request: Request, customer_pk: Any = None, gtm_version_id: str = ""
    ) -> Response:
        serializer = RollbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, force = self._customer(), serializer.validated_data["force"]
        # Asks Google (read only) before anything is queued; the request waits for it.
        customer_rollback_check(customer=customer, gtm_version_id=gtm_version_id, force=force)
        deployment = services.deployment_request_rollback(
            customer=customer, actor=self.tenant.actor, gtm_version_id=gtm_version_id, force=force
        )
        return Response(DeploymentSerializer(deployment).data, status=status.HTTP_202_ACCEPTED)
