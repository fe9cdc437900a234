"""Redis down, the product up (issue 13: every request answered 500 and the deployment in flight
failed for good). A Redis server of the test's own, stopped and started again."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import current_app

from customers.models import Customer
from integrations.google.calls import CallCounter
from tests.fixtures.trackings import SYSTEM, make_tracking, run_queued
from tests.trackings.api_support import TRACKINGS, body, make_customer
from trackings.engine import deployment_run
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_enqueue

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RedisServer]:
    """Cache, throttles, GTM quota buckets and broker all on a Redis server of this test."""
    server = RedisServer(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
        }
    }
    monkeypatch.setattr(current_app.conf, "broker_url", server.url)
    try:
        yield server
    finally:
        server.stop()


def test_reads_answer_writes_needing_the_queue_say_503_and_the_deployment_waits(
    alice: Any,
    engine_customer: Customer,
    own_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracking = make_tracking(engine_customer)
    deployment = deployment_enqueue(customer=engine_customer, actor=SYSTEM)
    other = make_customer(alice, name="Waiting Shop")
    trackings_before = Tracking.objects.count()

    own_redis.stop()
    caplog.set_level(logging.WARNING)

    # The deployment meets the outage (its GTM quota lives in Redis): queued again, not failed.
    deployment_run(organization_id=engine_customer.organization_id, deployment_id=deployment.pk)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.QUEUED, deployment.error_message
    assert deployment.error_code != "internal_error"
    assert deployment.not_before is not None
    assert deployment.attempts == 0

    # Reads answer (the throttle lets them through and says so).
    listed = alice.client.get(TRACKINGS)
    assert listed.status_code == 200
    assert "Throttle cache unavailable" in caplog.text
    # A write that must queue a deployment: 503 with Retry-After, and nothing written.
    refused = alice.client.post(TRACKINGS, body(other), format="json")
    assert refused.status_code == 503, refused.content
    assert refused.json()["error"]["code"] == "queue_unavailable"
    assert int(refused["Retry-After"]) > 0
    assert Tracking.objects.count() == trackings_before
    assert not Deployment.objects.filter(customer=other).exists()
    # A write whose deployment is already queued needs no broker: it is accepted.
    joined = alice.client.post(TRACKINGS, body(engine_customer, name="Joins"), format="json")
    assert joined.status_code == 202, joined.content

    # Redis back: the same deployment goes on and ends live.
    own_redis.start()
    run_queued(engine_customer)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE


def test_counting_google_calls_never_fails_a_call(alice: Any, own_redis: RedisServer) -> None:
    counter = CallCounter(organization_id=str(alice.organization.pk))
    own_redis.stop()
    counter.record("gtm", error=False)
    assert counter.as_dict()["gtm"] == 1
