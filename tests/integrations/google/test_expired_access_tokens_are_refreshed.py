"""An expired access token is refreshed at the token endpoint and stored, encrypted."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.utils import timezone

from integrations.google.clients import google_clients_for
from integrations.google.credentials import EXPIRY_MARGIN
from oneclicktag.core.crypto import decrypt_token
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


def test_an_expired_token_is_refreshed_before_the_call(alice: Any, google_emulator: Any) -> None:
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 12}})
    connection = oauth_connect(alice)
    # Our margin is 10 s: the 12 s token counts as expired two seconds from now.
    assert connection.access_token_expires_at is not None
    wait = (connection.access_token_expires_at - EXPIRY_MARGIN - timezone.now()).total_seconds()
    time.sleep(max(0.0, wait) + 0.2)
    first_token = decrypt_token(connection.access_token_encrypted)
    connected_refresh = connection.last_refreshed_at
    assert connected_refresh is not None
    token_calls = google_emulator.stats()["calls"].get("oauth2.token", 0)

    clients = google_clients_for(connection)
    assert clients.gtm.list_accounts()

    connection.refresh_from_db()
    assert decrypt_token(connection.access_token_encrypted) != first_token
    assert connection.last_refreshed_at is not None
    assert connection.last_refreshed_at > connected_refresh
    assert connection.access_token_expires_at is not None
    assert google_emulator.stats()["calls"]["oauth2.token"] == token_calls + 1
    assert clients.context.counter.calls["oauth"] == 1


def test_a_fresh_token_is_used_without_refreshing(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    token_calls = google_emulator.stats()["calls"].get("oauth2.token", 0)
    clients = google_clients_for(connection)
    clients.gtm.list_accounts()
    assert google_emulator.stats()["calls"].get("oauth2.token", 0) == token_calls
    assert clients.calls == {"gtm": 1, "ads": 0, "ga4": 0}


def test_a_token_expiring_between_calls_is_refreshed_for_ads_and_gtm(
    alice: Any, google_emulator: Any
) -> None:
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 12}})
    connection = oauth_connect(alice)
    clients = google_clients_for(connection)
    assert clients.ads.list_accessible_customers()
    assert clients.credentials.expiry is not None
    wait = (
        clients.credentials.expiry - EXPIRY_MARGIN - timezone.now().replace(tzinfo=None)
    ).total_seconds()
    time.sleep(max(0.0, wait) + 0.2)
    refreshes = clients.context.counter.calls["oauth"]
    # The gRPC auth plugin refreshes through our wrapper, then GTM reuses the new token.
    assert clients.ads.list_accessible_customers()
    assert clients.gtm.list_accounts()
    assert clients.context.counter.calls["oauth"] == refreshes + 1
