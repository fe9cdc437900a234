"""The deployments API: dry-run plan, deploy now, the list and detail, cancel and retry."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import SYSTEM, calls_by_api, make_tracking, run_queued
from trackings.models import Deployment, DeploymentKind, DeploymentStatus
from trackings.services.deployments import deployment_enqueue

pytestmark = pytest.mark.django_db


def test_the_plan_is_a_dry_run_that_changes_nothing(
    alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    tracking = make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    before = google_emulator.stats()["calls"]

    response = alice.client.get(f"/api/v1/customers/{engine_customer.pk}/plan/")

    assert response.status_code == 200, response.content
    plan = response.json()
    created_keys = {row["key"] for row in plan["gtm"]["create"]}
    assert f"oneclicktag:trigger:{tracking.pk}" in created_keys
    assert f"oneclicktag:ga4-tag:{tracking.pk}" in created_keys
    assert plan["gtm"]["update"] == []
    assert plan["gtm"]["delete"] == []
    assert [row["tracking"] for row in plan["ads"]["create"]] == [str(tracking.pk)]
    assert set(plan["ads"]) == {"create", "update", "remove"}
    after = google_emulator.stats()["calls"]
    writes = [
        m for m in after if m.endswith(("bulk_update", "create_version", "publish", ".create"))
    ]
    assert all(after[m] == before.get(m, 0) for m in writes), (before, after)
    mutate = [m for m in after if m.endswith("MutateConversionActions")]
    # The Ads call was made, as validate_only: nothing exists in Ads afterwards.
    assert mutate
    assert after[mutate[0]] == before.get(mutate[0], 0) + 1
    assert not Deployment.objects.filter(customer=engine_customer).exists()


def test_deploy_answers_202_with_the_queued_deployment(alice: Any, engine_customer: Any) -> None:
    response = alice.client.post(f"/api/v1/customers/{engine_customer.pk}/deploy/")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["kind"] == "deploy"
    assert body["customer"] == str(engine_customer.pk)
    assert body["progress"] == {"done": 0, "total": 0}
    assert body["google_calls"] == {"gtm": 0, "ads": 0, "ga4": 0}
    assert body["error"] is None
    again = alice.client.post(f"/api/v1/customers/{engine_customer.pk}/deploy/")
    assert again.json()["id"] == body["id"], "a second request joins the queued deployment"


def test_a_finished_deployment_shows_progress_calls_plan_and_version(
    alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    before = calls_by_api(google_emulator.stats())
    run_queued(engine_customer)
    spent = calls_by_api(google_emulator.stats())

    body = alice.client.get(f"/api/v1/deployments/{deployment.pk}/").json()

    assert body["status"] == "succeeded"
    assert body["progress"]["done"] == body["progress"]["total"] > 3
    assert body["google_calls"]["gtm"] == spent["gtm"] - before["gtm"]
    assert body["gtm_version_id"]
    assert body["plan"]["gtm"]["create"]
    assert body["started_at"]
    assert body["finished_at"]
    assert body["created_at"]
    listed = alice.client.get("/api/v1/deployments/", {"customer": str(engine_customer.pk)}).json()
    assert [d["id"] for d in listed["results"]] == [str(deployment.pk)]
    assert alice.client.get("/api/v1/deployments/", {"status": "failed"}).json()["results"] == []


def test_only_a_queued_deployment_can_be_cancelled(alice: Any, engine_customer: Any) -> None:
    queued = deployment_enqueue(customer=engine_customer, actor=SYSTEM)

    cancelled = alice.client.post(f"/api/v1/deployments/{queued.pk}/cancel/")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    again = alice.client.post(f"/api/v1/deployments/{queued.pk}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_a_failed_deployment_can_be_retried_and_the_retry_succeeds(
    alice: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer)
    connection = engine_customer.google_connection
    container = connection.gtm_container_id
    # A container that does not exist: Google refuses, the deployment fails with its reason.
    type(connection).objects.filter(pk=connection.pk).update(gtm_container_id="7999999999")
    failed = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    failed.refresh_from_db()
    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code
    assert failed.error_message
    body = alice.client.get(f"/api/v1/deployments/{failed.pk}/").json()
    assert body["error"] == {"code": failed.error_code, "message": failed.error_message}
    assert alice.client.post(f"/api/v1/deployments/{failed.pk}/cancel/").status_code == 409

    type(connection).objects.filter(pk=connection.pk).update(gtm_container_id=container)
    retried = alice.client.post(f"/api/v1/deployments/{failed.pk}/retry/")
    assert retried.status_code == 202, retried.content
    assert retried.json()["id"] != str(failed.pk)
    run_queued(engine_customer)
    assert Deployment.objects.get(pk=retried.json()["id"]).status == DeploymentStatus.SUCCEEDED
    again = alice.client.post(f"/api/v1/deployments/{retried.json()['id']}/retry/")
    assert again.status_code == 409


def test_a_health_check_is_a_check_deployment(alice: Any, engine_customer: Any) -> None:
    response = alice.client.post(f"/api/v1/customers/{engine_customer.pk}/health-check/")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == DeploymentKind.CHECK


def test_viewers_read_but_do_not_deploy(alice: Any, engine_customer: Any) -> None:
    viewer = alice.client_for("viewer")
    assert viewer.post(f"/api/v1/customers/{engine_customer.pk}/deploy/").status_code == 403
    assert viewer.get("/api/v1/deployments/").status_code == 200


def test_the_plan_of_a_customer_without_google_is_a_409(alice: Any) -> None:
    from tests.trackings.api_support import make_customer

    customer = make_customer(alice, connected=False)
    response = alice.client.get(f"/api/v1/customers/{customer.pk}/plan/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "google_not_connected"


def test_bad_filter_values_are_validation_errors(alice: Any) -> None:
    for params, field in (
        ({"customer": "nope"}, "customer"),
        ({"status": "sleeping"}, "status"),
        ({"kind": "teleport"}, "kind"),
    ):
        response = alice.client.get("/api/v1/deployments/", params)
        assert response.status_code == 400, params
        assert field in response.json()["error"]["fields"], params


def test_polling_the_plan_reads_gtm_once_a_minute_and_again_after_a_deployment(
    alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    # Issue 13: a viewer polling the plan every 0.5 s spent 4-5 GTM calls per poll.
    make_tracking(engine_customer)
    viewer = alice.client_for("viewer")
    url = f"/api/v1/customers/{engine_customer.pk}/plan/"
    before = calls_by_api(google_emulator.stats())["gtm"]
    first = viewer.get(url)
    assert first.status_code == 200, first.content
    read = calls_by_api(google_emulator.stats())["gtm"] - before
    assert read > 0
    for _ in range(5):
        again = viewer.get(url)
        assert again.json()["gtm"] == first.json()["gtm"]
        assert again.json()["gtm_read_at"] == first.json()["gtm_read_at"]
    assert calls_by_api(google_emulator.stats())["gtm"] - before == read

    # A deployment changes the container: the next plan reads it again and shows it done.
    deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    after = viewer.get(url).json()
    assert after["gtm_read_at"] > first.json()["gtm_read_at"]
    assert after["gtm"]["create"] == []
