"""Trackings over REST: the catalog, CRUD with filters, and bulk creation.

Writes answer 202 with the tracking and the deployment that carries it to Google (201/200 with
`deployment: null` when the customer has no Google connection to deploy with yet).
"""

from __future__ import annotations

import threading
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.filters import filter_by_tag
from oneclicktag.core.concurrency import ETagMixin, requested_version
from oneclicktag.core.errors import error_body
from oneclicktag.core.fast_input import plain_input
from oneclicktag.core.filters import ChoiceFilter, FilterBackend, FilterSet
from oneclicktag.core.idempotency import idempotent
from oneclicktag.core.renderers import FastJSONRenderer
from oneclicktag.core.schema import ErrorDetailSerializer, ErrorSerializer
from tenants.api.viewsets import OrganizationScopedViewSet
from trackings.api.serializers.trackings import (
    DESTINATIONS,
    TrackingBulkResultSerializer,
    TrackingBulkSerializer,
    TrackingCreateSerializer,
    TrackingSerializer,
    TrackingTypePageSerializer,
    TrackingTypeSerializer,
    TrackingUpdateSerializer,
    TrackingWriteResultSerializer,
    flatten_errors,
)
from trackings.catalog import all_tracking_types, get_tracking_type
from trackings.models import (
    SiteScreenshot,
    SiteStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
    VolumeStatus,
)
from trackings.search import SEARCHED_FIELDS, TrackingSearchFilter
from trackings.services import trackings as services
from trackings.services.tracking_requests import Errors, TrackingRequest


class JpegRenderer(BaseRenderer):
    """Lets a client ask for `Accept: image/jpeg`; the image itself is a plain HttpResponse."""

    media_type = "image/jpeg"
    format = "jpg"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        # Reached by errors only (a 404 asked for as an image): they stay JSON.
        return FastJSONRenderer().render(data, "application/json", renderer_context)


class TrackingTypeListView(APIView):
    """The tracking-type catalog: every type with its config JSON Schema and destinations."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(operation_id="tracking_types_list", responses=TrackingTypePageSerializer)
    def get(self, request: Request) -> Response:
        types = TrackingTypeSerializer(all_tracking_types(), many=True).data  # type: ignore[arg-type]
        # The whole catalog fits one page; the list shape is the API's usual one.
        return Response({"next": None, "previous": None, "results": types})


class TrackingTypeDetailView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=TrackingTypeSerializer)
    def get(self, request: Request, key: str) -> Response:
        try:
            tracking_type = get_tracking_type(key)
        except KeyError:
            raise NotFound(f"No tracking type '{key}'.") from None
        return Response(TrackingTypeSerializer(tracking_type).data)


class TrackingFilter(FilterSet):
    customer = django_filters.UUIDFilter(field_name="customer_id")
    type = django_filters.CharFilter(field_name="type", max_length=64)
    status = ChoiceFilter(choices=TrackingStatus.choices)
    health = ChoiceFilter(choices=TrackingHealth.choices)
    destination = ChoiceFilter(choices=[(d, d) for d in DESTINATIONS], method="filter_destination")
    # The tracking's own copy of the stats app's judgment (`learning` until judged).
    volume_status = ChoiceFilter(choices=VolumeStatus.choices)
    # `unknown`: never site-checked (the API's null).
    site_status = ChoiceFilter(
        choices=[*SiteStatus.choices, ("unknown", "Unknown")], method="filter_site_status"
    )

    class Meta:
        model = Tracking
        fields = (
            "customer",
            "type",
            "status",
            "health",
            "destination",
            "volume_status",
            "site_status",
        )

    def filter_destination(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return filter_by_tag(queryset, value, field="destinations")

    def filter_site_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(site_status="" if value == "unknown" else value)


BULK_ERROR = inline_serializer(
    name="TrackingBulkError",
    fields={
        "error": ErrorDetailSerializer,
        "errors": serializers.DictField(
            child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            required=False,
            help_text='Item index -> {"field": ["message"]}.',
        ),
    },
)

_WRITE_RESPONSES = {
    202: OpenApiResponse(TrackingWriteResultSerializer, "Saved; a deployment was queued."),
    200: OpenApiResponse(TrackingWriteResultSerializer, "Saved; nothing to deploy."),
}


@extend_schema_view(
    create=extend_schema(
        request=TrackingCreateSerializer,
        responses={
            202: OpenApiResponse(TrackingWriteResultSerializer, "Created; a deployment queued."),
            201: OpenApiResponse(
                TrackingWriteResultSerializer,
                "Created; nothing queued: a draft, a customer without a Google connection, or "
                "one that publishes after review (`pending_change` names the change it waits "
                "in).",
            ),
        },
    ),
    partial_update=extend_schema(request=TrackingUpdateSerializer, responses=_WRITE_RESPONSES),
    destroy=extend_schema(
        responses={
            202: OpenApiResponse(
                TrackingWriteResultSerializer,
                "Removal from Google queued, or waiting in the customer's pending change "
                "(`publish_policy: review`).",
            ),
            204: OpenApiResponse(description="Never reached Google; deleted at once."),
        }
    ),
)
class TrackingViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganizationScopedViewSet,
):
    # With the soft deleted rows, which scope_queryset hides again but for `?status=removed`.
    # Annotated once here rather than per request: resolving the expression was part of a
    # twentieth of a list request (issue 15).
    queryset = Tracking.all_objects.annotate(
        has_site_screenshot=Exists(SiteScreenshot.objects.filter(tracking=OuterRef("pk"))),
    )
    serializer_class = TrackingSerializer
    filterset_class = TrackingFilter
    # `?search=` asked as one indexed expression (trackings/search.py); the answer is DRF's.
    filter_backends = (FilterBackend, TrackingSearchFilter, OrderingFilter)
    search_fields = SEARCHED_FIELDS
    ordering_fields = ("created_at", "updated_at", "name", "status", "type")
    # Rows of one status or type come newest first (oldest first under `-status`): the order of
    # the (organization, status | type, -created_at, -id) indexes the filters use, so one index
    # serves these orderings too. The others break ties by id (core/pagination.py).
    ordering_ties = {"status": ("-created_at", "-id"), "type": ("-created_at", "-id")}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    versioned = True

    def scope_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # Removed trackings are soft deleted: only `?status=removed` lists them.
        wants_removed = (
            self.action == "list" and self.request.query_params.get("status") == "removed"
        )
        return queryset.filter(deleted__isnull=not wants_removed)

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, "The JPEG."),
            404: OpenApiResponse(
                ErrorSerializer,
                "No such tracking (or another organization's), or no screenshot yet.",
            ),
        },
        description="The last site check's picture of the tracking's match on the customer's "
        "page (outlined), or of the page when nothing matched.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="site-screenshot",
        renderer_classes=[FastJSONRenderer, JpegRenderer],
    )
    def site_screenshot(self, request: Request, pk: Any = None) -> HttpResponse:
        tracking = self.get_object()
        shot = SiteScreenshot.objects.filter(
            organization=self.tenant.organization, tracking=tracking
        ).first()
        if shot is None:
            raise NotFound("This tracking has no site check screenshot yet.")
        response = HttpResponse(bytes(shot.image), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=60"
        return response

    def _written(self, result: services.TrackingWrite, *, quiet_status: int) -> Response:
        context = {
            **self.get_serializer_context(),
            "deployment": result.deployment,
            "pending_change": result.pending_change,
        }
        body = TrackingWriteResultSerializer(result.tracking, context=context).data
        code = status.HTTP_202_ACCEPTED if result.deployment is not None else quiet_status
        return Response(body, status=code)

    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        validator = _create_validator()
        validated = plain_input(validator, request.data) or validator.run_validation(request.data)
        result = services.tracking_create(
            organization=self.tenant.organization,
            actor=self.tenant.actor,
            customer_id=validated["customer"],
            spec=validator.spec(validated),
        )
        return self._written(result, quiet_status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tracking = self.get_object()
        serializer = TrackingUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        result = services.tracking_update(
            tracking=tracking,
            actor=self.tenant.actor,
            changes=serializer.spec_fields(),
            expected_version=requested_version(request, serializer.initial_data),
            allow_auto_collected_event_name=serializer.validated_data.get(
                "allow_auto_collected_event_name", False
            ),
        )
        return self._written(result, quiet_status=status.HTTP_200_OK)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        result = services.tracking_delete(
            tracking=self.get_object(),
            actor=self.tenant.actor,
            expected_version=requested_version(request, None),
        )
        if result.deployment is None and result.pending_change is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._written(result, quiet_status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={
            202: OpenApiResponse(TrackingWriteResultSerializer, "Published; a deployment queued."),
            200: OpenApiResponse(
                TrackingWriteResultSerializer,
                "Published; it waits in the customer's pending change (`publish_policy: "
                "review`), or for a Google connection to deploy with.",
            ),
        },
        description="Publish a draft: it becomes `pending` and goes to GTM like any write. "
        "Only a draft can be published (409 otherwise). Takes the `version` you read as "
        "`If-Match`.",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        result = services.tracking_publish_draft(
            tracking=self.get_object(),
            actor=self.tenant.actor,
            expected_version=requested_version(request, None),
        )
        return self._written(result, quiet_status=status.HTTP_200_OK)

    @extend_schema(
        request=TrackingBulkSerializer,
        responses={
            202: TrackingBulkResultSerializer,
            201: TrackingBulkResultSerializer,
            400: OpenApiResponse(
                BULK_ERROR,
                "Invalid input; for invalid items, `errors` maps each item's index to its "
                "field errors, and nothing was created.",
            ),
        },
        description="Create up to 500 trackings, all or nothing, one deployment per customer. "
        'Invalid items answer 400 with `errors` keyed by item index: `{"errors": {"3": '
        '{"config.selector": ["..."]}}}`.',
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        envelope = TrackingBulkSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        raw_items = envelope.validated_data["trackings"]
        parsed: list[tuple[Any, TrackingRequest | Errors]] = []
        item_serializer = _create_validator()
        for raw in raw_items:
            try:
                validated = plain_input(item_serializer, raw) or item_serializer.run_validation(raw)
            except ValidationError as error:
                parsed.append((raw.get("customer"), flatten_errors(error.detail)))
            else:
                parsed.append((validated["customer"], item_serializer.spec(validated)))
        try:
            result = services.tracking_bulk_create(
                organization=self.tenant.organization, actor=self.tenant.actor, items=parsed
            )
        except services.BulkValidationError as error:
            return _bulk_error_response(error)
        body = TrackingBulkResultSerializer(result, context=self.get_serializer_context()).data
        code = status.HTTP_202_ACCEPTED if result.deployments else status.HTTP_201_CREATED
        return Response(body, status=code)


_validators = threading.local()


def _create_validator() -> TrackingCreateSerializer:
    """One create serializer per thread, validating every body it is given (as a
    ListSerializer's child does): building its fields took a quarter of its validation, and
    a bulk request would build them once an item. It keeps no state between bodies:
    `run_validation` returns what it read, and this serializer reads no context."""
    validator = getattr(_validators, "create", None)
    if validator is None:
        validator = _validators.create = TrackingCreateSerializer()
    return validator


def _bulk_error_response(error: services.BulkValidationError) -> Response:
    fields = {
        f"trackings.{index}.{name}": messages
        for index, item in sorted(error.item_errors.items())
        for name, messages in item.items()
    }
    bad = ", ".join(str(index) for index in sorted(error.item_errors))
    body = error_body(
        "validation_error", f"Invalid trackings at index {bad}; none was created.", fields
    )
    body["errors"] = {str(index): item for index, item in sorted(error.item_errors.items())}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)
