"""List requests at a given size: p50/p99 over HTTP (product, c=1), the deepest cursor page,
SQL queries per request and the EXPLAIN ANALYZE of each list query (captured in process).

The first five rows are the issue's (plain, ?customer&status, ?search=, ?ordering=name, the
deepest cursor page); the others are every other filter and ordering the list offers, so each
of its indexes is seen serving (or not) at 10k and at 1M."""

from __future__ import annotations

import json
import os
import statistics
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.seed import Seeded
from bench.side_by_side import _send
from oneclicktag.core.pagination import Position, encode_position, order_keys
from trackings.models import Tracking

# A p99 is the tenth-worst of 1,000 requests. Of 200 it was the second-worst, and on a shared
# machine one stalled request doubled a row's p99 while its p50 and SQL stayed put.
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "1000"))
# Untimed requests first, so that each gunicorn worker has connected and imported everything.
WARM_UP = 6


# The list query alone, run again in this process: its median execution time is the part of
# a request that grows with the table, and the shared machine's load barely moves it.
SQL_RUNS = 7


@dataclass(frozen=True)
class Timing:
    p50: float
    p99: float
    sql: float


def _cursor(ordering: tuple[str, ...], values: tuple[Any, ...]) -> str:
    # The list's keyset cursor (oneclicktag/core/pagination.py): the rows after the one with
    # these values of the whole ordering, ties included.
    keys = order_keys(Tracking, ordering)
    return quote(encode_position(keys, Position(values, reverse=False)))


def list_queries(seeded: Seeded) -> dict[str, str]:
    first, second = seeded.customers[0].pk, seeded.customers[1].pk
    mine = Tracking.objects.filter(organization_id=seeded.organization.pk)
    # The 51st oldest (and the 51st last by name, by status): a cursor there is the last page.
    oldest = list(mine.order_by("created_at", "id").values_list("created_at", "id")[50:51])
    last_names = list(mine.order_by("-name", "-id").values_list("name", "id")[50:51])
    last_statuses = list(
        mine.order_by("-status", "created_at", "id").values_list("status", "created_at", "id")[
            50:51
        ]
    )
    queries = {
        "list 50": "",
        "list ?customer&status": f"?customer={first}&status=live",
        "list ?search=": "?search=Button%200004242",
        "list ?ordering=name": "?ordering=name",
    }
    if oldest:
        queries["deepest page"] = f"?cursor={_cursor(('-created_at', '-id'), oldest[0])}"
    queries.update(
        {
            "?customer=": f"?customer={second}",
            "?status=": "?status=live",
            "?type=": "?type=form_submit",
            "?health= (none)": "?health=drifted",
            "?site_status= (none)": "?site_status=snippet_missing",
            "?destination=": "?destination=google_ads",
            "?volume_status=silent": "?volume_status=silent",
            "?search= one term": "?search=0004242",
            "?ordering=-updated_at": "?ordering=-updated_at",
            "?ordering=status": "?ordering=status",
            "?ordering=-type": "?ordering=-type",
        }
    )
    if last_names:
        cursor = _cursor(("name", "id"), last_names[0])
        queries["deepest ?ordering=name"] = f"?ordering=name&cursor={cursor}"
    if last_statuses:
        # Past the end of the 1,000 ties DRF's cursor could skip: a keyset union of two index
        # ranges (the rest of this status, the statuses after it).
        cursor = _cursor(("status", "-created_at", "-id"), last_statuses[0])
        queries["deepest ?ordering=status"] = f"?ordering=status&cursor={cursor}"
    return queries


def in_process(seeded: Seeded, method: str, path: str, body: Any = None) -> tuple[int, list[str]]:
    """The response status and every SQL statement of one product request."""
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {seeded.api_key}")
    with CaptureQueriesContext(connection) as captured:
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, json.dumps(body), content_type="application/json")
    return response.status_code, [q["sql"] for q in captured.captured_queries]


def explain(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) {sql}")
        return [row[0] for row in cursor.fetchall()]


def execution_ms(sql: str) -> float:
    """The median execution time PostgreSQL reports for `sql` over SQL_RUNS runs."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(SQL_RUNS):
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}")
            plan = cursor.fetchone()[0]
            # Django's psycopg setup may leave JSON as text.
            plan = json.loads(plan) if isinstance(plan, str) else plan
            times.append(float(plan[0]["Execution Time"]))
    return statistics.median(times)


def print_scale(seeded: Seeded, port: int, label: str, *, show_explain: bool) -> dict[str, Timing]:
    total = Tracking.objects.count()
    mine = Tracking.objects.filter(organization_id=seeded.organization.pk).count()
    print(
        f"\nList at {label}: {total:,} trackings, {mine:,} in the benchmark organization "
        f"(c=1, {REQUESTS} requests each; load average {_load()})"
    )
    print(
        f"{'request':<26} {'p50 ms':>8} {'p99 ms':>8} {'sql ms':>8} {'queries':>8} "
        f"{'status':>7} {'rows':>5}"
    )
    headers = {"Authorization": f"Api-Key {seeded.api_key}"}
    plans: dict[str, list[str]] = {}
    timings: dict[str, Timing] = {}
    for name, query in list_queries(seeded).items():
        path = f"/api/v1/trackings/{query}"
        durations = []
        for _ in range(WARM_UP):
            _send(port, ("GET", path, None, headers))
        status = 0
        for _ in range(REQUESTS):
            started = time.perf_counter()
            status = _send(port, ("GET", path, None, headers))
            durations.append((time.perf_counter() - started) * 1000)
        durations.sort()
        p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
        rows, statements = _rows_and_statements(seeded, path)
        listing = [s for s in statements if 'FROM "trackings_tracking"' in s and "LIMIT" in s]
        sql = execution_ms(listing[-1]) if listing else 0.0
        timings[name] = Timing(statistics.median(durations), p99, sql)
        print(
            f"{name:<26} {timings[name].p50:>8.1f} {p99:>8.1f} {sql:>8.2f} "
            f"{len(statements):>8} {status:>7} {rows:>5}"
        )
        if listing:
            plans[name] = explain(listing[-1])
    print(f"(load average {_load()}: the machine is shared; `sql ms` is what it barely moves)")
    if show_explain:
        for name, plan in plans.items():
            print(f"\nEXPLAIN ANALYZE at {label} — {name}")
            for line in plan:
                print(f"  {line}")
    return timings


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _rows_and_statements(seeded: Seeded, path: str) -> tuple[int, list[str]]:
    """How many trackings the page holds (a filter that finds none is served differently) and
    its SQL, from one request in this process."""
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {seeded.api_key}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    rows = len(response.json().get("results", [])) if response.status_code == 200 else 0
    return rows, [q["sql"] for q in captured.captured_queries]


def print_growth(
    small: dict[str, Timing], large: dict[str, Timing], labels: tuple[str, str]
) -> None:
    """The target: p99 at the large size within 1.5x of p99 at the small one; the list query's
    own execution time beside it (what a plan that degrades shows first)."""
    small_label, large_label = labels
    print(f"\nList p99 from {small_label} to {large_label} (target: within 1.5x)")
    print(
        f"{'request':<26} {small_label + ' p99':>9} {large_label + ' p99':>9} {'ratio':>7}"
        f" {small_label + ' sql':>9} {large_label + ' sql':>9} {'ratio':>7}"
    )
    for name, before in small.items():
        after = large.get(name)
        if after is None:
            continue
        sql_ratio = after.sql / before.sql if before.sql else 0.0
        print(
            f"{name:<26} {before.p99:>9.1f} {after.p99:>9.1f} {after.p99 / before.p99:>6.2f}x"
            f" {before.sql:>9.2f} {after.sql:>9.2f} {sql_ratio:>6.2f}x"
        )
