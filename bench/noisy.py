"""The polling attacker (issue 13): a viewer of tenant A polls every live-reading endpoint of
each of A's customers every 0.5 s (plan preview, the GTM, Ads and GA4 choice lists, the
connection) while tenant B deploys ten new trackings, under the default GTM quota and a real
Celery worker.

Prints B's wait before its deployment started (claimed by a worker) and until it was done, in
windows of 100 s; GTM calls by tenant (the product's per-organization tally); the attacker's
answers by status; and, by the emulator's count, the most GTM calls in any 100 s and Google's
refusals. The attacker polls a whole window before B deploys, so B meets a quota A has been
draining.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection as db_connection
from django.test import Client

from bench.google import WINDOW, GtmCallSampler, _new_trackings
from bench.scenario import connected_customer, owned_organization
from customers.models import Customer
from integrations.google.calls import organization_calls_today
from tenants.actors import Actor
from tenants.models import Role
from tenants.services.api_keys import api_key_create
from trackings.models import DeploymentStatus
from trackings.services.deployments import deployment_enqueue

POLL_SECONDS = 0.5
ATTACKER_CUSTOMERS = 3
TERMINAL = {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED}


@dataclass(frozen=True)
class NoisyTenants:
    attacker: list[Customer]
    victim: Customer
    viewer_key: str


def noisy_tenants() -> NoisyTenants:
    """Tenant A with `ATTACKER_CUSTOMERS` connected customers and a viewer's API key; tenant B
    with one. Connected with the GTM quota lifted (see run_all)."""
    owner = owned_organization("Bench Attacker")
    organization, actor = owner
    attacker = [
        connected_customer(own_container=True, owner=owner) for _ in range(ATTACKER_CUSTOMERS)
    ]
    key = api_key_create(
        organization=organization,
        name="poller",
        role=Role.VIEWER,
        actor=actor,
        actor_role=Role.OWNER,
    ).key
    return NoisyTenants(attacker, connected_customer(own_container=True), key)


@dataclass
class Poller:
    key: str
    customers: list[Customer]
    answers: Counter[str] = field(default_factory=Counter)
    _stop: threading.Event = field(default_factory=threading.Event)

    def paths(self) -> list[str]:
        paths = []
        for customer in self.customers:
            base = f"/api/v1/customers/{customer.pk}"
            paths += [
                f"{base}/plan/",
                f"{base}/google/gtm-containers/",
                f"{base}/google/ads-accounts/",
                f"{base}/google/ga4-properties/",
                f"{base}/google/",
            ]
        return paths

    def _run(self) -> None:
        client = Client(headers={"Authorization": f"Api-Key {self.key}"})
        try:
            while not self._stop.is_set():
                for path in self.paths():
                    status = client.get(path).status_code
                    self.answers[f"{path.rsplit('/', 2)[-2]} {status}"] += 1
                self._stop.wait(POLL_SECONDS)
        finally:
            db_connection.close()

    def __enter__(self) -> Poller:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _gtm_today(organization_id: object) -> int:
    return organization_calls_today(str(organization_id))["gtm"]


def run_noisy_neighbour(tenants: NoisyTenants, *, emulator_url: str, timeout: float) -> None:
    attacker_org = tenants.attacker[0].organization_id
    victim_org = tenants.victim.organization_id
    _new_trackings(tenants.victim, 10)
    before = {"A": _gtm_today(attacker_org), "B": _gtm_today(victim_org)}
    # Each refused poll would log a warning line: the answers are counted below instead.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    with (
        GtmCallSampler(emulator_url) as sampler,
        Poller(tenants.viewer_key, tenants.attacker) as poller,
    ):
        time.sleep(WINDOW)
        enqueued = time.monotonic()
        deployment = deployment_enqueue(customer=tenants.victim, actor=Actor.system_actor("bench"))
        while time.monotonic() - enqueued < timeout:
            deployment.refresh_from_db()
            if deployment.status in TERMINAL:
                break
            time.sleep(0.25)
        done = time.monotonic() - enqueued
    calls = {
        "A": _gtm_today(attacker_org) - before["A"],
        "B": _gtm_today(victim_org) - before["B"],
    }
    started = (
        (deployment.started_at - deployment.created_at).total_seconds()
        if deployment.started_at
        else float("nan")
    )
    print(
        f"\nNoisy neighbour: a viewer of A polls {len(poller.paths())} live-reading endpoints "
        f"({ATTACKER_CUSTOMERS} customers) every {POLL_SECONDS} s; B deploys 10 trackings\n"
        f"  B's deployment: {deployment.status}"
        f"{':' + deployment.error_code if deployment.error_code else ''}, "
        f"started after {started:.1f} s ({started / WINDOW:.2f} windows), "
        f"done after {done:.1f} s, {int((deployment.google_calls or {}).get('gtm', 0))} GTM calls\n"
        f"  GTM calls by tenant while it ran (A polled a window first): A {calls['A']}, "
        f"B {calls['B']}\n"
        f"  by the emulator: {sampler.calls()} GTM calls, max in 100 s {sampler.max_in_window()}, "
        f"errors {sampler.errors()}, quota refusals {sampler.refusals()}\n"
        f"  A's answers: {', '.join(f'{k} ×{n}' for k, n in sorted(poller.answers.items()))}",
        flush=True,
    )
