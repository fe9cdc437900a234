"""Pending changes over REST: review before publish (`publish_policy: review`).

`GET /customers/{id}/changes/` and `.../changes/{change_id}/` show a customer's changes with
their field-level plan; `POST .../approve/` (admin and up) publishes exactly the reviewed plan,
or answers 409 with a fresh plan when GTM or the trackings moved on since.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from integrations.api.schema import GOOGLE_ERROR_RESPONSES
from oneclicktag.core.errors import error_body
from oneclicktag.core.filters import ChoiceFilter, FilterSet
from oneclicktag.core.idempotency import idempotent
from tenants.api.viewsets import UUID_LOOKUP, OrganizationScopedViewSet
from tenants.models import Role
from trackings.api.serializers.changes import (
    PLAN_CHANGED,
    PendingChangeDetailSerializer,
    PendingChangeSerializer,
)
from trackings.api.serializers.deployments import DeploymentSerializer
from trackings.engine import pending_change_check
from trackings.models import (
    CARRIED_TRACKING_IDS,
    CarriedTrackingIds,
    PendingChange,
    PendingChangeStatus,
)
from trackings.services import pending_changes as services


class PendingChangeFilter(FilterSet):
    status = ChoiceFilter(choices=PendingChangeStatus.choices)

    class Meta:
        model = PendingChange
        fields = ("status",)


@extend_schema_view(
    list=extend_schema(
        description="The customer's pending changes, newest first; at most one is `pending` "
        "(waiting for review) at a time. The plan is on the detail."
    ),
    retrieve=extend_schema(
        description="A pending change with its field-level plan: for every GTM tag, trigger "
        "and variable and every Google Ads conversion action it would create, update or "
        "delete, the entity before and after and the fields that differ. `plan` is null while "
        "it is computed (after each write the change absorbs)."
    ),
)
class CustomerChangeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationScopedViewSet
):
    queryset = PendingChange.objects.all()
    serializer_class = PendingChangeSerializer
    filterset_class = PendingChangeFilter
    lookup_url_kwarg = "change_id"
    lookup_value_regex = UUID_LOOKUP
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at",)
    # Approving publishes to the customer's live container: as a Google connection, admins.
    action_roles = {"approve": Role.ADMIN}

    def _customer(self) -> Customer:
        customer = self.get_scoped_object(Customer.objects.all(), self.kwargs["customer_pk"])
        assert isinstance(customer, Customer)
        return customer

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return queryset
        queryset = queryset.filter(customer=self._customer()).annotate(
            # The trackings each change carries, read with its row (no query per change).
            **{CARRIED_TRACKING_IDS: CarriedTrackingIds()}
        )
        # A list does not carry the plans (they can be large); the detail does.
        return queryset.defer("plan") if self.action == "list" else queryset

    def get_serializer_class(self) -> Any:
        return PendingChangeSerializer if self.action == "list" else PendingChangeDetailSerializer

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(
                DeploymentSerializer, "Approved: the deployment that publishes its plan."
            ),
            409: OpenApiResponse(
                PLAN_CHANGED,
                "Not approved, nothing queued: the plan made now differs from the one stored "
                "(GTM has another live version, the trackings or Google Ads changed, or the "
                "plan was not made yet): `change` carries the fresh plan to review "
                "(`pending_change_plan_changed`). Or the change was approved already "
                "(`pending_change_approved`), or the Google connection needs attention.",
            ),
            502: GOOGLE_ERROR_RESPONSES[502],
            503: GOOGLE_ERROR_RESPONSES[503],
        },
        description="Approve the change (admin and up): its plan is made again from GTM's "
        "live version and Google Ads; when it is the plan stored (what was reviewed), a "
        "deployment publishing exactly it is queued and linked to the change.",
    )
    @idempotent
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        # Asks Google (read only) before anything is queued; the request waits for it.
        reason = pending_change_check(change=change)
        if reason is not None:
            body = error_body(
                "pending_change_plan_changed",
                f"Not approved, nothing was published: {reason} Review the fresh plan, then "
                "approve again.",
            )
            body["change"] = PendingChangeDetailSerializer(change).data
            return Response(body, status=status.HTTP_409_CONFLICT)
        approved = services.pending_change_approve(
            change=change, actor=self.tenant.actor, revision=change.revision
        )
        assert approved.deployment is not None
        return Response(
            DeploymentSerializer(approved.deployment).data, status=status.HTTP_202_ACCEPTED
        )
