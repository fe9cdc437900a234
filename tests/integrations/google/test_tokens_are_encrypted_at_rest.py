"""Tokens are Fernet ciphertexts in the database; rotating keys keeps connections working."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.clients import google_clients_for
from oneclicktag.core.crypto import decrypt_token
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


def _raw_row(connection_id: Any) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT row_to_json(c)::text FROM customers_googleconnection c WHERE id = %s",
            [connection_id],
        )
        return str(cursor.fetchone()[0])


def test_the_database_never_holds_a_token_in_clear(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    refresh = decrypt_token(connection.refresh_token_encrypted)
    access = decrypt_token(connection.access_token_encrypted)
    assert refresh
    assert access
    raw = _raw_row(connection.pk)
    assert refresh not in raw
    assert access not in raw
    with db.cursor() as cursor:
        cursor.execute("SELECT string_agg(row_to_json(a)::text, '') FROM tenants_auditevent a")
        audit = str(cursor.fetchone()[0])
    assert refresh not in audit
    assert access not in audit


def test_rotating_to_a_new_key_keeps_connections_working(
    alice: Any, google_emulator: Any, settings: Any
) -> None:
    connection = oauth_connect(alice)
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    refresh = decrypt_token(connection.refresh_token_encrypted)

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_token_keys", verbosity=0)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]

    connection.refresh_from_db()
    stored = connection.refresh_token_encrypted.encode()
    assert Fernet(new_key.encode()).decrypt(stored).decode() == refresh
    clients = google_clients_for(connection)
    accounts = clients.gtm.list_accounts()
    assert [a["accountId"] for a in accounts] == [seed.GTM_ACCOUNT_ID]


def test_rotation_reports_tokens_no_key_opens(
    alice: Any, google_emulator: Any, settings: Any
) -> None:
    oauth_connect(alice)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="no configured key opens"):
        call_command("rotate_token_keys", verbosity=0)
    assert GoogleConnection.objects.get().refresh_token_encrypted
