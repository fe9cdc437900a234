"""The engine's own cost: one deployment of N new trackings (GA4 only), run in this process
with the GTM quota lifted, timing the CPU spent outside Google calls.

CPU outside Google = the process's CPU time during the run minus the CPU spent inside
`google_call` (the client libraries building and parsing requests). Wall time includes the
emulator's answers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from integrations.google import ga4, gtm_client
from tenants.actors import Actor
from trackings.engine import deployment_run
from trackings.models import Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue

SIZES = (100, 1000)


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
    with google_cpu() as in_google:
        wall, cpu = time.monotonic(), time.process_time()
        deployment_run(organization_id=customer.organization_id, deployment_id=deployment.pk)
        wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    deployment.refresh_from_db()
    return {
        "status": deployment.status,
        "gtm": int((deployment.google_calls or {}).get("gtm", 0)),
        "wall": wall,
        "cpu": cpu,
        "google_cpu": in_google[0],
    }


def print_engine_cpu(customers: list[Any]) -> None:
    print(
        "\nEngine CPU, one deployment of N new GA4 trackings, in process, quota lifted\n"
        f"{'N':>6} {'status':>10} {'GTM calls':>9} {'wall s':>7} {'CPU s':>6} "
        f"{'in Google':>9} {'outside Google':>14}"
    )
    for customer, size in zip(customers, SIZES, strict=False):
        r = deploy(customer, size)
        print(
            f"{size:>6} {r['status']:>10} {r['gtm']:>9} {r['wall']:>7.2f} {r['cpu']:>6.2f} "
            f"{r['google_cpu']:>9.2f} {r['cpu'] - r['google_cpu']:>14.2f}",
            flush=True,
        )
