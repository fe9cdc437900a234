"""List requests at a given size: p50/p99 over HTTP (product, c=1), the deepest cursor page,
SQL queries per request and the EXPLAIN ANALYZE of each list query (captured in process)."""

from __future__ import annotations

import base64
import json
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.seed import Seeded
from bench.side_by_side import _send
from trackings.models import Tracking

REQUESTS = 30


def _cursor(position: str) -> str:
    # DRF's cursor: base64 of a query string; `p` is the ordering field's value to start after.
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


def list_queries(seeded: Seeded) -> dict[str, str]:
    first = seeded.customers[0].pk
    oldest = list(
        Tracking.objects.filter(organization_id=seeded.organization.pk)
        .order_by("created_at")
        .values_list("created_at", flat=True)[50:51]
    )
    queries = {
        "list 50": "",
        "list ?customer&status": f"?customer={first}&status=live",
        "list ?search=": "?search=Button%204242",
        "list ?ordering=name": "?ordering=name",
    }
    if oldest:
        queries["deepest page"] = f"?cursor={_cursor(str(oldest[0]))}"
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
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) {sql}")
        return [row[0] for row in cursor.fetchall()]


def print_scale(seeded: Seeded, port: int, label: str, *, show_explain: bool) -> None:
    total = Tracking.objects.count()
    mine = Tracking.objects.filter(organization_id=seeded.organization.pk).count()
    print(
        f"\nList at {label}: {total:,} trackings, {mine:,} in the benchmark organization "
        f"(c=1, {REQUESTS} requests)"
    )
    print(f"{'request':<24} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'status':>7}")
    headers = {"Authorization": f"Api-Key {seeded.api_key}"}
    plans: dict[str, list[str]] = {}
    for name, query in list_queries(seeded).items():
        path = f"/api/v1/trackings/{query}"
        durations = []
        status = 0
        for _ in range(REQUESTS):
            started = time.perf_counter()
            status = _send(port, ("GET", path, None, headers))
            durations.append((time.perf_counter() - started) * 1000)
        durations.sort()
        p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
        _, statements = in_process(seeded, "GET", path)
        print(
            f"{name:<24} {statistics.median(durations):>8.1f} {p99:>8.1f} "
            f"{len(statements):>8} {status:>7}"
        )
        listing = [s for s in statements if 'FROM "trackings_tracking"' in s and "LIMIT" in s]
        if listing:
            plans[name] = explain(listing[-1])
    if show_explain:
        for name, plan in plans.items():
            print(f"\nEXPLAIN ANALYZE — {name}")
            for line in plan:
                print(f"  {line}")
