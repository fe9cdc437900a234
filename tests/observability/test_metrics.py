"""`/metrics` is Prometheus text that the Prometheus client's own parser reads; its counters move
with the work done; in production it answers only to the metrics token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import resolve
from prometheus_client.parser import text_string_to_metric_families

from oneclicktag.observability import queue_depths
from tests.fixtures.trackings import deploy, make_tracking
from trackings.models import DeploymentStatus

pytestmark = pytest.mark.django_db


def scrape(client: Any, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `/metrics` by (name, sorted labels)."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_deployment_and_google_call_counters_move_after_a_deployment(
    anonymous_client: Any, engine_customer: Any
) -> None:
    make_tracking(engine_customer)
    before = scrape(anonymous_client)

    deployment = deploy(engine_customer)

    after = scrape(anonymous_client)
    assert deployment.status == DeploymentStatus.SUCCEEDED
    deployed = {"kind": "deploy", "outcome": "succeeded"}
    assert value(after, "oneclicktag_deployments_total", **deployed) == (
        value(before, "oneclicktag_deployments_total", **deployed) + 1
    )
    assert value(after, "oneclicktag_deployment_duration_seconds_count", kind="deploy") == (
        value(before, "oneclicktag_deployment_duration_seconds_count", kind="deploy") + 1
    )
    publish = {
        "api": "gtm",
        "method": "tagmanager.accounts.containers.versions.publish",
        "outcome": "ok",
    }
    assert value(after, "oneclicktag_google_calls_total", **publish) == (
        value(before, "oneclicktag_google_calls_total", **publish) + 1
    )
    assert value(after, "oneclicktag_trackings", status="live") >= 1
    # Read from the broker when scraped.
    assert ("oneclicktag_queue_depth", (("queue", "celery"),)) in after
    assert ("oneclicktag_queue_depth", (("queue", "webhooks"),)) in after
    assert ("oneclicktag_queue_depth", (("queue", "site_checks"),)) in after


def test_queue_depth_of_the_embedded_filesystem_broker(tmp_path: Path, settings: Any) -> None:
    """`make run` has no Redis: the waiting messages are files named after their queue."""
    settings.REDIS_URL = None
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for name in ("1_a.celery.msg", "2_b.celery.msg", "3_c.site_checks.msg", "4_d.other.msg"):
        (tmp_path / name).write_bytes(b"{}")

    assert queue_depths() == {"celery": 2, "webhooks": 0, "site_checks": 1}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    assert queue_depths() is None


def test_requests_are_counted_by_route_not_by_path(alice: Any, anonymous_client: Any) -> None:
    customer = alice.client.post(
        "/api/v1/customers/", {"name": "Shop", "website_url": "https://shop.example"}
    ).json()
    before = scrape(anonymous_client)

    alice.client.get(f"/api/v1/customers/{customer['id']}/")
    alice.client.get(f"/api/v1/customers/{customer['id']}/")

    after = scrape(anonymous_client)
    routes = {
        dict(labels)["route"]
        for (name, labels) in after
        if name == "oneclicktag_http_requests_total"
    }
    assert not any(customer["id"] in route for route in routes)
    detail = resolve(f"/api/v1/customers/{customer['id']}/").route
    assert detail in routes
    assert "<pk>" in detail
    labels = {"route": detail, "method": "GET", "status": "200"}
    assert value(after, "oneclicktag_http_requests_total", **labels) == (
        value(before, "oneclicktag_http_requests_total", **labels) + 2
    )
    assert (
        value(after, "oneclicktag_http_request_duration_seconds_count", route=detail, method="GET")
        == value(
            before, "oneclicktag_http_request_duration_seconds_count", route=detail, method="GET"
        )
        + 2
    )


def test_a_token_protects_it_when_set(anonymous_client: Any, settings: Any) -> None:
    settings.METRICS_TOKEN = "metrics-secret-0123456789"

    assert anonymous_client.get("/metrics").status_code == 401
    wrong = anonymous_client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 401
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    assert scrape(anonymous_client, HTTP_AUTHORIZATION="Bearer metrics-secret-0123456789")


def test_without_a_token_where_one_is_required_it_is_not_served(
    anonymous_client: Any, settings: Any
) -> None:
    settings.METRICS_REQUIRE_TOKEN = True
    settings.METRICS_TOKEN = ""

    assert anonymous_client.get("/metrics").status_code == 404
