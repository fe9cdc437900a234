"""Google calls per deployment and wall time, for N = 1, 10 and 100 new trackings; then API
latency and SQL queries per request (bench/api.py). `BENCH_ONLY=api` runs the second part alone.

Runs everything itself: a throwaway PostgreSQL database (DATABASE_URL's server), Redis for the
quota bucket (REDIS_URL, default db 15), the Google emulator, a customer connected through the
real OAuth flow. Quotas stay at their defaults (GTM 25 calls per 100 s), so when a deployment
runs out of quota it waits for its `not_before` — the wall time includes that wait, as a worker's
countdown would. Prints a table; asserts nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.emulator import running_emulator

SIZES = (1, 10, 100)


def _configure_environment(emulator: Any, workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneclicktag.settings")
    os.environ.setdefault("ENVIRONMENT", "development")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("TEST_DATABASE_NAME", "oneclicktag_bench")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["GOOGLE_BACKEND"] = "emulator"
    os.environ["GOOGLE_EMULATOR_URL"] = emulator.http_url
    os.environ["GOOGLE_EMULATOR_GRPC"] = emulator.grpc_target
    os.environ["GOOGLE_CLOUD_PROJECT"] = f"oneclicktag-bench-{int(time.time())}"
    ca = workdir / "ca.pem"
    ca.write_bytes(emulator.get("/_emulator/ca.pem"))
    # gRPC reads its trust roots once, before the first channel.
    os.environ["GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"] = str(ca)


def main() -> None:
    with (
        tempfile.TemporaryDirectory(prefix="oct-bench-") as tmp,
        running_emulator(Path(tmp)) as emulator,
    ):
        _configure_environment(emulator, Path(tmp))
        import django

        django.setup()
        from django.db import connection
        from django.test.utils import setup_test_environment

        # The test client's host and a local mail backend; nothing else of the test runner.
        setup_test_environment()
        test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            from bench.api import print_api_timings
            from bench.scenario import connected_customer, deploy_new_trackings
            from oneclicktag.celery import app

            if os.environ.get("BENCH_ONLY") == "api":
                print_api_timings()
                return
            customer = connected_customer()
            print(f"database {test_name}, emulator {emulator.http_url}")
            print("GTM quota: default (GTM_QUOTA_PER_100S=25 per 100 s)\n")
            header = f"{'N':>5} {'status':>10} {'GTM calls':>10} {'Ads calls':>10} "
            header += f"{'wall s':>8} {'running s':>10} {'quota waits':>12}"
            print(header)
            for size in SIZES:
                result = deploy_new_trackings(customer, size)
                print(
                    f"{size:>5} {result['status']:>10} {result['gtm']:>10} {result['ads']:>10} "
                    f"{result['seconds']:>8.1f} {result['running_seconds']:>10.1f} "
                    f"{result['quota_waits']:>12}"
                )
            print(
                "\nGTM calls count every call of the deployment. A run starts only with its whole"
                "\nGTM budget reserved, so a quota wait repeats nothing. All sizes share one"
                "\n25-per-100-s window with the connection flow: the wall time includes waiting"
                "\nfor it; 'running s' is the time spent in the deployment's runs."
            )
            print_api_timings()
        finally:
            # The API part queued deployment tasks no worker will run.
            app.control.purge()
            connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
