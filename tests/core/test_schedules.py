"""What beat runs is visible in the admin: every entry of the schedule in oneclicktag/celery.py
(health checks, sweeps, digests, stats, site checks, ...) with how often, the task, and its last
run and outcome, recorded by the worker that ran it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery import current_app, shared_task
from celery.schedules import crontab
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from oneclicktag.core.models import ScheduledJob, ScheduleOutcome
from oneclicktag.core.schedules import schedule_entries, scheduled_job_started
from tenants.models import User
from tests.fixtures.trackings import wait_for

CHANGELIST = "/admin/core/scheduledjob/"


@pytest.fixture
def staff(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="staff@oneclicktag.example"))
    return client


@shared_task(name="tests.failing_scheduled_job")
def failing_scheduled_job() -> None:
    raise RuntimeError("the job broke")


@pytest.fixture
def failing_entry() -> Iterator[str]:
    """A beat entry whose task fails, added to the schedule as the code would add it."""
    original = current_app.conf.beat_schedule
    current_app.conf.beat_schedule = {
        **original,
        "test-failing-job": {
            "task": "tests.failing_scheduled_job",
            "schedule": crontab(minute="15", hour="4"),
        },
    }
    try:
        yield "test-failing-job"
    finally:
        current_app.conf.beat_schedule = original


def _rows(staff: Client) -> dict[str, Any]:
    response = staff.get(CHANGELIST)
    assert response.status_code == 200
    return {job.name: job for job in response.context["cl"].queryset}


def test_every_entry_of_the_schedule_in_code_is_listed_with_how_often_and_its_task(
    staff: Client,
) -> None:
    listed = _rows(staff)
    html = staff.get(CHANGELIST).content.decode()

    assert set(listed) == set(current_app.conf.beat_schedule)
    for name in (
        "schedule-health-checks",
        "sweep-deployments",
        "send-daily-digests",
        "pull-stats",
        "schedule-site-checks",
    ):
        assert name in listed, name
    for entry in schedule_entries():
        assert listed[entry.name].task == entry.task
        assert entry.every in html
    assert "every 100 s" in html  # health checks look every GTM quota window
    assert "every 20 s" in html  # the deployment sweep
    # Read-only: the schedule is code.
    assert staff.get(f"{CHANGELIST}add/").status_code == 403
    job = ScheduledJob.objects.get(name="pull-stats")
    assert staff.post(f"{CHANGELIST}{job.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_run_records_when_it_ran_and_what_it_returned(staff: Client) -> None:
    current_app.tasks["core.purge_idempotency_records"].apply()
    current_app.tasks["core.purge_idempotency_records"].apply()

    job = _rows(staff)["purge-idempotency-records"]
    assert job.last_outcome == ScheduleOutcome.SUCCEEDED
    assert job.last_result == "0"
    assert (job.runs, job.failures) == (2, 0)
    assert job.last_started_at is not None
    assert job.last_finished_at is not None
    assert job.last_finished_at >= job.last_started_at
    never = _rows(staff)["send-daily-digests"]
    assert (never.last_outcome, never.runs, never.last_started_at) == ("", 0, None)


def test_a_failed_run_shows_failed_with_its_error_and_a_crontab_reads_as_one(
    staff: Client, failing_entry: str
) -> None:
    current_app.tasks["tests.failing_scheduled_job"].apply()

    job = _rows(staff)[failing_entry]
    assert job.last_outcome == ScheduleOutcome.FAILED
    assert job.last_error == "RuntimeError: the job broke"
    assert (job.runs, job.failures) == (1, 1)
    html = staff.get(CHANGELIST).content.decode()
    assert "crontab 15 4 * * * (UTC)" in html
    detail = staff.get(f"{CHANGELIST}{job.pk}/change/").content.decode()
    assert "RuntimeError: the job broke" in detail


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_run_beat_sent(celery_workers: Any) -> None:
    celery_workers.start(purge=True)

    current_app.send_task("trackings.sweep_deployments")  # what beat sends every 20 s

    job = wait_for(
        lambda: ScheduledJob.objects.filter(
            name="sweep-deployments", last_outcome=ScheduleOutcome.SUCCEEDED
        ).first(),
        timeout=60,
        what="the worker to record the sweep",
    )
    assert job.runs == 1
    assert job.last_result == "0"


@pytest.mark.django_db
def test_recording_a_start_is_one_update_once_the_entry_has_its_row() -> None:
    with CaptureQueriesContext(connection) as first:
        scheduled_job_started(task_name="trackings.sweep_deployments")
    with CaptureQueriesContext(connection) as second:
        scheduled_job_started(task_name="trackings.sweep_deployments")

    assert len(first) == 3  # the update that finds no row, the rows made, the update
    assert len(second) == 1
    assert ScheduledJob.objects.get(name="sweep-deployments").runs == 2
