"""Rollback republishes one of our earlier versions; refused with 409 when someone else
published since, unless forced."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import deploy, live_version, make_tracking, run_queued
from tests.trackings.test_engine_foreign_entities import publish_foreign_entities
from trackings.models import Deployment, DeploymentKind, DeploymentStatus

pytestmark = pytest.mark.django_db


def _rollback(alice: Any, customer: Any, version: str, **body: Any) -> Any:
    return alice.client.post(
        f"/api/v1/customers/{customer.pk}/versions/{version}/rollback/", body, format="json"
    )


def test_it_republishes_an_earlier_version(alice: Any, engine_customer: Any) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer).gtm_version_id
    make_tracking(engine_customer)
    second = deploy(engine_customer).gtm_version_id
    versions = alice.client.get(f"/api/v1/customers/{engine_customer.pk}/versions/").json()
    assert [v["gtm_version_id"] for v in versions["results"]] == [second, first]

    response = _rollback(alice, engine_customer, first)

    assert response.status_code == 202, response.content
    assert response.json()["kind"] == DeploymentKind.ROLLBACK
    run_queued(engine_customer)
    rollback = Deployment.objects.get(pk=response.json()["id"])
    assert rollback.status == DeploymentStatus.SUCCEEDED, rollback.error_message
    assert live_version(engine_customer)["containerVersionId"] == first


def test_it_refuses_when_someone_else_published_since_unless_forced(
    alice: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer).gtm_version_id
    make_tracking(engine_customer)
    deploy(engine_customer)
    publish_foreign_entities(engine_customer)
    theirs = live_version(engine_customer)["containerVersionId"]

    refused = _rollback(alice, engine_customer, first)

    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "gtm_published_elsewhere"
    assert theirs in refused.json()["error"]["message"]
    assert not Deployment.objects.filter(kind=DeploymentKind.ROLLBACK).exists()

    forced = _rollback(alice, engine_customer, first, force=True)
    assert forced.status_code == 202, forced.content
    run_queued(engine_customer)
    assert Deployment.objects.get(pk=forced.json()["id"]).status == DeploymentStatus.SUCCEEDED
    assert live_version(engine_customer)["containerVersionId"] == first


def test_an_unknown_version_is_404_and_force_must_be_a_boolean(
    alice: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer)
    version = deploy(engine_customer).gtm_version_id
    assert _rollback(alice, engine_customer, "999").status_code == 404
    bad = _rollback(alice, engine_customer, version, force="maybe")
    assert bad.status_code == 400
    assert "force" in bad.json()["error"]["fields"]


def test_the_engine_checks_again_when_the_rollback_runs(alice: Any, engine_customer: Any) -> None:
    make_tracking(engine_customer)
    first = deploy(engine_customer).gtm_version_id
    make_tracking(engine_customer)
    deploy(engine_customer)
    accepted = _rollback(alice, engine_customer, first)
    assert accepted.status_code == 202
    # Someone publishes between the request and the run.
    publish_foreign_entities(engine_customer)
    run_queued(engine_customer)

    rollback = Deployment.objects.get(pk=accepted.json()["id"])
    assert rollback.status == DeploymentStatus.FAILED
    assert rollback.error_code == "gtm_published_elsewhere"
    assert live_version(engine_customer)["containerVersionId"] != first


def test_a_version_id_with_a_nul_character_is_not_found(alice: Any) -> None:
    from tests.trackings.api_support import make_customer

    response = _rollback(alice, make_customer(alice), "5%00")

    assert response.status_code == 404
    assert not Deployment.objects.exists()
