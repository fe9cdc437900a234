"""The stats query (period, grouping) and the answers' shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from stats.selectors import GROUP_BY_DAY, GROUP_BY_TRACKING, StatsPeriod

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
                required=False,
                help_text="Last day, inclusive (default: today in the customer's time zone).",
            ),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The view knows whose today it is (the customer's time zone); UTC without it.
        end = attrs.get("to") or self.context.get("today") or timezone.now().date()
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
