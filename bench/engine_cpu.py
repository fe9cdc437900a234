"""The engine's own cost: one deployment of N new trackings (GA4 only), then one health check of
those N live trackings, run in this process with the GTM quota lifted, timing the CPU spent
outside Google calls.

CPU outside Google = the process's CPU time during the run minus the CPU spent inside
`google_call` (the client libraries building and parsing requests). Wall time includes the
emulator's answers.

300 and 1,000 button clicks compile to about 360 KB and 1.2 MB, past Google's 200 KB for a web
container: the product and the emulator would both refuse them before measuring anything. For
this table alone both limits are raised (the product's GTM_CONTAINER_SIZE_LIMIT_BYTES, the
emulator's bench-only `gtm_container_size_limit_bytes`), the table says so, and the rows over
Google's limit are marked; both go back to 200 KB after it.

`BENCH_PROFILE=<row label>` (`deploy 1000`, `check 1000`) runs that row under cProfile timed by
`time.process_time`, prints it and dumps it to /tmp/bench-profile-<label>.prof.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.conf import settings

from integrations.google import ga4, gtm_client
from integrations.google.container_size import GTM_WEB_CONTAINER_LIMIT_BYTES
from tenants.actors import Actor
from trackings.engine import deployment_run
from trackings.models import Deployment, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue, deployment_request_health_check

SIZES = (100, 300, 1000)
# Room for 1,000 button clicks (about 1.2 MB) and then some.
RAISED_LIMIT_BYTES = 4 * 1024 * 1024


@contextmanager
def google_cpu() -> Iterator[list[float]]:
    """Counts the CPU seconds spent inside Google calls (the modules' own `google_call`)."""
    spent = [0.0]
    originals = {module: module.google_call for module in (gtm_client, ga4)}

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[0] += time.process_time() - started

        return call

    for module, original in originals.items():
        module.google_call = timed(original)  # type: ignore[attr-defined]
    try:
        yield spent
    finally:
        for module, original in originals.items():
            module.google_call = original  # type: ignore[attr-defined]


@contextmanager
def raised_container_limit(emulator: Any) -> Iterator[None]:
    """Both 200 KB checks raised for the engine table, put back after it whatever happens."""
    default = settings.GTM_CONTAINER_SIZE_LIMIT_BYTES
    emulator.configure({"gtm_container_size_limit_bytes": RAISED_LIMIT_BYTES})
    settings.GTM_CONTAINER_SIZE_LIMIT_BYTES = RAISED_LIMIT_BYTES
    try:
        yield
    finally:
        settings.GTM_CONTAINER_SIZE_LIMIT_BYTES = default
        emulator.configure({"gtm_container_size_limit_bytes": GTM_WEB_CONTAINER_LIMIT_BYTES})


@contextmanager
def _profiled(label: str) -> Iterator[None]:
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        path = f"/tmp/bench-profile-{label.replace(' ', '-')}.prof"
        profile.dump_stats(path)
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        print(f"\ncProfile (process time) — {label}, dumped to {path}\n{out.getvalue()}")


def _run(deployment: Deployment, label: str) -> dict[str, Any]:
    wanted = os.environ.get("BENCH_PROFILE", "")
    profiling = _profiled(label) if wanted and wanted == label else nullcontext()
    with google_cpu() as in_google, profiling:
        wall, cpu = time.monotonic(), time.process_time()
        deployment_run(organization_id=deployment.organization_id, deployment_id=deployment.pk)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    deployment.refresh_from_db()
    return {
        "status": deployment.status,
        "gtm": int((deployment.google_calls or {}).get("gtm", 0)),
        "wall": wall,
        "cpu": cpu,
        "google_cpu": in_google[0],
    }


def deploy(customer: Any, size: int) -> dict[str, Any]:
    batch = uuid.uuid4().hex[:6]
    Tracking.objects.bulk_create(
        Tracking(
            organization_id=customer.organization_id,
            customer=customer,
            name=f"CPU {batch} {index}",
            type="button_click",
            config={"selector": f"#cpu-{batch}-{index}"},
            destinations=["ga4"],
            status=TrackingStatus.PENDING,
        )
        for index in range(size)
    )
    deployment = deployment_enqueue(customer=customer, actor=Actor.system_actor("bench"))
    return _run(deployment, f"deploy {size}")


def health_check(customer: Any, size: int) -> dict[str, Any]:
    deployment = deployment_request_health_check(
        customer=customer, actor=Actor.system_actor("bench")
    )
    return _run(deployment, f"check {size}")


def _row(kind: str, size: int, container: int, r: dict[str, Any]) -> str:
    outside = r["cpu"] - r["google_cpu"]
    over = "*" if container > GTM_WEB_CONTAINER_LIMIT_BYTES else " "
    return (
        f"{kind:<7} {size:>6} {container / 1024:>8.0f}{over} {r['status']:>10} {r['gtm']:>5} "
        f"{r['wall']:>7.2f} {r['cpu']:>6.2f} {r['google_cpu']:>9.2f} {outside:>14.3f} "
        f"{outside / size * 1000:>8.3f}"
    )


def print_engine_cpu(customers: list[Any], emulator: Any) -> None:
    print(
        "\nEngine CPU, one deployment of N new GA4 button clicks then a health check of them, "
        "in process, quota lifted\n"
        f"(container size limit raised from Google's {GTM_WEB_CONTAINER_LIMIT_BYTES:,} to "
        f"{RAISED_LIMIT_BYTES:,} bytes for this table only, in the product "
        "(GTM_CONTAINER_SIZE_LIMIT_BYTES) and the emulator (gtm_container_size_limit_bytes); "
        "* = a container Google would refuse)\n"
        f"{'run':<7} {'N':>6} {'size KB':>9} {'status':>10} {'GTM':>5} {'wall s':>7} "
        f"{'CPU s':>6} {'in Google':>9} {'outside Google':>14} {'ms/track':>8}"
    )
    with raised_container_limit(emulator):
        for customer, size in zip(customers, SIZES, strict=False):
            deployed = deploy(customer, size)
            customer.google_connection.refresh_from_db()
            container = customer.google_connection.gtm_our_size_bytes
            print(_row("deploy", size, container, deployed), flush=True)
            checked = health_check(customer, size)
            print(_row("check", size, container, checked), flush=True)
