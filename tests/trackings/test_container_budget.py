"""Google refuses a web container over 200 KB; the product refuses first, before any Google call."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import GoogleConnection
from tests.fixtures.trackings import SYSTEM, calls_by_api, deploy, make_tracking, run_queued
from tests.trackings.api_support import BULK, TRACKINGS, body, create, make_customer
from tests.trackings.gtm_person import Person
from trackings import desired as desired_module
from trackings.compiler.size import CONTAINER_SIZE_LIMIT_BYTES
from trackings.container_budget import growth_bound
from trackings.models import Deployment, DeploymentStatus, Tracking, TrackingStatus
from trackings.services.deployments import deployment_request_health_check
from trackings.services.trackings import customer_container_size

pytestmark = pytest.mark.django_db

# GET .../google/: the membership (the signed-in person is cached), the customer, its
# connection; no read of trackings, no compile.
READ_QUERIES = 3
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


def test_the_limit_is_a_setting_the_engine_and_the_connection_follow(
    alice: Any, engine_customer: Any, settings: Any
) -> None:
    # GTM_CONTAINER_SIZE_LIMIT_BYTES (only the bench moves it: upwards, with the emulator's own
    # knob) is read at each check; here it is lowered below three small trackings.
    settings.GTM_CONTAINER_SIZE_LIMIT_BYTES = 3000
    _fill(engine_customer, 3)

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.FAILED
    assert deployment.error_code == "gtm_container_too_large"
    assert "over Google's limit of 3000 bytes" in deployment.error_message
    assert deployment.google_calls.get("gtm", 0) == 0
    shown = alice.client.get(f"/api/v1/customers/{engine_customer.pk}/google/").json()
    assert shown["container_size_limit"] == 3000


def test_the_connection_shows_the_size_and_the_limit(alice: Any) -> None:
    customer = make_customer(alice)
    url = f"/api/v1/customers/{customer.pk}/google/"
    create(alice, customer)
    small = alice.client.get(url).json()
    create(alice, customer, config={"selector": LONG_SELECTOR})

    shown = alice.client.get(url).json()

    assert shown["container_size_limit"] == CONTAINER_SIZE_LIMIT_BYTES == 204_800
    assert 0 < small["container_size_bytes"] < shown["container_size_bytes"]
    assert shown["container_size_bytes"] - small["container_size_bytes"] > 480
    # The first write measured the whole container; the second, far below the limit, added
    # its own entities compiled alone (shared ones included): never less than a compile of
    # everything says, never more than the first measure plus that bound.
    latest = Tracking.objects.filter(customer=customer).latest("created_at")
    exact = customer_container_size(customer=customer)
    bound = growth_bound(customer, [latest])
    assert exact <= shown["container_size_bytes"] == small["container_size_bytes"] + bound
    assert shown["container_size_foreign_bytes"] == 0


def test_a_write_far_below_the_limit_compiles_only_what_it_writes(
    alice: Any, monkeypatch: Any
) -> None:
    customer = make_customer(alice)
    for index in range(20):
        create(alice, customer, name=f"T {index}", config={"selector": f"#b{index}"})
    compiled: list[int] = []
    original = desired_module.compile_desired

    def counting(customer: Any, trackings: list[Any], *args: Any) -> Any:
        compiled.append(len(trackings))
        return original(customer, trackings, *args)

    monkeypatch.setattr("trackings.container_budget.compile_desired", counting)
    create(alice, customer, name="One more", config={"selector": "#one-more"})
    assert compiled == [1]
    # Near the limit (a person's entities take what our bound leaves) the whole container is
    # compiled, the write judged exactly (it fits: the bound overcounts shared entities), and
    # the stored measure is exact again.
    connection = GoogleConnection.objects.get(customer=customer)
    bound = connection.gtm_our_size_bytes
    assert bound > customer_container_size(customer=customer)
    connection.gtm_foreign_size_bytes = CONTAINER_SIZE_LIMIT_BYTES - bound - 10
    connection.save(update_fields=["gtm_foreign_size_bytes"])
    compiled.clear()
    create(alice, customer, name="Near the limit", config={"selector": "#near"})
    assert compiled == [1, 22]
    connection.refresh_from_db()
    assert connection.gtm_our_size_bytes == customer_container_size(customer=customer)


def test_a_customer_without_a_connection_shows_zero(alice: Any) -> None:
    customer = make_customer(alice, connected=False)

    shown = alice.client.get(f"/api/v1/customers/{customer.pk}/google/").json()

    assert shown["container_size_bytes"] == 0
    assert shown["container_size_limit"] == CONTAINER_SIZE_LIMIT_BYTES


def test_reading_the_connection_compiles_nothing(
    alice: Any, monkeypatch: pytest.MonkeyPatch, django_assert_num_queries: Any
) -> None:
    customer = make_customer(alice)
    for index in range(40):
        create(alice, customer, name=f"T {index}", config={"selector": f"#b{index}"})
    compiles: list[int] = []
    real_compile = desired_module.compile_container

    def counting_compile(*args: Any, **kwargs: Any) -> Any:
        compiles.append(1)
        return real_compile(*args, **kwargs)

    monkeypatch.setattr(desired_module, "compile_container", counting_compile)
    url = f"/api/v1/customers/{customer.pk}/google/"

    # Authentication and membership, the customer, its connection: the same with 40 trackings
    # as with none.
    with django_assert_num_queries(READ_QUERIES):
        shown = alice.client.get(url).json()

    assert compiles == []
    assert shown["container_size_bytes"] > 40 * 200


def test_an_update_that_shrinks_an_over_limit_container_is_accepted(alice: Any) -> None:
    customer = make_customer(alice)
    # Over the limit already (written straight to the database, as a lowered limit or a
    # person's edits would leave it).
    _fill(customer, 100)
    big = Tracking.objects.filter(customer=customer).order_by("created_at").first()
    assert big is not None
    assert customer_container_size(customer=customer) > CONTAINER_SIZE_LIMIT_BYTES

    shrunk = alice.client.patch(
        f"{TRACKINGS}{big.pk}/", {"config": {"selector": "#short"}}, format="json"
    )
    # A shorter name shortens its entities' names: smaller still.
    same = alice.client.patch(f"{TRACKINGS}{big.pk}/", {"name": "B0"}, format="json")
    grown = alice.client.patch(
        f"{TRACKINGS}{big.pk}/", {"config": {"selector": LONG_SELECTOR + "-more"}}, format="json"
    )
    added = alice.client.post(TRACKINGS, body(customer), format="json")

    assert shrunk.status_code == 202, shrunk.json()
    assert same.status_code == 202, same.json()
    assert grown.status_code == 400, grown.json()
    assert "bytes over Google's limit" in str(grown.json())
    assert added.status_code == 400, added.json()
    big.refresh_from_db()
    assert (big.config, big.name, big.version) == ({"selector": "#short"}, "B0", 3)


def _publish_their_big_tag(google_emulator: Any, html_bytes: int) -> None:
    """A person's own Custom HTML tag of `html_bytes`, published by hand through the GTM API."""
    person = Person(google_emulator.http_url)
    workspace = person.default_workspace()
    person.service.accounts().containers().workspaces().tags().create(
        parent=workspace,
        body={
            "name": "Their chat widget",
            "type": "html",
            "parameter": [
                {"type": "template", "key": "html", "value": "<script>" + "x" * html_bytes}
            ],
            "firingTriggerId": ["2147479553"],
        },
    ).execute()
    person.publish(person.version(workspace, "Their widget"))


def test_a_persons_entities_count_in_the_budget_from_the_last_live_read(
    alice: Any, engine_customer: Any, google_emulator: Any
) -> None:
    kept = create(alice, engine_customer, config={"selector": "#kept-" + "k" * 300})
    run_queued(engine_customer)
    _publish_their_big_tag(google_emulator, 196_000)
    url = f"/api/v1/customers/{engine_customer.pk}/google/"
    before_check = alice.client.get(url).json()

    deployment_request_health_check(customer=engine_customer, actor=SYSTEM)
    run_queued(engine_customer)
    shown = alice.client.get(url).json()
    # Three trackings of about 2.1 KB each: they would fit beside ours alone.
    items = [body(engine_customer, config={"selector": f"{LONG_SELECTOR}{i}"}) for i in range(3)]
    refused = alice.client.post(BULK, {"trackings": items}, format="json")
    shrunk = alice.client.patch(
        f"{TRACKINGS}{kept['id']}/", {"config": {"selector": "#kept"}}, format="json"
    )

    # Until the engine read the live version, only ours is known.
    assert before_check["container_size_foreign_bytes"] == 0
    assert before_check["container_size_bytes"] + 3 * 2200 < CONTAINER_SIZE_LIMIT_BYTES
    assert 196_000 < shown["container_size_foreign_bytes"] < 197_000
    assert shown["container_live_size_bytes"] > shown["container_size_foreign_bytes"]
    assert shown["container_live_size_read_at"] is not None
    assert shown["container_size_bytes"] == (
        before_check["container_size_bytes"] + shown["container_size_foreign_bytes"]
    )
    assert refused.status_code == 400, refused.json()
    assert "made in GTM by hand" in str(refused.json())
    assert Tracking.objects.filter(customer=engine_customer).count() == 1
    assert shrunk.status_code == 202, shrunk.json()


def test_a_deployment_records_our_size_and_the_live_size(alice: Any, engine_customer: Any) -> None:
    create(alice, engine_customer)
    GoogleConnection.objects.filter(customer=engine_customer).update(gtm_our_size_bytes=0)

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    connection = GoogleConnection.objects.get(customer=engine_customer)
    assert connection.gtm_our_size_bytes == customer_container_size(customer=engine_customer)
    assert connection.gtm_live_size_bytes >= connection.gtm_our_size_bytes > 0
    assert connection.gtm_live_size_read_at is not None


def test_choosing_another_container_forgets_the_old_ones_live_size(
    alice: Any, engine_customer: Any
) -> None:
    connection = GoogleConnection.objects.get(customer=engine_customer)
    GoogleConnection.objects.filter(pk=connection.pk).update(
        gtm_live_size_bytes=150_000, gtm_foreign_size_bytes=140_000
    )
    url = f"/api/v1/customers/{engine_customer.pk}/google/"

    same = alice.client.patch(url, {"gtm_container_id": connection.gtm_container_id})
    other = alice.client.patch(url, {"gtm_container_id": "create"}, format="json")

    assert same.status_code == 200, same.json()
    assert same.json()["container_size_foreign_bytes"] == 140_000
    assert other.status_code == 200, other.json()
    assert other.json()["gtm_container_id"] != connection.gtm_container_id
    shown = alice.client.get(url).json()
    assert (shown["container_size_foreign_bytes"], shown["container_live_size_bytes"]) == (0, 0)
    assert shown["container_live_size_read_at"] is None
