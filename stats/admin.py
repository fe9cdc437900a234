"""Staff console: a 30-day chart on every customer's page and the silent trackings of every
organization."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString

from customers.admin import CustomerAdmin
from customers.models import Customer
from oneclicktag.core.admin_site import IndexPanel, add_index_panel
from stats.charts import Series, daily_chart_svg, stacked_daily_chart_svg
from stats.models import SilentTracking, TrackingVolume
from stats.selectors import GROUP_BY_DAY, StatsPeriod, customer_daily_stats, local_today
from trackings.models import DeploymentStatus, VolumeStatus
from trackings.selectors import UNFINISHED, deployments_per_day_by_outcome

CHART_DAYS = 30


@admin.display(description=f"last {CHART_DAYS} days")
def last_30_days(model_admin: Any, customer: Customer) -> SafeString:
    end = local_today(customer.time_zone)
    period = StatsPeriod(start=end - timedelta(days=CHART_DAYS - 1), end=end)
    stats = customer_daily_stats(
        organization_id=customer.organization_id,
        customer_id=customer.pk,
        period=period,
        group_by=GROUP_BY_DAY,
        today=end,
    )
    return daily_chart_svg(stats["results"])


# Added from here: customers sits below stats in the dependency direction and cannot import it.
CustomerAdmin.last_30_days = last_30_days  # type: ignore[attr-defined]
CustomerAdmin.readonly_fields = (*CustomerAdmin.readonly_fields, "last_30_days")  # type: ignore[assignment]
CustomerAdmin.fields = (*(CustomerAdmin.fields or ()), "last_30_days")  # type: ignore[assignment]


INDEX_CHART_DAYS = 14
DEPLOYMENT_SERIES = [
    Series(DeploymentStatus.SUCCEEDED, "succeeded", "#5a9e4b"),
    Series(DeploymentStatus.PARTIALLY_FAILED, "partially failed", "#e0a030"),
    Series(DeploymentStatus.FAILED, "failed", "#ba2121"),
    Series(DeploymentStatus.CANCELLED, "cancelled", "#999999"),
    Series(UNFINISHED, "queued or running", "#79aec8"),
]


def deployments_chart() -> IndexPanel:
    """The admin index's 14-day chart of deployments by outcome (every organization)."""
    today = timezone.now().date()
    rows = deployments_per_day_by_outcome(
        first_day=today - timedelta(days=INDEX_CHART_DAYS - 1), last_day=today
    )
    return IndexPanel(
        id="deployments-chart",
        title=f"Deployments of the last {INDEX_CHART_DAYS} days by outcome (every organization)",
        html=stacked_daily_chart_svg(
            rows, series=DEPLOYMENT_SERIES, label="Deployments per day by outcome"
        ),
    )


add_index_panel(deployments_chart)


class _VolumeAdminBase(admin.ModelAdmin[TrackingVolume]):
    list_display = (
        "tracking_name",
        "organization",
        "customer_name",
        "status",
        "silent_since",
        "last_count",
        "baseline",
        "judged_day",
        "likely_cause",
    )
    list_select_related = ("tracking", "tracking__customer", "organization", "likely_cause")
    search_fields = ("tracking__name", "tracking__customer__name", "organization__name")
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the alarm writes these; staff read them

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="tracking", ordering="tracking__name")
    def tracking_name(self, volume: TrackingVolume) -> str:
        return volume.tracking.name

    @admin.display(description="customer", ordering="tracking__customer__name")
    def customer_name(self, volume: TrackingVolume) -> str:
        return volume.tracking.customer.name


@admin.register(TrackingVolume)
class TrackingVolumeAdmin(_VolumeAdminBase):
    list_filter = ("status", "judged_day")


@admin.register(SilentTracking)
class SilentTrackingAdmin(_VolumeAdminBase):
    ordering = ("silent_since",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrackingVolume]:
        return super().get_queryset(request).filter(status=VolumeStatus.SILENT)
