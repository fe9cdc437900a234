"""Staff see what beat runs: every entry of the schedule in code, how often, and its last run."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from oneclicktag.core.models import ScheduledJob
from oneclicktag.core.schedules import schedule_entries, scheduled_jobs_sync


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin[ScheduledJob]):
    list_display = (
        "name",
        "every",
        "task",
        "last_started_at",
        "last_finished_at",
        "last_outcome",
        "last_result",
        "runs",
        "failures",
    )
    list_filter = ("last_outcome",)
    readonly_fields = (*list_display, "last_error")
    fields = readonly_fields

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # An entry added to the code shows at once, before it ever ran.
        scheduled_jobs_sync()
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScheduledJob]:
        # Rows of entries since removed from the code are history, not schedules.
        names = [entry.name for entry in schedule_entries()]
        return super().get_queryset(request).filter(name__in=names)

    @admin.display(description="how often")
    def every(self, job: ScheduledJob) -> str:
        return {entry.name: entry.every for entry in schedule_entries()}.get(job.name, "")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the schedule is code (oneclicktag/celery.py)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
