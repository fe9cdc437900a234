"""`GET /trackings/{id}/stats/` and `GET /customers/{id}/stats/`: daily GA4 events, key events,
Ads conversions and value, with totals. Another organization's tracking or customer is a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from customers.models import Customer
from stats.selectors import (
    GROUP_BY_DAY,
    GROUP_BY_TRACKING,
    StatsPeriod,
    customer_daily_stats,
    tracking_daily_stats,
)
from tenants.api.viewsets import OrganizationScopedViewSet
from trackings.models import Tracking

DEFAULT_DAYS = 30
# 13 months are kept; one request may span them all.
MAX_DAYS = 396


class StatsQuerySerializer(serializers.Serializer[Any]):
    """`?from=&to=` (ISO dates, inclusive). `from` is a Python keyword, hence get_fields."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(
                required=False, help_text="First day (default: 29 days before `to`)."
            ),
            "to": serializers.DateField(
                required=False, help_text="Last day, inclusive (default: today, UTC)."
            ),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("to") or timezone.now().date()
        start = attrs.get("from") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"from": [f"At most {MAX_DAYS} days at once."]})
        return {**attrs, "period": StatsPeriod(start=start, end=end)}


class CustomerStatsQuerySerializer(StatsQuerySerializer):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            **super().get_fields(),
            "group_by": serializers.ChoiceField(
                choices=(GROUP_BY_DAY, GROUP_BY_TRACKING),
                required=False,
                default=GROUP_BY_DAY,
                help_text="One row per day (the default) or per tracking.",
            ),
        }


class MetricsSerializer(serializers.Serializer[Any]):
    events = serializers.IntegerField(help_text="GA4 eventCount of the trackings' events.")
    key_events = serializers.IntegerField(help_text="GA4 keyEvents of the trackings' events.")
    conversions = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False, help_text="Google Ads."
    )
    all_conversions = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=False
    )
    conversions_value = serializers.DecimalField(
        max_digits=18, decimal_places=2, coerce_to_string=False
    )


class DayStatsSerializer(MetricsSerializer):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # `partial` would shadow the serializer's own attribute of that name.
        return {
            "day": serializers.DateField(),
            **super().get_fields(),
            "partial": serializers.BooleanField(
                help_text="True for today: Google is still counting."
            ),
        }


class TrackingRowStatsSerializer(MetricsSerializer):
    tracking = serializers.UUIDField()


class TrackingStatsSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "totals": MetricsSerializer(),
            "results": DayStatsSerializer(many=True),
        }


class CustomerStatsSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "from": serializers.DateField(),
            "to": serializers.DateField(),
            "group_by": serializers.ChoiceField(choices=(GROUP_BY_DAY, GROUP_BY_TRACKING)),
            "totals": MetricsSerializer(),
            "results": serializers.ListField(
                child=serializers.DictField(),
                help_text="Rows shaped like DayStats (`group_by=day`) or TrackingRowStats "
                "(`group_by=tracking`, trackings with rows in the range).",
            ),
        }


class TrackingStatsViewSet(OrganizationScopedViewSet):
    queryset = Tracking.objects.all()

    @extend_schema(
        operation_id="trackings_stats",
        parameters=[StatsQuerySerializer],
        responses=TrackingStatsSerializer,
    )
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        query = StatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        tracking = self.get_scoped_object(Tracking.objects.only("pk"), pk)
        stats = tracking_daily_stats(
            organization_id=self.tenant.organization.pk, tracking_id=tracking.pk, period=period
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
        query = CustomerStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period, group_by = query.validated_data["period"], query.validated_data["group_by"]
        customer = self.get_scoped_object(Customer.objects.only("pk"), pk)
        stats = customer_daily_stats(
            organization_id=self.tenant.organization.pk,
            customer_id=customer.pk,
            period=period,
            group_by=group_by,
        )
        return Response({"from": period.start, "to": period.end, "group_by": group_by, **stats})
