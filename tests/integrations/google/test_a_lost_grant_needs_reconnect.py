"""`invalid_grant` (the grant was revoked at Google) marks the connection and stops all calls."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import ConnectionStatus, GoogleConnection
from integrations.google.clients import google_clients_for
from integrations.google.errors import GoogleNeedsReconnect
from tenants.models import AuditEvent
from tests.fixtures.google import oauth_connect, revoke_at_google, run_oauth_flow

pytestmark = pytest.mark.django_db


def _total_calls(emulator: Any) -> int:
    return sum(emulator.stats()["calls"].values())


def test_invalid_grant_marks_the_connection_and_stops_further_calls(
    alice: Any, google_emulator: Any
) -> None:
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 5}})
    connection = oauth_connect(alice)
    revoke_at_google(google_emulator, connection)

    with pytest.raises(GoogleNeedsReconnect):
        google_clients_for(connection).gtm.list_accounts()

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT
    assert "invalid_grant" in connection.last_error
    assert AuditEvent.objects.filter(action="google_connection.needs_reconnect").count() == 1

    before = _total_calls(google_emulator)
    with pytest.raises(GoogleNeedsReconnect):
        google_clients_for(connection)
    base = f"/api/v1/customers/{connection.customer_id}/google/"
    listing = alice.client.get(base + "gtm-containers/")
    assert listing.status_code == 409
    assert listing.json()["error"]["code"] == "google_needs_reconnect"
    assert _total_calls(google_emulator) == before
    assert alice.client.get(base).json()["status"] == "needs_reconnect"


def test_a_revoked_access_token_is_caught_on_the_api_call(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    revoke_at_google(google_emulator, connection)
    clients = google_clients_for(connection)
    with pytest.raises(GoogleNeedsReconnect):
        clients.gtm.list_accounts()
    with pytest.raises(GoogleNeedsReconnect):
        clients.ga4.list_account_summaries()
    assert google_emulator.stats()["calls"].get("analyticsadmin.accounts.list", 0) == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_RECONNECT


def test_reconnecting_restores_the_connection_and_keeps_the_choices(
    alice: Any, connect_customer: Any, google_emulator: Any
) -> None:
    customer = connect_customer(alice)
    connection = GoogleConnection.objects.get(customer=customer)
    revoke_at_google(google_emulator, connection)
    with pytest.raises(GoogleNeedsReconnect):
        google_clients_for(connection).gtm.list_accounts()

    assert run_oauth_flow(alice.client, customer).status_code == 200
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.last_error == ""
    assert connection.gtm_container_id
    assert connection.ga4_stream_id
    assert google_clients_for(connection).gtm.list_accounts()
