"""A running deployment's heartbeat: its row's `updated_at`, touched every
DEPLOYMENT_HEARTBEAT_SECONDS by a thread beside the run.

Progress writes alone left gaps of minutes (a slow Google call, a long bulk update), so a dead
worker's deployment could only be presumed dead after ten. With a steady beat the sweep
re-sends a running deployment once its beat is `heartbeat_stale_after()` old, and the next run
takes it over (on PostgreSQL only if the container's lock is free, i.e. its runner is really
gone): within a minute of a worker crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from trackings.models import RUNNING_STATUSES, Deployment

logger = logging.getLogger(__name__)


@contextmanager
def deployment_heartbeat(deployment: Deployment) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.DEPLOYMENT_HEARTBEAT_SECONDS):
                try:
                    Deployment.objects.filter(
                        organization_id=deployment.organization_id,
                        pk=deployment.pk,
                        status__in=RUNNING_STATUSES,
                    ).update(updated_at=timezone.now())
                except DatabaseError:
                    # One missed beat is no harm; the run itself will meet a lasting outage.
                    logger.warning(
                        "Deployment heartbeat not written",
                        extra={"deployment_id": str(deployment.pk)},
                    )
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{deployment.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
