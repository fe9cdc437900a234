"""Repairs converge: what a person did to our entities in GTM ends, after a health check and
its repair, with the tracking live again (or a clear error) — never a retry loop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import SYSTEM, deploy, live_version, make_tracking, run_queued
from tests.trackings.gtm_person import Person
from trackings.models import Deployment, DeploymentKind, DeploymentStatus, Tracking, TrackingHealth
from trackings.services.deployments import deployment_request_health_check

pytestmark = pytest.mark.django_db


def _check_and_repair(customer: Any) -> tuple[Deployment, Deployment | None]:
    check = deployment_request_health_check(customer=customer, actor=SYSTEM)
    run_queued(customer)
    check.refresh_from_db()
    repair_id = check.plan.get("repair_deployment")
    repair = Deployment.objects.get(pk=repair_id) if repair_id else None
    return check, repair


def test_our_tag_deleted_and_published_by_a_person_is_repaired(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    tracking = make_tracking(engine_customer, name="Signup")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    # A person deletes our GA4 tag in their own workspace and publishes; our workspace (if we
    # kept one) still holds the tag.
    theirs = person.default_workspace()
    ours = [t for t in person.entities(theirs, "tag") if str(tracking.pk) in t.get("notes", "")]
    assert ours
    person.delete_entity("tag", ours[0]["path"])
    person.publish(person.version(theirs, "Cleanup"))
    assert str(tracking.pk) not in str(live_version(engine_customer).get("tag"))

    check, repair = _check_and_repair(engine_customer)

    assert check.status == DeploymentStatus.SUCCEEDED
    assert check.plan["health"].get(TrackingHealth.MISSING) == 1
    assert repair is not None
    assert repair.kind == DeploymentKind.REPAIR
    assert repair.status == DeploymentStatus.SUCCEEDED, repair.error_message
    assert repair.attempts == 1, "one run, no retry loop"
    assert str(tracking.pk) in str(live_version(engine_customer).get("tag"))
    tracking.refresh_from_db()
    assert tracking.status == "live"
    # And the next check finds it healthy: nothing left to repair.
    again, no_repair = _check_and_repair(engine_customer)
    assert again.status == DeploymentStatus.SUCCEEDED
    assert no_repair is None
    assert Tracking.objects.get(pk=tracking.pk).health == TrackingHealth.HEALTHY


def test_a_person_taking_our_entity_name_does_not_block_us(
    engine_customer: Any, google_emulator: Any
) -> None:
    person = Person(google_emulator.http_url)
    tracking = make_tracking(engine_customer, name="Checkout")
    # The name our GA4 tag will get, taken first by a person's own tag.
    name = f"OCT - Checkout [{tracking.pk.hex[:8]}] - GA4"
    theirs = person.default_workspace()
    person.draft_tag(theirs, name)
    person.publish(person.version(theirs, "Theirs first"))

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    live = live_version(engine_customer)
    names = [t["name"] for t in live["tag"]]
    assert name in names, "theirs is left alone"
    ours = [t for t in live["tag"] if str(tracking.pk) in t.get("notes", "")]
    assert len(ours) == 1
    assert ours[0]["name"] != name
    assert "OCT" in ours[0]["name"]
