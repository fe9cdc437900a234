"""Helpers for enqueueing Celery tasks safely."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.db import transaction


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send the task only once the surrounding transaction commits, so the worker sees the rows.

    Pass ids, never model instances.
    """
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs))


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Hourly (beat): stored Idempotency-Key answers are kept 24 hours."""
    from oneclicktag.core.idempotency import idempotency_records_purge

    return idempotency_records_purge()
