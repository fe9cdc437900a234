"""`make bench`: the product side by side with its floor over HTTP, list requests at scale, and
Google deployments under the default quota. Prints numbers; asserts nothing.

Runs everything itself: a throwaway PostgreSQL database (DATABASE_URL's server, named by
BENCH_DATABASE_NAME), Redis (REDIS_URL, default db 15), the Google emulator, gunicorn for the
product and for the floor (bench/floor/), a Celery worker for the Google part.

Knobs: BENCH_ONLY=http|cpu|scale|google|stats|sitecheck (one part; cpu: only the in-process CPU
per request of product and floor, which the HTTP part prints first; scale: only the list
requests at BENCH_TRACKINGS and, with BENCH_LARGE=1, at 1M, without the side-by-side rows,
BENCH_SCALE_REQUESTS (200) each; stats: the stats endpoints on
1,000 trackings × 365 days; sitecheck: the site check's time per page in headless Chromium),
BENCH_ROUNDS (3), BENCH_SECONDS (2 a batch),
BENCH_TRACKINGS (10000), BENCH_LARGE=1 (then again at 1M trackings, 200k in one organization),
BENCH_GOOGLE_LARGE=1 (adds 10 customers × 100 trackings), BENCH_KEEP_DATABASE=1 (leaves the
database for a look with psql). BENCH_ONLY=engine: the engine's CPU
for one deployment of 100, 300 and 1,000 trackings and a health check of each (also part of the
Google part; the 200 KB container limit is raised for that table alone, bench/engine_cpu.py).
The Google part ends with the noisy neighbour (bench/noisy.py): a viewer of one tenant polls
every live-reading endpoint while another tenant deploys (BENCH_ONLY=noisy: that alone).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.emulator import running_emulator

GOOGLE_CUSTOMERS = 10
# Three more customers, each on its own container, for the engine's CPU (100, 300 and 1,000).
ENGINE_CUSTOMERS = 3


def _configure_environment(emulator: Any, workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneclicktag.settings")
    os.environ.setdefault("ENVIRONMENT", "development")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The per-user rate limit (1200/min) would cut the c=8 batches short; its Redis round
    # trip is still paid on every request.
    os.environ["THROTTLE_RATE_USER"] = "100000000/min"
    os.environ["GOOGLE_BACKEND"] = "emulator"
    os.environ["GOOGLE_EMULATOR_URL"] = emulator.http_url
    os.environ["GOOGLE_EMULATOR_GRPC"] = emulator.grpc_target
    os.environ["GOOGLE_CLOUD_PROJECT"] = f"oneclicktag-bench-{int(time.time())}"
    ca = workdir / "ca.pem"
    ca.write_bytes(emulator.get("/_emulator/ca.pem"))
    # gRPC reads its trust roots once, before the first channel.
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(ca)


def _point_subprocesses_at(database: str) -> None:
    # gunicorn and the worker read DATABASE_URL: the throwaway database, not the server's default.
    parts = urlsplit(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))


def _http_part(workdir: Path, *, cpu_only: bool = False, scale_only: bool = False) -> None:
    from bench import scale, side_by_side
    from bench.cpu import print_cpu
    from bench.seed import seeded_organization, settle, trackings_insert
    from trackings.models import Tracking

    size = int(os.environ.get("BENCH_TRACKINGS", "10000"))
    seeded = seeded_organization(name="Bench HTTP", customers=10)
    trackings_insert(
        organization_id=seeded.organization.pk,
        customer_ids=[c.pk for c in seeded.customers],
        count=size,
        volumes=True,
    )
    # The write rows' customers start with a typical site's 30 trackings each.
    trackings_insert(
        organization_id=seeded.organization.pk,
        customer_ids=[c.pk for c in seeded.write_customers],
        count=30 * len(seeded.write_customers),
    )
    settle()
    detail_ids = [
        str(pk)
        for pk in Tracking.objects.filter(organization_id=seeded.organization.pk).values_list(
            "pk", flat=True
        )[:200]
    ]
    if not scale_only:
        queries = _queries_per_request(seeded, detail_ids)
        # CPU per request in this process: the evidence a loaded machine does not blur.
        print_cpu(seeded, detail_ids)
        # Its write rows added a few thousand trackings: analysed, as autovacuum would have
        # done, or the lists below are planned from the seed's statistics.
        settle()
    if cpu_only:
        return
    usage = _index_usage("before the list requests", {})
    with contextlib.ExitStack() as servers:
        product = servers.enter_context(_serving(workdir, "product"))
        # Lists at the seeded size first: the write rows below add trackings.
        small = scale.print_scale(seeded, product, f"{size // 1000}k", show_explain=True)
        if not scale_only:
            floor = servers.enter_context(_serving(workdir, "floor"))
            side_by_side.print_side_by_side(product, floor, seeded, detail_ids, queries)
    # The workers' connections are closed: their index scans are counted now.
    usage = _index_usage(f"after the list requests at {size // 1000}k", usage)
    if os.environ.get("BENCH_LARGE"):
        _grow_to_a_million(seeded)
        with _serving(workdir, "product-1m") as product:
            large = scale.print_scale(seeded, product, "1M", show_explain=True)
        scale.print_growth(small, large, (f"{size // 1000}k", "1M"))
        _index_usage("after the list requests at 1M", usage)


def _serving(workdir: Path, name: str) -> Any:
    """gunicorn serving the product, or the floor (bench/floor/) when `name` says so."""
    from bench.servers import gunicorn

    package = "bench.floor" if name == "floor" else "oneclicktag"
    return gunicorn(
        application=f"{package}.wsgi:application",
        settings=f"{package}.settings",
        workdir=workdir,
        name=name,
    )


def _queries_per_request(seeded: Any, detail_ids: list[str]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.side_by_side import scenarios

    counts: dict[str, int] = {}
    for scenario in scenarios(seeded, detail_ids):
        method, path, body, headers = scenario.product()
        client = Client(headers={k: v for k, v in headers.items() if k != "Content-Type"})
        for _ in range(2):  # the second request, once caches are warm
            with CaptureQueriesContext(connection) as captured:
                if method == "GET":
                    client.get(path)
                else:
                    client.post(path, body, content_type="application/json")
        counts[scenario.label] = len(captured)
    return counts


def _grow_to_a_million(seeded: Any) -> None:
    from bench.seed import seeded_organization, settle, trackings_insert
    from trackings.models import Tracking

    started = time.monotonic()
    mine = Tracking.objects.filter(organization_id=seeded.organization.pk).count()
    trackings_insert(
        organization_id=seeded.organization.pk,
        customer_ids=[c.pk for c in seeded.customers],
        count=max(0, 200_000 - mine),
        volumes=True,
    )
    for index in range(8):
        other = seeded_organization(name=f"Bench other {index}", customers=10)
        trackings_insert(
            organization_id=other.organization.pk,
            customer_ids=[c.pk for c in other.customers],
            count=100_000,
            volumes=True,
        )
    settle()
    print(
        f"\n(seeded to {Tracking.objects.count():,} trackings "
        f"in {time.monotonic() - started:.0f} s)"
    )


def _index_usage(moment: str, before: dict[str, int]) -> dict[str, int]:
    """Scans of each index on trackings so far and since `before` (pg_stat_user_indexes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        # This process's own counts (the EXPLAIN ANALYZEs) are sent now, not within 10 s.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """
            SELECT indexrelname, idx_scan, pg_size_pretty(pg_relation_size(indexrelid))
            FROM pg_stat_user_indexes WHERE relname = 'trackings_tracking' ORDER BY indexrelname
            """
        )
        rows = cursor.fetchall()
    print(f"\nIndexes on trackings_tracking, {moment} (pg_stat_user_indexes)")
    print(f"  {'index':<48} {'scans':>8} {'since':>8} {'size':>10}")
    for name, scans, size in rows:
        since = scans - before[name] if name in before else scans
        print(f"  {name:<48} {scans:>8} {since:>8} {size:>10}")
    return {name: scans for name, scans, _ in rows}


def _connect_google_customers(emulator: Any, count: int) -> tuple[list[Any], Any, float]:
    """The connection flows (OAuth, a container each, the choices) run with the GTM quota
    lifted on both sides, or they alone would fill several windows; the scenarios start only
    once their calls have left the window (see `_google_part`). Also the noisy neighbour's two
    tenants (bench/noisy.py)."""
    from django.conf import settings

    from bench.noisy import noisy_tenants
    from bench.scenario import connected_customer

    default = settings.GTM_QUOTA_PER_100S
    emulator.configure({"gtm_quota": {"per_100s": 100_000}})
    settings.GTM_QUOTA_PER_100S = 100_000
    try:
        customers = [connected_customer(own_container=index > 0) for index in range(count)]
        noisy = noisy_tenants()
    finally:
        settings.GTM_QUOTA_PER_100S = default
        emulator.configure({"gtm_quota": {"per_100s": default}})
    return customers, noisy, time.monotonic()


def _engine_part(emulator: Any, customers: list[Any]) -> None:
    from django.conf import settings

    from bench.engine_cpu import print_engine_cpu

    default = settings.GTM_QUOTA_PER_100S
    emulator.configure({"gtm_quota": {"per_100s": 100_000}})
    settings.GTM_QUOTA_PER_100S = 100_000
    try:
        print_engine_cpu(customers, emulator)
    finally:
        settings.GTM_QUOTA_PER_100S = default
        emulator.configure({"gtm_quota": {"per_100s": default}})


def _google_part(
    workdir: Path,
    emulator: Any,
    customers: list[Any],
    noisy: Any,
    connected_at: float,
    *,
    noisy_only: bool = False,
) -> None:
    from bench import google
    from bench.noisy import run_noisy_neighbour
    from oneclicktag.celery import app

    # Messages the HTTP part queued (for connections that are only rows) must not run now.
    app.control.purge()
    wait = connected_at + google.WINDOW - time.monotonic()
    if wait > 0 and not noisy_only:
        print(f"\n(waiting {wait:.0f} s for the connection flows' GTM calls to leave the window)")
        time.sleep(wait)
    with google.celery_worker(workdir):
        if noisy_only:
            # It polls a whole window before the victim deploys: no wait for the connections.
            run_noisy_neighbour(noisy, emulator_url=emulator.http_url, timeout=900)
            return
        google.print_header()
        google.print_result(
            google.run_scenario(
                label="10×10",
                customers=customers,
                size=10,
                emulator_url=emulator.http_url,
                timeout=900,
            )
        )
        google.print_result(
            google.run_scenario(
                label="1×100",
                customers=customers[:1],
                size=100,
                emulator_url=emulator.http_url,
                timeout=600,
            )
        )
        if os.environ.get("BENCH_GOOGLE_LARGE"):
            google.print_result(
                google.run_scenario(
                    label="10×100",
                    customers=customers,
                    size=100,
                    emulator_url=emulator.http_url,
                    timeout=1200,
                )
            )
        run_noisy_neighbour(noisy, emulator_url=emulator.http_url, timeout=900)


def main() -> None:
    only = os.environ.get("BENCH_ONLY", "")
    with (
        tempfile.TemporaryDirectory(prefix="oct-bench-") as tmp,
        running_emulator(Path(tmp)) as emulator,
    ):
        workdir = Path(tmp)
        _configure_environment(emulator, workdir)
        import django

        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        settings.DATABASES["default"]["TEST"]["NAME"] = os.environ.get(
            "BENCH_DATABASE_NAME", "bench_oneclicktag"
        )
        # The test client's host and a local mail backend; nothing else of the test runner.
        setup_test_environment()
        database = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        _point_subprocesses_at(database)
        from oneclicktag.celery import app

        try:
            print(f"database {database}, emulator {emulator.http_url}, {os.cpu_count()} CPUs")
            google_customers: list[Any] = []
            noisy: Any = None
            connected_at = 0.0
            if only in ("", "google", "engine", "noisy"):
                google_customers, noisy, connected_at = _connect_google_customers(
                    emulator, 0 if only == "noisy" else GOOGLE_CUSTOMERS + ENGINE_CUSTOMERS
                )
            if only in ("", "engine"):
                _engine_part(emulator, google_customers[GOOGLE_CUSTOMERS:])
                connected_at = time.monotonic()
            if only in ("", "http", "cpu", "scale"):
                _http_part(workdir, cpu_only=only == "cpu", scale_only=only == "scale")
            if only in ("", "stats"):
                from bench.stats import print_stats

                print_stats(workdir)
            if only in ("", "sitecheck"):
                from bench.site_check import print_site_check

                print_site_check()
            if only in ("", "google", "noisy"):
                _google_part(
                    workdir,
                    emulator,
                    google_customers[:GOOGLE_CUSTOMERS],
                    noisy,
                    connected_at,
                    noisy_only=only == "noisy",
                )
        finally:
            app.control.purge()
            if os.environ.get("BENCH_KEEP_DATABASE"):
                print(f"(database {database} kept for a look with psql; drop it when done)")
            else:
                connection.creation.destroy_test_db(database, verbosity=0)


if __name__ == "__main__":
    main()
