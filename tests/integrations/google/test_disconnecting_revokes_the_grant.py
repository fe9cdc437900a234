"""`DELETE /customers/{id}/google/` revokes at Google and forgets the tokens."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.conf import settings

from customers.models import ConnectionStatus, GoogleConnection
from oneclicktag.core.crypto import decrypt_token
from tenants.models import AuditEvent
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


def test_disconnect_revokes_at_google_and_forgets_the_tokens(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    refresh = decrypt_token(connection.refresh_token_encrypted)

    response = alice.client.delete(f"/api/v1/customers/{connection.customer_id}/google/")
    assert response.status_code == 204

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert connection.refresh_token_encrypted == connection.access_token_encrypted == ""
    assert google_emulator.stats()["calls"]["oauth2.revoke"] == 1
    # Google no longer honours the refresh token.
    answer = requests.post(
        f"{google_emulator.http_url}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        },
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    status = alice.client.get(f"/api/v1/customers/{connection.customer_id}/google/").json()
    assert status["status"] == "not_connected"
    event = AuditEvent.objects.get(action="google_connection.disconnect")
    assert refresh not in str(event.before) + str(event.after)


def test_only_admins_disconnect(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    member = alice.client_for("member")
    assert member.delete(f"/api/v1/customers/{connection.customer_id}/google/").status_code == 403
    assert GoogleConnection.objects.get().status == ConnectionStatus.CONNECTED


def test_disconnect_of_another_organizations_customer_is_not_found(
    alice: Any, bob: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    assert (
        bob.client.delete(f"/api/v1/customers/{connection.customer_id}/google/").status_code == 404
    )
    assert GoogleConnection.objects.get().status == ConnectionStatus.CONNECTED
