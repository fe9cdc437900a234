"""Google scenarios under the default quota (GTM 25 calls per 100 s): K customers deploy N new
trackings each at the same moment, run by a real Celery worker (2 processes), as in production.

Prints wall time from the enqueue until every deployment is done, GTM calls per deployment, the
largest number of GTM calls the emulator counted in any 100 s, the GTM calls the emulator
answered with an error (Google's quota refusals, and the 404 a first deployment into a container
gets for its live version, none is published yet: one per fresh container), and apart the
quota refusals alone.

Run nothing else on the same Redis database meanwhile: the worker's queue lives there, and a
purge (another bench's end, some tests) loses the deployments' scheduled runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.emulator import REPO_ROOT
from customers.models import Customer
from tenants.actors import Actor
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue

WINDOW = 100.0
TERMINAL = {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED}


@contextlib.contextmanager
def celery_worker(workdir: Path, concurrency: int = 2) -> Iterator[None]:
    log = workdir / "worker.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "oneclicktag",
                "worker",
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO_ROOT,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(3)
        if proc.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log.read_text()}")
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class GtmCallSampler:
    """Samples the emulator's GTM call and refusal counters every 0.25 s."""

    def __init__(self, emulator_url: str) -> None:
        self._url = f"{emulator_url}/_emulator/stats"
        self.samples: list[tuple[float, int, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> tuple[int, int, int]:
        with urllib.request.urlopen(self._url, timeout=10) as response:
            stats = json.loads(response.read())
        calls = sum(n for m, n in stats["calls"].items() if m.startswith("tagmanager."))
        errors = sum(n for m, n in stats["errors"].items() if m.startswith("tagmanager."))
        return calls, errors, int(stats.get("quota_refusals", {}).get("gtm", 0))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), *self._read()))
            self._stop.wait(0.25)

    def __enter__(self) -> GtmCallSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic(), *self._read()))

    def calls(self) -> int:
        return self.samples[-1][1] - self.samples[0][1]

    def errors(self) -> int:
        return self.samples[-1][2] - self.samples[0][2]

    def refusals(self) -> int:
        return self.samples[-1][3] - self.samples[0][3]

    def max_in_window(self) -> int:
        """The most GTM calls counted in any 100 s (to the sampling period)."""
        best = 0
        j = 0
        for i, (start, calls, *_) in enumerate(self.samples):
            j = max(j, i)
            while j + 1 < len(self.samples) and self.samples[j + 1][0] <= start + WINDOW:
                j += 1
            # Calls made after sample i-1 may fall in this window too.
            before = self.samples[i - 1][1] if i else calls
            best = max(best, self.samples[j][1] - before)
        return best


@dataclass(frozen=True)
class ScenarioResult:
    label: str
    seconds: float
    statuses: dict[str, int]
    calls_per_deployment: list[int]
    gtm_calls: int
    max_in_window: int
    errors: int
    refusals: int


def _new_trackings(customer: Customer, size: int) -> None:
    batch = uuid.uuid4().hex[:6]
    Tracking.objects.bulk_create(
        Tracking(
            organization_id=customer.organization_id,
            customer=customer,
            name=f"Bench {batch} {index}",
            type="button_click",
            config={"selector": f"#buy-{batch}-{index}"},
            destinations=["ga4", "google_ads"],
            status=TrackingStatus.PENDING,
        )
        for index in range(size)
    )


def run_scenario(
    *, label: str, customers: list[Customer], size: int, emulator_url: str, timeout: float
) -> ScenarioResult:
    for customer in customers:
        _new_trackings(customer, size)
    actor = Actor.system_actor("bench")
    with GtmCallSampler(emulator_url) as sampler:
        started = time.monotonic()
        ids = [deployment_enqueue(customer=c, actor=actor).pk for c in customers]
        while True:
            rows = list(Deployment.objects.filter(pk__in=ids))
            if all(d.status in TERMINAL for d in rows) or time.monotonic() - started > timeout:
                break
            time.sleep(0.25)
        seconds = time.monotonic() - started
    statuses: dict[str, int] = {}
    for d in rows:
        name = d.status if not d.error_code else f"{d.status}:{d.error_code}"
        statuses[name] = statuses.get(name, 0) + 1
    return ScenarioResult(
        label=label,
        seconds=seconds,
        statuses=statuses,
        calls_per_deployment=sorted(int((d.google_calls or {}).get("gtm", 0)) for d in rows),
        gtm_calls=sampler.calls(),
        max_in_window=sampler.max_in_window(),
        errors=sampler.errors(),
        refusals=sampler.refusals(),
    )


def print_result(result: ScenarioResult) -> None:
    per = result.calls_per_deployment
    spread = f"{min(per)}–{max(per)}" if per and min(per) != max(per) else str(per[0] if per else 0)
    statuses = ",".join(f"{n}×{s}" for s, n in sorted(result.statuses.items()))
    print(
        f"{result.label:<10} {result.seconds:>8.1f} {result.gtm_calls:>9} {spread:>12} "
        f"{result.max_in_window:>14} {result.errors:>7} {result.refusals:>9}  {statuses}",
        flush=True,
    )


def print_header() -> None:
    print(
        f"\nGoogle, default quota (25 GTM calls / 100 s), real Celery worker (2 processes)\n"
        f"{'scenario':<10} {'wall s':>8} {'GTM calls':>9} {'per deploy':>12} "
        f"{'max in 100 s':>14} {'errors':>7} {'refusals':>9}  statuses"
    )
