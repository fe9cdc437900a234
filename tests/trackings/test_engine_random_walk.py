"""A seeded random walk: creates, edits, deletions, rollbacks, a person's hand edits in GTM and
health checks, in any order — and GTM ends equal to the desired state, every time.

Each seed is 10 steps through the API (the same door a customer uses); the queued deployments
run in this process as a worker would run them, after a step or a few steps later.
`RANDOM_WALK_SEEDS` (default 50) says how many seeds run.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from tests.fixtures.trackings import (
    SYSTEM,
    connection_of,
    deploy,
    live_version,
    run_queued,
)
from tests.trackings.gtm_person import Person
from trackings.desired import compile_desired, known_ads_tag_id, wanted_trackings
from trackings.engine.apply_gtm import version_entities
from trackings.models import (
    WANTED_STATUSES,
    ContainerVersion,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from trackings.planner import plan_workspace
from trackings.services.deployments import deployment_request_health_check

pytestmark = pytest.mark.django_db

SEEDS = int(os.environ.get("RANDOM_WALK_SEEDS", "50"))
STEPS = 10
TRACKINGS = "/api/v1/trackings/"


class Walk:
    def __init__(self, seed: int, alice: Any, customer: Any, person: Person) -> None:
        self.rng = random.Random(seed)
        self.alice, self.customer, self.person = alice, customer, person
        self.log: list[str] = []
        self.counter = 0

    def _ours(self) -> list[Tracking]:
        # Those a person can still change (one being removed answers 409, rightly).
        return list(
            Tracking.objects.filter(customer=self.customer, status__in=WANTED_STATUSES).order_by(
                "created_at"
            )
        )

    def create(self) -> None:
        self.counter += 1
        body = {
            "customer": str(self.customer.pk),
            "name": f"Walk {self.counter}",
            "type": "button_click",
            "config": {"selector": f"#walk-{self.counter}"},
            "destinations": self.rng.choice([["ga4"], ["ga4"], ["ga4", "google_ads"]]),
        }
        response = self.alice.client.post(TRACKINGS, body, format="json")
        assert response.status_code in (201, 202), response.content
        self.log.append(f"create {body['name']}")

    def update(self) -> None:
        trackings = self._ours()
        if not trackings:
            return self.create()
        tracking = self.rng.choice(trackings)
        selector = f"#edited-{self.rng.randrange(1000)}"
        response = self.alice.client.patch(
            f"{TRACKINGS}{tracking.pk}/",
            {"config": {"selector": selector}, "version": tracking.version},
            format="json",
        )
        assert response.status_code in (200, 202), response.content
        self.log.append(f"update {tracking.name} -> {selector}")
        return None

    def delete(self) -> None:
        trackings = self._ours()
        if not trackings:
            return self.create()
        tracking = self.rng.choice(trackings)
        response = self.alice.client.delete(f"{TRACKINGS}{tracking.pk}/")
        assert response.status_code in (202, 204), response.content
        self.log.append(f"delete {tracking.name}")
        return None

    def rollback(self) -> None:
        versions = list(
            ContainerVersion.objects.filter(customer=self.customer, trackings__isnull=False)
        )
        if not versions:
            return None
        version = self.rng.choice(versions)
        response = self.alice.client.post(
            f"/api/v1/customers/{self.customer.pk}/versions/{version.gtm_version_id}/rollback/",
            {"force": True},
            format="json",
        )
        assert response.status_code == 202, response.content
        self.log.append(f"rollback {version.gtm_version_id}")
        return None

    def hand_edit(self) -> None:
        """A person in the GTM UI: deletes one of our tags, or adds one of theirs; publishes."""
        workspace = self.person.default_workspace()
        tags = self.person.entities(workspace, "tag")
        ours = [t for t in tags if str(t.get("notes", "")).startswith("oneclicktag:")]
        if ours and self.rng.random() < 0.6:
            victim = self.rng.choice(ours)
            self.person.delete_entity("tag", victim["path"])
            what = f"hand-delete {victim['name']}"
        else:
            self.counter += 1
            self.person.draft_tag(workspace, f"Their tag {self.counter}")
            what = f"hand-add Their tag {self.counter}"
        self.person.publish(self.person.version(workspace, what))
        self.log.append(what)

    def health_check(self) -> None:
        deployment_request_health_check(customer=self.customer, actor=SYSTEM)
        self.log.append("health-check")

    def step(self) -> None:
        action = self.rng.choices(
            [
                self.create,
                self.update,
                self.delete,
                self.rollback,
                self.hand_edit,
                self.health_check,
            ],
            weights=[3, 2, 2, 1, 1, 1],
        )[0]
        action()
        # Deployments run now or later: a later run carries several changes at once (the
        # queued one absorbs them), which is part of what the walk explores.
        if self.rng.random() < 0.5:
            run_queued(self.customer)


def _unsettled(customer: Any) -> str:
    """What in GTM still differs from the desired state (empty when they are equal)."""
    wanted = wanted_trackings(customer)
    compiled = compile_desired(customer, wanted, connection_of(customer), known_ads_tag_id(wanted))
    plan = plan_workspace(compiled.desired, version_entities(live_version(customer)))
    return "" if plan.is_empty else str(plan.summary())


@pytest.mark.parametrize("seed", range(SEEDS))
def test_a_random_walk_ends_with_gtm_equal_to_the_desired_state(
    seed: int, alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    walk = Walk(seed, alice, engine_customer, Person(google_emulator.http_url))
    for _ in range(STEPS):
        walk.step()

    # However it went, a deployment and a health check settle it.
    final = deploy(engine_customer)
    deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)

    steps = "; ".join(walk.log)
    assert final.status in ("succeeded",), (steps, final.error_message)
    assert _unsettled(engine_customer) == "", steps
    for tracking in Tracking.objects.filter(customer=engine_customer):
        assert tracking.status == TrackingStatus.LIVE, (steps, tracking.name, tracking.last_error)
        assert tracking.health == TrackingHealth.HEALTHY, (steps, tracking.name)
    assert not Tracking.objects.filter(
        customer=engine_customer, status=TrackingStatus.REMOVING
    ).exists(), steps
