"""Python's cyclic garbage collector held off while a deployment runs.

A run of 1,000 trackings keeps a few hundred thousand small objects alive from its first
compile to its last UPDATE (compiled entities, plans, GTM's answers with every entity). Those
that outlive two young collections count toward a full collection, which walks the worker's
whole heap (Django, the Google clients' discovery documents: about 250,000 objects) and frees
nothing, since the run still holds what it walks: one or two such passes, about 170 ms each,
were a fifth to a third of the CPU of a 1,000-tracking run (bench/engine_cpu.py). Reference
counting still frees the run's objects as they are dropped; the few reference cycles a run makes
(exceptions and their tracebacks, mostly) wait for the first collection after it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Holders:
    """Runs holding the collector off (embedded mode runs deployments on threads of one
    process); the last one out turns it back on, if it was on when the first came in."""

    lock = threading.Lock()
    count = 0
    was_enabled = False


@contextmanager
def collector_held() -> Iterator[None]:
    with _Holders.lock:
        if _Holders.count == 0:
            _Holders.was_enabled = gc.isenabled()
            gc.disable()
        _Holders.count += 1
    try:
        yield
    finally:
        with _Holders.lock:
            _Holders.count -= 1
            if _Holders.count == 0 and _Holders.was_enabled:
                gc.enable()
