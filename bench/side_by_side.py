"""The product against its floor, over HTTP, interleaved.

Both are served by gunicorn (3 sync workers each) on the same PostgreSQL database and Redis.
For each request kind and concurrency, several rounds alternate product and floor batches
(A B, B A, A B …) so that noise from the shared machine falls on both; each round gives a
throughput ratio product/floor, and the table shows the median ratio with its min–max spread.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.seed import Seeded, queued_deployments_taken

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
CONCURRENCY = (1, 8)

# method, path, body, headers
Request = tuple[str, str, bytes | None, dict[str, str]]


@dataclass
class Batch:
    durations: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.durations) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def _send(port: int, request: Request) -> int:
    method, path, body, headers = request
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def run_batch(port: int, make: Callable[[], Request], concurrency: int) -> Batch:
    """Requests from `concurrency` threads for SECONDS (at least two per thread)."""
    batch = Batch()
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def worker() -> None:
        done = 0
        while done < 2 or time.perf_counter() < deadline:
            request = make()
            started = time.perf_counter()
            try:
                status = _send(port, request)
            except (OSError, http.client.HTTPException):
                # A worker killed mid-request (gunicorn's 30 s timeout): counted as an error,
                # the row still prints.
                status = 599
            elapsed = time.perf_counter() - started
            done += 1
            with lock:
                if status >= 400:
                    batch.errors[status] = batch.errors.get(status, 0) + 1
                batch.durations.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batch.seconds = time.perf_counter() - started
    return batch


@dataclass(frozen=True)
class Scenario:
    label: str
    product: Callable[[], Request]
    floor: Callable[[], Request]


def _json(method: str, path: str, body: Any, headers: dict[str, str]) -> Request:
    return method, path, json.dumps(body).encode(), {**headers, "Content-Type": "application/json"}


def scenarios(seeded: Seeded, detail_ids: list[str]) -> list[Scenario]:
    key = {"Authorization": f"Api-Key {seeded.api_key}"}
    bearer = {
        "Authorization": f"Bearer {seeded.id_token}",
        "X-Organization": str(seeded.organization.pk),
    }
    first = str(seeded.customers[0].pk)
    writers = [str(c.pk) for c in seeded.write_customers]
    counter = itertools.count()
    ids = itertools.cycle(detail_ids)

    def item() -> dict[str, Any]:
        n = next(counter)
        return {
            "customer": random.choice(writers),
            "name": f"Bench {n} {uuid.uuid4().hex[:6]}",
            "type": "button_click",
            "config": {"selector": f"#bench-{n}"},
            "destinations": ["ga4"],
        }

    def get(prefix: str, query: str, headers: dict[str, str]) -> Callable[[], Request]:
        return lambda: ("GET", f"{prefix}/trackings/{query}", None, headers)

    api, floor = "/api/v1", "/floor"
    filtered = f"?customer={first}&status=live"
    return [
        Scenario("list 50, API key", get(api, "", key), get(floor, "", key)),
        Scenario("list 50, Firebase", get(api, "", bearer), get(floor, "", key)),
        Scenario("list ?customer&status", get(api, filtered, key), get(floor, filtered, key)),
        Scenario(
            "list ?search=",
            get(api, "?search=Button%200004242", key),
            get(floor, "?search=Button%200004242", key),
        ),
        Scenario(
            "detail",
            lambda: ("GET", f"{api}/trackings/{next(ids)}/", None, key),
            lambda: ("GET", f"{floor}/trackings/{next(ids)}/", None, key),
        ),
        Scenario(
            "create one",
            lambda: _json("POST", f"{api}/trackings/", item(), key),
            lambda: _json("POST", f"{floor}/trackings/", item(), key),
        ),
        Scenario(
            "bulk 100",
            lambda: _json(
                "POST", f"{api}/trackings/bulk/", {"trackings": [item() for _ in range(100)]}, key
            ),
            lambda: _json(
                "POST", f"{floor}/trackings/bulk/", {"trackings": [item() for _ in range(100)]}, key
            ),
        ),
    ]


@dataclass
class Row:
    label: str
    concurrency: int
    ratios: list[float]
    product: list[Batch]
    floor: list[Batch]


def compare(product_port: int, floor_port: int, scenario: Scenario, concurrency: int) -> Row:
    row = Row(scenario.label, concurrency, [], [], [])
    for round_index in range(ROUNDS):
        # A B, then B A: neither side always runs on a warmer (or busier) machine.
        order = ("product", "floor") if round_index % 2 == 0 else ("floor", "product")
        results: dict[str, Batch] = {}
        for side in order:
            if side == "product":
                queued_deployments_taken()
                results[side] = run_batch(product_port, scenario.product, concurrency)
            else:
                results[side] = run_batch(floor_port, scenario.floor, concurrency)
        row.product.append(results["product"])
        row.floor.append(results["floor"])
        row.ratios.append(results["product"].throughput / max(results["floor"].throughput, 1e-9))
    return row


def _p50(batches: list[Batch]) -> float:
    return statistics.median([d for b in batches for d in b.durations]) * 1000


def _p99(batches: list[Batch]) -> float:
    merged = Batch(durations=[d for b in batches for d in b.durations])
    return merged.percentile(0.99)


def _errors(batches: list[Batch]) -> str:
    merged: dict[int, int] = {}
    for b in batches:
        for code, n in b.errors.items():
            merged[code] = merged.get(code, 0) + n
    return ",".join(f"{n}×{code}" for code, n in sorted(merged.items())) or "-"


def print_side_by_side(
    product_port: int,
    floor_port: int,
    seeded: Seeded,
    detail_ids: list[str],
    queries: dict[str, int],
) -> list[Row]:
    print(
        f"\nProduct / floor, gunicorn 3 sync workers each, {ROUNDS} interleaved rounds of "
        f"{SECONDS:.0f} s a side; ratio = product req/s ÷ floor req/s, median [min–max]"
    )
    header = (
        f"{'request':<24} {'c':>2} {'ratio':>6} {'spread':>13} {'prod p50':>9} {'prod p99':>9} "
        f"{'floor p50':>9} {'floor p99':>9} {'prod r/s':>8} {'floor r/s':>9} "
        f"{'queries':>7} {'errors':>8}"
    )
    print(header)
    rows = []
    only = [label.strip() for label in os.environ.get("BENCH_ROWS", "").split(",") if label.strip()]
    for scenario in scenarios(seeded, detail_ids):
        if only and not any(label in scenario.label for label in only):
            continue
        for concurrency in CONCURRENCY:
            row = compare(product_port, floor_port, scenario, concurrency)
            rows.append(row)
            spread = f"[{min(row.ratios):.2f}–{max(row.ratios):.2f}]"
            print(
                f"{row.label:<24} {concurrency:>2} {statistics.median(row.ratios):>5.2f}× "
                f"{spread:>13} "
                f"{_p50(row.product):>8.1f}m {_p99(row.product):>8.1f}m "
                f"{_p50(row.floor):>8.1f}m {_p99(row.floor):>8.1f}m "
                f"{statistics.median(b.throughput for b in row.product):>8.1f} "
                f"{statistics.median(b.throughput for b in row.floor):>9.1f} "
                f"{queries.get(row.label, -1):>7} {_errors(row.product + row.floor):>8}",
                flush=True,
            )
    return rows
