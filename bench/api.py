"""API latency and SQL queries per request, on an organization with thousands of trackings.

In-process (Django's test client, no HTTP server): the numbers are the application's own time,
PostgreSQL included, without a web server's. Authenticates with an API key, as machines do.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.scenario import owned_organization
from customers.models import Customer
from customers.services import customer_create
from tenants.models import Role
from tenants.services.api_keys import api_key_create
from trackings.models import Tracking, TrackingStatus

CUSTOMERS = 20
TRACKINGS_PER_CUSTOMER = 100
BULK_ITEMS = 500


@dataclass(frozen=True)
class Timing:
    label: str
    requests: int
    p50_ms: float
    p95_ms: float
    queries: int
    status: int


def _seeded_client() -> tuple[Client, list[Customer]]:
    organization, actor = owned_organization("Bench API Agency")
    customers = [
        customer_create(
            organization=organization,
            actor=actor,
            name=f"Bench Shop {index}",
            website_url=f"https://shop{index}.bench.example/",
        )
        for index in range(CUSTOMERS)
    ]
    Tracking.objects.bulk_create(
        Tracking(
            organization=organization,
            customer=customer,
            name=f"Button {index}",
            type="button_click",
            config={"selector": f"#buy-{index}"},
            destinations=["ga4", "google_ads"],
            status=TrackingStatus.LIVE if index % 2 else TrackingStatus.PENDING,
        )
        for customer in customers
        for index in range(TRACKINGS_PER_CUSTOMER)
    )
    key = api_key_create(
        organization=organization, name="bench", role=Role.ADMIN, actor=actor, actor_role=Role.OWNER
    ).key
    return Client(HTTP_AUTHORIZATION=f"Api-Key {key}"), customers


def _measure(label: str, send: Any, requests: int) -> Timing:
    durations: list[float] = []
    queries = status = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send()
            durations.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    durations.sort()
    return Timing(
        label=label,
        requests=requests,
        p50_ms=statistics.median(durations),
        p95_ms=durations[max(0, round(len(durations) * 0.95) - 1)],
        queries=queries,
        status=status,
    )


def api_timings() -> list[Timing]:
    client, customers = _seeded_client()
    first = customers[0]
    timings = [
        _measure(
            "GET /trackings/ (50 a page)",
            lambda: client.get("/api/v1/trackings/", {"page_size": 50}),
            50,
        ),
        _measure(
            "GET /trackings/ (200 a page)",
            lambda: client.get("/api/v1/trackings/", {"page_size": 200}),
            20,
        ),
        _measure(
            "GET /trackings/?customer&status",
            lambda: client.get("/api/v1/trackings/", {"customer": str(first.pk), "status": "live"}),
            50,
        ),
        _measure(
            "GET /customers/?search",
            lambda: client.get("/api/v1/customers/", {"search": "Shop 1"}),
            50,
        ),
        _measure("GET /tracking-types/", lambda: client.get("/api/v1/tracking-types/"), 50),
    ]
    batches = iter(range(1000))

    def bulk() -> Any:
        batch = next(batches)
        items = [
            {
                "customer": str(customers[index % 5].pk),
                "name": f"Bulk {batch}-{index}",
                "type": "button_click",
                "config": {"selector": f"#bulk-{batch}-{index}"},
                "destinations": ["ga4"],
            }
            for index in range(BULK_ITEMS)
        ]
        return client.post(
            "/api/v1/trackings/bulk/", {"trackings": items}, content_type="application/json"
        )

    timings.append(_measure(f"POST /trackings/bulk/ ({BULK_ITEMS} items)", bulk, 3))
    return timings


def print_api_timings() -> None:
    print(
        f"\nAPI, in process: {CUSTOMERS} customers, {CUSTOMERS * TRACKINGS_PER_CUSTOMER} "
        "trackings, API-key auth"
    )
    print(f"{'request':<36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'status':>7}")
    for timing in api_timings():
        print(
            f"{timing.label:<36} {timing.requests:>4} {timing.p50_ms:>8.1f} "
            f"{timing.p95_ms:>8.1f} {timing.queries:>8} {timing.status:>7}"
        )
