"""One deployment at a time per GTM container.

On PostgreSQL a session-level advisory lock keyed by the container: it is held without a
transaction (no network call ever runs inside one), and PostgreSQL drops it the moment a killed
worker's connection goes away — so a run that finds a deployment "applying" while it holds the
lock knows the previous runner is dead and may take over. Other databases (the embedded SQLite
mode runs one worker) fall back to judging a running deployment dead by its stale heartbeat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def supports_advisory_locks() -> bool:
    return connection.vendor == "postgresql"


def container_lock_key(container_path: str) -> int:
    digest = hashlib.sha256(f"oneclicktag:gtm-container:{container_path}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def container_lock(container_path: str) -> Iterator[bool]:
    """Yields whether this process now holds the container's lock (never waits)."""
    if not supports_advisory_locks():
        yield True
        return
    key = container_lock_key(container_path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
