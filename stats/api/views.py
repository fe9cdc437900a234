"""`GET /trackings/{id}/stats/` and `GET /customers/{id}/stats/`: daily GA4 events, key events,
Ads conversions and value, with totals. Another organization's tracking or customer is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from stats.api.serializers import (
    CustomerStatsQuerySerializer,
    CustomerStatsSerializer,
    StatsQuerySerializer,
    TrackingStatsSerializer,
)
from stats.selectors import customer_daily_stats, local_today, tracking_daily_stats
from tenants.api.viewsets import OrganizationScopedViewSet
from trackings.models import Tracking


class TrackingStatsViewSet(OrganizationScopedViewSet):
    queryset = Tracking.objects.all()

    @extend_schema(
        operation_id="trackings_stats",
        parameters=[StatsQuerySerializer],
        responses=TrackingStatsSerializer,
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        tracking = self.get_scoped_object(
            Tracking.objects.select_related("customer").only("pk", "customer__time_zone"), pk
        )
        assert isinstance(tracking, Tracking)
        today = local_today(tracking.customer.time_zone)
        query = StatsQuerySerializer(data=_query(request), context={"today": today})
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        stats = tracking_daily_stats(
            organization_id=self.tenant.organization.pk,
            tracking_id=tracking.pk,
            period=period,
            today=today,
        )
        # Shaped here, not by serializers (they document it): 365 rows through DRF fields cost
        # more than the query.
        return Response({"from": period.start, "to": period.end, **stats})


class CustomerStatsViewSet(OrganizationScopedViewSet):
    queryset = Customer.objects.all()

    @extend_schema(
        operation_id="customers_stats",
        parameters=[CustomerStatsQuerySerializer],
        responses=CustomerStatsSerializer,
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_scoped_object(Customer.objects.only("pk", "time_zone"), pk)
        assert isinstance(customer, Customer)
        today = local_today(customer.time_zone)
        query = CustomerStatsQuerySerializer(data=_query(request), context={"today": today})
        query.is_valid(raise_exception=True)
        period, group_by = query.validated_data["period"], query.validated_data["group_by"]
        stats = customer_daily_stats(
            organization_id=self.tenant.organization.pk,
            customer_id=customer.pk,
            period=period,
            group_by=group_by,
            today=today,
        )
        return Response({"from": period.start, "to": period.end, "group_by": group_by, **stats})


def _query(request: Request) -> dict[str, str]:
    """The query as a plain dict: DRF reads a QueryDict as a form, where an empty `?to=` is
    "not sent"; the schema says a date, so an empty one is a 400 like any other non-date."""
    return request.query_params.dict()
