"""Helpers for enqueueing Celery tasks safely."""

from __future__ import annotations

from typing import Any

from celery import current_app, shared_task
from django.db import transaction


def enqueue_on_commit(task_name: str, *args: Any, countdown: float | None = None) -> None:
    """Send the task named `task_name` once the surrounding transaction commits, so the worker
    sees the rows. By name: a service that queues work never imports the module that does it
    (the task imports the service, not the other way round). Pass ids, never model instances.

    A signature by name is the registered task when this process knows it (so the task's own
    options and CELERY_TASK_ALWAYS_EAGER hold), else a plain send to the broker.
    """
    signature = current_app.signature(task_name, args=args, countdown=countdown)
    # robust: a broker that went away after the commit must not turn a done write into a 500;
    # the failure is logged and the beat sweeps send queued work again.
    transaction.on_commit(signature.apply_async, robust=True)


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Hourly (beat): stored Idempotency-Key answers are kept 24 hours."""
    from oneclicktag.core.idempotency import idempotency_records_purge

    return idempotency_records_purge()
