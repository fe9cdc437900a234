"""What "our own infrastructure is down" looks like, and checking the task queue before a write.

Redis is the cache, the Celery broker and the GTM quota buckets outside embedded mode. When it
is unreachable the API degrades instead of dying: throttles and counters fail open with a
warning, a write that must queue work answers 503 with Retry-After before anything is written,
and a deployment interrupted by it is queued again rather than failed.
"""

from __future__ import annotations

from celery import current_app
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from oneclicktag.core.exceptions import UpstreamUnavailable

# What the cache backends raise when their store is unreachable (Redis, the file cache's disk).
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, OSError)
# Redis itself (cache, quota buckets) and the broker as Celery reports it.
INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (RedisError, BrokerError)
# What interrupts work in the background without being anybody's mistake: the above, or a
# dependency that said it is unavailable (the broker check, Google's transport).
INTERRUPTIONS = (RedisError, BrokerError, UpstreamUnavailable)
INFRASTRUCTURE_RETRY_AFTER_SECONDS = 30
BROKER_CHECK_TIMEOUT_SECONDS = 2.0


def broker_check() -> None:
    """Raise UpstreamUnavailable (503) when the task queue cannot take a task now.

    Called inside a write's transaction before the task is registered to be sent on commit: the
    write rolls back instead of committing work nobody is told about. (A send that still fails
    after the commit is logged; the beat sweep re-sends queued deployments.)
    """
    if current_app.conf.task_always_eager:
        return
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0,
                timeout=BROKER_CHECK_TIMEOUT_SECONDS,
            )
    except (RedisError, BrokerError, OSError) as exc:
        raise UpstreamUnavailable(
            "The task queue is unavailable right now; nothing was changed. Try again shortly.",
            code="queue_unavailable",
            retry_after_seconds=INFRASTRUCTURE_RETRY_AFTER_SECONDS,
        ) from exc
