"""Google refuses a web container over 200 KB; the product refuses first, before any Google call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import calls_by_api, deploy, make_tracking
from tests.trackings.api_support import TRACKINGS, body, make_customer
from trackings.compiler.size import CONTAINER_SIZE_LIMIT_BYTES
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.trackings import customer_container_size

pytestmark = pytest.mark.django_db

# Each such tracking compiles to about 2.1 KB of entities: 100 of them pass 200 KB.
LONG_SELECTOR = "button." + "x" * 480


def _fill(customer: Any, count: int, **fields: Any) -> None:
    for index in range(count):
        make_tracking(
            customer, name=f"Big {index}", config={"selector": f"{LONG_SELECTOR}{index}"}, **fields
        )


def test_a_create_past_the_limit_is_a_400_and_writes_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    _fill(customer, 100)
    before = Tracking.objects.filter(customer=customer).count()

    response = alice.client.post(TRACKINGS, body(customer), format="json")

    assert response.status_code == 400, response.json()
    message = str(response.json())
    assert "non_field_errors" in message
    assert "bytes over Google's limit" in message
    assert Tracking.objects.filter(customer=customer).count() == before
    assert not Deployment.objects.filter(customer=customer).exists()


def test_an_update_past_the_limit_is_a_400_and_changes_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    _fill(customer, 95)
    small = make_tracking(customer, config={"selector": "#small"})
    size = customer_container_size(customer=customer)
    assert size <= CONTAINER_SIZE_LIMIT_BYTES, size

    response = alice.client.patch(
        f"{TRACKINGS}{small.pk}/", {"config": {"selector": LONG_SELECTOR + "-grown"}}, format="json"
    )

    assert response.status_code == 400, response.json()
    assert "config" in str(response.json())
    assert "bytes over Google's limit" in str(response.json())
    small.refresh_from_db()
    assert small.config == {"selector": "#small"}
    assert small.version == 1


def test_the_engine_refuses_before_any_google_call(
    engine_customer: Any, google_emulator: Any
) -> None:
    # Written straight to the database, as if the limit had been passed some other way.
    _fill(engine_customer, 100)
    before = google_emulator.stats().get("calls") or {}
    before_totals = calls_by_api(google_emulator.stats())

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_container_too_large"
    assert "bytes over Google's limit" in deployment.error_message
    after = google_emulator.stats().get("calls") or {}
    assert calls_by_api(google_emulator.stats()) == before_totals
    bulk = [m for m in after if "bulk_update" in m]
    assert all(after[m] == before.get(m, 0) for m in bulk)
    assert deployment.google_calls.get("gtm", 0) == 0
    assert not Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE)


def test_the_connection_shows_the_size_and_the_limit(alice: Any) -> None:
    customer = make_customer(alice)
    url = f"/api/v1/customers/{customer.pk}/google/"
    empty = alice.client.get(url).json()
    make_tracking(customer, config={"selector": LONG_SELECTOR})

    shown = alice.client.get(url).json()

    assert shown["container_size_limit"] == CONTAINER_SIZE_LIMIT_BYTES == 204_800
    assert 0 < empty["container_size_bytes"] < shown["container_size_bytes"]
    assert shown["container_size_bytes"] - empty["container_size_bytes"] > 480


def test_a_customer_without_a_connection_shows_zero(alice: Any) -> None:
    customer = make_customer(alice, connected=False)

    shown = alice.client.get(f"/api/v1/customers/{customer.pk}/google/").json()

    assert shown["container_size_bytes"] == 0
    assert shown["container_size_limit"] == CONTAINER_SIZE_LIMIT_BYTES
