"""Stats endpoints on a year of numbers: 1,000 trackings × 365 days × 2 sources (730,000 rows)
in one customer. p50/p99 over HTTP (product gunicorn, c=1), SQL statements per request, and the
EXPLAIN ANALYZE of each request's numbers query."""

from __future__ import annotations

import datetime as dt
import statistics
import time
import uuid
from pathlib import Path

from django.db import connection

from bench.scale import explain, in_process
from bench.seed import seeded_organization, trackings_insert
from bench.servers import gunicorn
from bench.side_by_side import _send
from trackings.models import Tracking

TRACKINGS = 1_000
DAYS = 365
REQUESTS = 30


def _insert_year(customer_id: uuid.UUID) -> int:
    """Every tracking of the customer, every day of the last year, both sources."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO stats_dailystat (
                organization_id, customer_id, tracking_id, day, source, events, key_events,
                conversions, all_conversions, conversions_value, pulled_at
            )
            SELECT
                t.organization_id, t.customer_id, t.id, d::date, s.source,
                CASE WHEN s.source = 'ga4' THEN h %% 60 ELSE 0 END,
                CASE WHEN s.source = 'ga4' THEN h %% 10 ELSE 0 END,
                CASE WHEN s.source = 'google_ads' THEN (h %% 800) / 100.0 ELSE 0 END,
                CASE WHEN s.source = 'google_ads' THEN (h %% 900) / 100.0 ELSE 0 END,
                CASE WHEN s.source = 'google_ads' THEN (h %% 9000) / 10.0 ELSE 0 END,
                now()
            FROM trackings_tracking t
            CROSS JOIN generate_series(
                current_date - %(days)s + 1, current_date, interval '1 day'
            ) AS d
            CROSS JOIN (VALUES ('ga4'), ('google_ads')) AS s(source)
            CROSS JOIN LATERAL (SELECT abs(hashtext(t.id::text || d::text)) AS h) AS r
            WHERE t.customer_id = %(customer)s
            """,
            {"customer": customer_id, "days": DAYS},
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE stats_dailystat")
        # A fresh table's visibility map is empty until vacuumed: index-only scans need it.
        cursor.execute("VACUUM stats_dailystat")
    return inserted


def print_stats(workdir: Path) -> None:
    seeded = seeded_organization(name="Bench stats", customers=1)
    customer = seeded.customers[0]
    started = time.monotonic()
    trackings_insert(
        organization_id=seeded.organization.pk, customer_ids=[customer.pk], count=TRACKINGS
    )
    rows = _insert_year(customer.pk)
    print(
        f"\nStats endpoints: {TRACKINGS:,} trackings × {DAYS} days × 2 sources = {rows:,} rows "
        f"(seeded in {time.monotonic() - started:.0f} s); c=1, {REQUESTS} requests each"
    )
    tracking = Tracking.objects.filter(customer=customer).values_list("pk", flat=True).first()
    today = dt.date.today()
    last_year = f"from={(today - dt.timedelta(days=DAYS - 1)).isoformat()}&to={today.isoformat()}"
    requests = {
        "tracking, 365 days": f"/api/v1/trackings/{tracking}/stats/?{last_year}",
        "customer by day, 30 d": f"/api/v1/customers/{customer.pk}/stats/",
        "customer by day, 365 d": f"/api/v1/customers/{customer.pk}/stats/?{last_year}",
        "customer by tracking, 365 d": (
            f"/api/v1/customers/{customer.pk}/stats/?{last_year}&group_by=tracking"
        ),
    }
    headers = {"Authorization": f"Api-Key {seeded.api_key}"}
    plans: dict[str, list[str]] = {}
    with gunicorn(
        application="oneclicktag.wsgi:application",
        settings="oneclicktag.settings",
        workdir=workdir,
        name="product-stats",
    ) as port:
        print(f"{'request':<30} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'status':>7}")
        for name, path in requests.items():
            _send(port, ("GET", path, None, headers))  # warm the worker
            durations = []
            status = 0
            for _ in range(REQUESTS):
                began = time.perf_counter()
                status = _send(port, ("GET", path, None, headers))
                durations.append((time.perf_counter() - began) * 1000)
            durations.sort()
            p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
            _, statements = in_process(seeded, "GET", path)
            print(
                f"{name:<30} {statistics.median(durations):>8.1f} {p99:>8.1f} "
                f"{len(statements):>8} {status:>7}"
            )
            numbers = [
                s
                for s in statements
                if 'FROM "stats_dailystat"' in s or 'FROM "stats_customerdailystat"' in s
            ]
            if numbers:
                plans[name] = explain(numbers[-1])
    for name, plan in plans.items():
        print(f"\nEXPLAIN ANALYZE — {name}")
        for line in plan:
            print(f"  {line}")
