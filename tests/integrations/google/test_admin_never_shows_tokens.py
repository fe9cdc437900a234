"""Staff see connections in the admin (status, scopes, errors, choices) but never a token."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from google_emulator import seed
from integrations.google.clients import google_clients_for
from oneclicktag.core.crypto import decrypt_token
from tenants.models import User
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_connection_without_its_tokens(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    staff = Client()
    staff.force_login(User.objects.create_superuser(email="staff@oneclicktag.example"))

    listing = staff.get("/admin/customers/googleconnection/")
    detail = staff.get(f"/admin/customers/googleconnection/{connection.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    page = detail.content.decode()
    assert seed.OWNER_EMAIL in page
    assert "tagmanager.publish" in page
    for secret in (
        decrypt_token(connection.refresh_token_encrypted),
        decrypt_token(connection.access_token_encrypted),
        connection.refresh_token_encrypted,
        connection.access_token_encrypted,
    ):
        assert secret not in page
        assert secret not in listing.content.decode()
    assert "refresh_token_encrypted" not in page


def test_no_token_reaches_a_log_line(alice: Any, google_emulator: Any, caplog: Any) -> None:
    caplog.set_level("DEBUG")
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 5}})
    connection = oauth_connect(alice)
    clients = google_clients_for(connection)  # refreshes: the 5 s token is within our margin
    clients.gtm.list_accounts()
    connection.refresh_from_db()
    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in caplog.records)
    assert decrypt_token(connection.refresh_token_encrypted) not in logged
    assert decrypt_token(connection.access_token_encrypted) not in logged
