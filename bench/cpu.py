"""CPU per request, product against floor, in this process: the evidence that does not depend
on how busy the shared machine is.

Both sides run the same requests (bench.side_by_side's scenarios) through a Django handler in
this process: the product with its settings' middleware and URLs, the floor with no middleware
and bench/floor/'s URLs, as its gunicorn would serve it. What is timed is the handler's
`get_response` (routing, middleware, view, rendering; not the client): process CPU time, which
the machine's load barely moves, and wall time, which adds the database's answers.
`BENCH_PROFILE=<label>` prints a cProfile of the product's side of that row (CPU time; with
`BENCH_SAMPLER=1` a pyinstrument sampling profile, when pyinstrument is installed),
`BENCH_QUERIES=<label>` the SQL one product request of that row runs, and
`BENCH_ROWS=<label>,<label>` runs only those rows.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.test import Client
from django.test.client import ClientHandler
from django.test.utils import CaptureQueriesContext, override_settings

from bench.seed import Seeded, queued_deployments_taken
from bench.side_by_side import Request, Scenario, scenarios

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "60"))
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


def _measure(
    client: Client, handler: _TimedHandler, make: Callable[[], Request], count: int
) -> tuple[float, float, dict[int, int]]:
    """Median CPU and wall milliseconds per request over `count` requests after two warm-ups."""
    statuses: dict[int, int] = {}
    for _ in range(2):
        _send(client, make())
    handler.cpu.clear()
    handler.wall.clear()
    for _ in range(count):
        status = _send(client, make())
        statuses[status] = statuses.get(status, 0) + 1
    return statistics.median(handler.cpu) * 1000, statistics.median(handler.wall) * 1000, statuses


def _print_queries(client: Client, request: Request) -> None:
    with CaptureQueriesContext(connection) as captured:
        _send(client, request)
    print(f"\n{len(captured)} queries:")
    for query in captured:
        print(f"  {query['sql'][:300]}")


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
    print(
        f"\nCPU per request in process (product handler vs floor handler, median of {REQUESTS}; "
        "ratio = floor ms ÷ product ms, the throughput ratio a CPU-bound server would reach)"
    )
    print(
        f"{'request':<24} {'prod cpu':>9} {'floor cpu':>9} {'cpu ratio':>9} "
        f"{'prod wall':>9} {'floor wall':>10} {'wall ratio':>10} {'statuses':>14}"
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
        count = max(6, REQUESTS // 10) if "bulk" in scenario.label else REQUESTS
        # Interleaved halves, so neither side always runs on the busier moment.
        queued_deployments_taken()
        p_cpu, p_wall, p_status = _measure(product_client, product, scenario.product, count)
        f_cpu, f_wall, f_status = _measure(floor_client, floor, scenario.floor, count)
        statuses = ",".join(
            f"{n}×{code}" for code, n in sorted({**f_status, **p_status}.items()) if code >= 300
        )
        print(
            f"{scenario.label:<24} {p_cpu:>8.2f}m {f_cpu:>8.2f}m {f_cpu / p_cpu:>8.2f}× "
            f"{p_wall:>8.2f}m {f_wall:>9.2f}m {f_wall / p_wall:>9.2f}× {statuses or '-':>14}",
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
