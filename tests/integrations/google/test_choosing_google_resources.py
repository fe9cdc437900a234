"""PATCH `customers/{id}/google/`: ids are checked against what the grant sees, "create" creates."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.clients import google_clients_for
from tenants.models import AuditEvent
from tests.fixtures.google import SEEDED_CHOICES, make_customer, oauth_connect

pytestmark = pytest.mark.django_db


def _patch(client: Any, connection: GoogleConnection, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/customers/{connection.customer_id}/google/", body, format="json")


def _fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return dict(response.json()["error"]["fields"])


def test_create_makes_our_container_and_workspace_once(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    body = {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": "create"}
    first = _patch(alice.client, connection, body).json()
    second = _patch(alice.client, connection, body).json()
    assert first["gtm_container_id"] == second["gtm_container_id"] != seed.GTM_CONTAINER_ID
    assert first["gtm_public_id"].startswith("GTM-")
    assert first["gtm_workspace_id"] == second["gtm_workspace_id"]

    gtm = google_clients_for(GoogleConnection.objects.get(pk=connection.pk)).gtm
    names = [c["name"] for c in gtm.list_containers(seed.GTM_ACCOUNT_PATH)]
    assert names.count(f"OneClickTag - {connection.customer.name}") == 1
    container = f"{seed.GTM_ACCOUNT_PATH}/containers/{first['gtm_container_id']}"
    assert [w["name"] for w in gtm.list_workspaces(container)].count("OneClickTag") == 1


def test_a_container_with_three_foreign_workspaces_is_refused(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    gtm = google_clients_for(connection).gtm
    gtm.create_workspace(seed.GTM_CONTAINER_PATH, "Theirs 1", "")
    gtm.create_workspace(seed.GTM_CONTAINER_PATH, "Theirs 2", "")
    response = _patch(
        alice.client,
        connection,
        {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": seed.GTM_CONTAINER_ID},
    )
    assert "workspaces" in _fields(response)["gtm_container_id"][0]


def test_ids_the_grant_cannot_see_are_refused_by_field(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    cases = {
        "gtm_account_id": {"gtm_account_id": "6999999999", "gtm_container_id": "1"},
        "gtm_container_id": {
            "gtm_account_id": seed.GTM_ACCOUNT_ID,
            "gtm_container_id": "7999999999",
        },
        "ga4_property_id": {"ga4_property_id": "4999999"},
        "ga4_stream_id": {"ga4_property_id": "4000001", "ga4_stream_id": "5999999"},
        "ads_customer_id": {"ads_customer_id": "9999999999"},
        "ads_login_customer_id": {
            "ads_customer_id": "2220000002",
            "ads_login_customer_id": "9999999999",
        },
    }
    for field, body in cases.items():
        assert field in _fields(_patch(alice.client, connection, body)), field
    assert GoogleConnection.objects.get(pk=connection.pk).version == connection.version


def test_malformed_values_are_refused_before_calling_google(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    calls = sum(google_emulator.stats()["calls"].values())
    fields = _fields(
        _patch(alice.client, connection, {"gtm_container_id": "GTM-ABC", "ga4_stream_id": "x"})
    )
    assert set(fields) == {"gtm_container_id", "ga4_stream_id"}
    assert _fields(_patch(alice.client, connection, {}))
    assert sum(google_emulator.stats()["calls"].values()) == calls


def test_another_customers_stream_is_never_handed_out(
    alice: Any, bob: Any, connect_customer: Any
) -> None:
    alices = GoogleConnection.objects.get(customer=connect_customer(alice))
    bobs = oauth_connect(bob)
    response = _patch(
        bob.client,
        bobs,
        {"ga4_property_id": alices.ga4_property_id, "ga4_stream_id": alices.ga4_stream_id},
    )
    assert "ga4_stream_id" in _fields(response)
    listed = bob.client.get(f"/api/v1/customers/{bobs.customer_id}/google/ga4-properties/").json()
    stream = listed["properties"][0]["streams"][0]
    assert stream["stream_id"] == alices.ga4_stream_id
    assert stream["available"] is False


def test_a_new_property_and_stream_can_be_created(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    response = _patch(
        alice.client, connection, {"ga4_property_id": "create", "ga4_stream_id": "create"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["ga4_property_id"] != "4000001"
    assert data["ga4_account_id"] == seed.GA4_ACCOUNT
    assert data["ga4_measurement_id"].startswith("G-")


def test_a_new_property_takes_the_customers_time_zone_and_currency(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    customer = connection.customer
    customer.time_zone, customer.currency = "America/Sao_Paulo", "BRL"
    customer.save(update_fields=["time_zone", "currency"])
    response = _patch(
        alice.client, connection, {"ga4_property_id": "create", "ga4_stream_id": "create"}
    )
    assert response.status_code == 200, response.content
    created = google_clients_for(connection).ga4.get_property(
        f"properties/{response.json()['ga4_property_id']}"
    )
    assert (created["timeZone"], created["currencyCode"]) == ("America/Sao_Paulo", "BRL")


def test_the_seeded_choices_are_stored_and_audited(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    response = _patch(alice.client, connection, SEEDED_CHOICES)
    assert response.status_code == 200, response.content
    connection.refresh_from_db()
    assert connection.ads_login_customer_id == seed.ADS_MANAGER_CUSTOMER_ID
    assert connection.gtm_public_id == seed.GTM_CONTAINER_PUBLIC_ID
    event = AuditEvent.objects.get(action="google_connection.update")
    assert event.after is not None
    assert event.after["ga4_stream_id"] == connection.ga4_stream_id
    assert not [key for key in event.after if "token" in key]


def test_a_stale_version_changes_nothing(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    body = {"ads_customer_id": seed.ADS_MANAGER_CUSTOMER_ID, "version": connection.version + 5}
    response = _patch(alice.client, connection, body)
    assert response.status_code == 409
    assert GoogleConnection.objects.get(pk=connection.pk).ads_customer_id == ""


def test_roles_and_organizations(alice: Any, bob: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    base = f"/api/v1/customers/{connection.customer_id}/google/"
    viewer = alice.client_for("viewer")
    assert viewer.get(base).status_code == 200
    assert viewer.patch(base, {"ads_customer_id": "1110000001"}, format="json").status_code == 403
    assert alice.client_for("member").patch(base, {}, format="json").status_code == 403
    assert bob.client.get(base).status_code == 404
    assert bob.client.get(base + "gtm-containers/").status_code == 404
    not_connected = make_customer(alice)
    response = alice.client.get(f"/api/v1/customers/{not_connected.pk}/google/ads-accounts/")
    assert response.status_code == 409


def test_bob_can_neither_choose_nor_list_for_alices_connection(
    alice: Any, bob: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    base = f"/api/v1/customers/{connection.customer_id}/google/"
    calls_before = google_emulator.stats()["calls"]

    for client in (bob.client, bob.api_key_client("admin")):
        assert _patch(client, connection, dict(SEEDED_CHOICES)).status_code == 404
        assert client.get(base + "ads-accounts/").status_code == 404
        assert client.get(base + "ga4-properties/").status_code == 404
    stored = GoogleConnection.objects.get(pk=connection.pk)
    assert (stored.gtm_container_id, stored.ads_customer_id, stored.version) == (
        "",
        "",
        connection.version,
    )
    assert google_emulator.stats()["calls"] == calls_before


def test_choosing_what_is_already_chosen_changes_nothing(alice: Any, connect_customer: Any) -> None:
    customer = connect_customer(alice)
    connection = GoogleConnection.objects.get(customer=customer)
    events = AuditEvent.objects.filter(action="google_connection.update").count()
    body = {
        "gtm_account_id": connection.gtm_account_id,
        "gtm_container_id": connection.gtm_container_id,
        "ads_customer_id": connection.ads_customer_id,
        "ads_login_customer_id": connection.ads_login_customer_id,
    }
    response = _patch(alice.client, connection, body)
    assert response.status_code == 200, response.content
    assert GoogleConnection.objects.get(pk=connection.pk).version == connection.version
    assert AuditEvent.objects.filter(action="google_connection.update").count() == events


def _gtm_calls(google_emulator: Any) -> int:
    calls = google_emulator.stats()["calls"]
    return sum(n for method, n in calls.items() if method.startswith("tagmanager."))


def test_a_polling_viewer_reads_the_gtm_lists_once_a_minute(
    alice: Any, google_emulator: Any
) -> None:
    # Issue 13: every poll of a live-reading endpoint spent calls of the quota all tenants share.
    connection = oauth_connect(alice)
    url = f"/api/v1/customers/{connection.customer_id}/google/gtm-containers/"
    viewer = alice.client_for("viewer")
    before = _gtm_calls(google_emulator)
    first = viewer.get(url)
    assert first.status_code == 200, first.content
    read_once = _gtm_calls(google_emulator)
    assert read_once - before == 1 + len(first.json()["accounts"])  # accounts, then containers

    for _ in range(5):
        assert viewer.get(url).json() == first.json()
    assert _gtm_calls(google_emulator) == read_once

    # Choosing "create" makes a container: the next list reads Google again and shows it.
    created = _patch(
        alice.client,
        connection,
        {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": "create"},
    ).json()["gtm_container_id"]
    listed = viewer.get(url).json()["accounts"]
    assert created in [c["container_id"] for a in listed for c in a["containers"]]
