"""CPU per request, product against floor, in this process: the evidence that does not depend
on how busy the shared machine is.

Both sides run the same requests (bench.side_by_side's scenarios) through a Django handler in
this process: the product with its settings' middleware and URLs, the floor with no middleware
and bench/floor/'s URLs, as its gunicorn would serve it. What is timed is the handler's
`get_response` (routing, middleware, view, rendering; not the client): process CPU time, which
the machine's load barely moves, and wall time, which adds the database's answers. `db cpu` is
the CPU the PostgreSQL backend serving this process spent per request (its /proc counters, in
clock ticks, over the whole batch): on a 2-core machine at c=8 the server's CPU is shared with
the database's, so `total ratio` (floor's process + database CPU ÷ the product's) is the
throughput ratio a CPU-bound machine would reach.
`BENCH_PROFILE=<label>` prints a cProfile of the product's side of that row (CPU time; with
`BENCH_SAMPLER=1` a pyinstrument sampling profile, when pyinstrument is installed),
`BENCH_QUERIES=<label>` the SQL one product request of that row runs, and
`BENCH_ROWS=<label>,<label>` runs only those rows.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext, override_settings

from bench.seed import Seeded, queued_deployments_taken
from bench.side_by_side import Request, Scenario, scenarios

# Enough requests that the database's CPU, counted in ticks of 10 ms, reads to a few percent.
REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "200"))
FLOOR_URLCONF = "bench.floor.urls"


class _TimedHandler(ClientHandler):
    """A test-client handler that adds up the CPU and wall time of each request it serves."""

    def __init__(self, *, urlconf: str | None = None) -> None:
        super().__init__(enforce_csrf_checks=False)
        self.urlconf = urlconf
        self.cpu: list[float] = []
        self.wall: list[float] = []
        self.profile: cProfile.Profile | None = None

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if self.urlconf is not None:
            request.urlconf = self.urlconf
        cpu, wall = time.process_time(), time.perf_counter()
        if self.profile is not None:
            self.profile.enable()
        response = super().get_response(request)
        if self.profile is not None:
            self.profile.disable()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return response


def _client(handler: _TimedHandler, *, no_middleware: bool) -> Client:
    if no_middleware:
        # The floor's settings have no middleware; its handler is built without any.
        with override_settings(MIDDLEWARE=[]):
            handler.load_middleware()
    client = Client()
    client.handler = handler
    return client


def _send(client: Client, request: Request) -> int:
    method, path, body, headers = request
    extra = {k: v for k, v in headers.items() if k != "Content-Type"}
    if method == "GET":
        return int(client.get(path, headers=extra).status_code)
    return int(
        client.post(path, body or b"", content_type="application/json", headers=extra).status_code
    )


@dataclass(frozen=True)
class Measured:
    """Milliseconds per request: median process CPU and wall time, mean database CPU."""

    cpu: float
    wall: float
    database_cpu: float
    statuses: dict[int, int]


def _database_cpu_seconds() -> float:
    """CPU seconds the PostgreSQL backend of this process's connection has used so far (the
    server runs on this machine: its /proc entry is readable)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime: fields 14 and 15 of proc(5), the 12th and 13th after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(
    client: Client, handler: _TimedHandler, make: Callable[[], Request], count: int
) -> Measured:
    """Per-request costs over `count` requests after two warm-ups."""
    statuses: dict[int, int] = {}
    for _ in range(2):
        _send(client, make())
    handler.cpu.clear()
    handler.wall.clear()
    database_before = _database_cpu_seconds()
    for _ in range(count):
        status = _send(client, make())
        statuses[status] = statuses.get(status, 0) + 1
    # The reading's own query is a rounding error next to `count` requests.
    database = (_database_cpu_seconds() - database_before) / count
    return Measured(
        cpu=statistics.median(handler.cpu) * 1000,
        wall=statistics.median(handler.wall) * 1000,
        database_cpu=database * 1000,
        statuses=statuses,
    )


def _print_queries(client: Client, request: Request) -> None:
    with CaptureQueriesContext(connection) as captured:
        _send(client, request)
    print(f"\n{len(captured)} queries:")
    for query in captured:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}")


def _print_sampled(client: Client, scenario: Scenario, count: int) -> None:
    """A sampling profile (pyinstrument, when installed: it is no requirement of the project),
    which does not inflate call-heavy code the way cProfile does."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(count * 3):
            _send(client, scenario.product())
    print(f"\nSampled profile — {scenario.label}")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def print_cpu(seeded: Seeded, detail_ids: list[str]) -> None:
    # What the product's WSGI module does at start (oneclicktag/wsgi.py), here for both sides
    # alike: this process's heap (the bench, the seed, the emulator's client) frozen, so full
    # collections walk only what the requests make.
    gc.freeze()
    print(
        f"\nCPU per request in process (product handler vs floor handler, median of {REQUESTS}; "
        "ratio = floor ms ÷ product ms, the throughput ratio a CPU-bound server would reach)"
    )
    print(
        f"{'request':<24} {'prod cpu':>9} {'floor cpu':>9} {'cpu ratio':>9} "
        f"{'prod wall':>9} {'floor wall':>10} {'wall ratio':>10} "
        f"{'prod db':>8} {'floor db':>8} {'total ratio':>11} {'statuses':>14}"
    )
    product = _TimedHandler()
    floor = _TimedHandler(urlconf=FLOOR_URLCONF)
    product_client = _client(product, no_middleware=False)
    floor_client = _client(floor, no_middleware=True)
    wanted = os.environ.get("BENCH_PROFILE", "")
    queries_of = os.environ.get("BENCH_QUERIES", "")
    profiles: dict[str, cProfile.Profile] = {}
    only = [label.strip() for label in os.environ.get("BENCH_ROWS", "").split(",") if label.strip()]
    for scenario in scenarios(seeded, detail_ids):
        if only and not any(label in scenario.label for label in only):
            continue
        count = max(6, REQUESTS // 8) if "bulk" in scenario.label else REQUESTS
        # Interleaved halves, so neither side always runs on the busier moment.
        queued_deployments_taken()
        p = _measure(product_client, product, scenario.product, count)
        f = _measure(floor_client, floor, scenario.floor, count)
        statuses = ",".join(
            f"{n}×{code}" for code, n in sorted({**f.statuses, **p.statuses}.items()) if code >= 300
        )
        total = (f.cpu + f.database_cpu) / (p.cpu + p.database_cpu)
        print(
            f"{scenario.label:<24} {p.cpu:>8.2f}m {f.cpu:>8.2f}m {f.cpu / p.cpu:>8.2f}× "
            f"{p.wall:>8.2f}m {f.wall:>9.2f}m {f.wall / p.wall:>9.2f}× "
            f"{p.database_cpu:>7.2f}m {f.database_cpu:>7.2f}m {total:>10.2f}× "
            f"{statuses or '-':>14}",
            flush=True,
        )
        if queries_of and queries_of in scenario.label:
            _print_queries(product_client, scenario.product())
        if wanted and wanted in scenario.label and os.environ.get("BENCH_SAMPLER"):
            _print_sampled(product_client, scenario, count)
        elif wanted and wanted in scenario.label:
            product.profile = cProfile.Profile(time.process_time)
            for _ in range(count):
                _send(product_client, scenario.product())
            profiles[scenario.label] = product.profile
            product.profile = None
    for label, profile in profiles.items():
        profile.dump_stats(f"/tmp/bench-profile-{label.replace(' ', '-')}.prof")
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        print(f"\ncProfile — {label}\n{out.getvalue()}")
