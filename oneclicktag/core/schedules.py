"""What beat runs, read from the schedule in code (oneclicktag/celery.py), and the last run of
each entry, recorded by the worker around the task (Celery's task_prerun/task_postrun signals).

A run is recorded for every entry naming the task, whoever sent it (beat, or staff running it by
hand from a shell): the question it answers is "did this job last work, and when".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun
from django.db import DatabaseError, models
from django.utils import timezone

from oneclicktag.core.models import ScheduledJob, ScheduleOutcome

logger = logging.getLogger(__name__)

RESULT_MAX_LENGTH = 200
ERROR_MAX_LENGTH = 2000


@dataclass(frozen=True)
class ScheduleEntry:
    name: str
    task: str
    every: str


def _describe(schedule: Any) -> str:
    """`every 20 s`, `every 3 h`, `every 24 h` or a crontab's five fields."""
    if isinstance(schedule, crontab):
        fields = (
            schedule._orig_minute,
            schedule._orig_hour,
            schedule._orig_day_of_month,
            schedule._orig_month_of_year,
            schedule._orig_day_of_week,
        )
        return "crontab " + " ".join(str(field) for field in fields) + " (UTC)"
    seconds = getattr(schedule, "run_every", schedule)
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    seconds = float(seconds)
    if seconds % 3600 == 0:
        return f"every {seconds / 3600:g} h"
    if seconds % 60 == 0 and seconds >= 600:
        return f"every {seconds / 60:g} min"
    return f"every {seconds:g} s"


def schedule_entries() -> list[ScheduleEntry]:
    """The beat schedule as the code defines it, by entry name."""
    schedule = current_app.conf.beat_schedule or {}
    return [
        ScheduleEntry(name=name, task=str(entry["task"]), every=_describe(entry["schedule"]))
        for name, entry in sorted(schedule.items())
    ]


def scheduled_jobs_sync() -> None:
    """A row for every entry of the schedule (one INSERT; existing rows are kept as they are),
    so an entry that never ran is listed too."""
    ScheduledJob.objects.bulk_create(
        [ScheduledJob(name=entry.name, task=entry.task) for entry in schedule_entries()],
        ignore_conflicts=True,
    )


def _entry_names(task_name: str) -> list[str]:
    return [entry.name for entry in schedule_entries() if entry.task == task_name]


def scheduled_job_started(*, task_name: str) -> None:
    names = _entry_names(task_name)
    if not names:
        return
    values = {
        "task": task_name,
        "last_started_at": timezone.now(),
        "last_outcome": ScheduleOutcome.RUNNING,
        "runs": models.F("runs") + 1,
    }
    # One UPDATE a run. An entry's first run makes its row, then counts it like the others.
    if ScheduledJob.objects.filter(name__in=names).update(**values) < len(names):
        scheduled_jobs_sync()
        ScheduledJob.objects.filter(name__in=names, runs=0).update(**values)


def scheduled_job_finished(*, task_name: str, error: BaseException | None, result: Any) -> None:
    names = _entry_names(task_name)
    if not names:
        return
    jobs = ScheduledJob.objects.filter(name__in=names)
    now = timezone.now()
    if error is None:
        jobs.update(
            last_finished_at=now,
            last_outcome=ScheduleOutcome.SUCCEEDED,
            last_result=repr(result)[:RESULT_MAX_LENGTH],
            last_error="",
        )
    else:
        jobs.update(
            last_finished_at=now,
            last_outcome=ScheduleOutcome.FAILED,
            last_result="",
            last_error=f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH],
            failures=models.F("failures") + 1,
        )


# Recording must never be why a job fails: a database hiccup here is logged, the task goes on.


def _on_task_prerun(sender: Any = None, task: Any = None, **kwargs: Any) -> None:
    try:
        scheduled_job_started(task_name=str(getattr(task, "name", sender)))
    except DatabaseError as exc:
        logger.warning("Scheduled job start not recorded", extra={"error": type(exc).__name__})


def _on_task_postrun(
    sender: Any = None, task: Any = None, retval: Any = None, state: str | None = None, **kw: Any
) -> None:
    error = retval if state == "FAILURE" and isinstance(retval, BaseException) else None
    if state not in ("SUCCESS", "FAILURE"):
        return  # a retry: the run that follows records the outcome
    try:
        scheduled_job_finished(
            task_name=str(getattr(task, "name", sender)), error=error, result=retval
        )
    except DatabaseError as exc:
        logger.warning("Scheduled job end not recorded", extra={"error": type(exc).__name__})


def connect_schedule_recording() -> None:
    task_prerun.connect(_on_task_prerun, dispatch_uid="oneclicktag.schedule_prerun", weak=False)
    task_postrun.connect(_on_task_postrun, dispatch_uid="oneclicktag.schedule_postrun", weak=False)
