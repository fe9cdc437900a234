"""`manage.py dev_token EMAIL` prints an emulator ID token the API accepts."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient


def test_the_printed_token_signs_in(db: None) -> None:
    out = StringIO()
    call_command("dev_token", "Dev@Example.com", stdout=out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "dev@example.com"


def test_it_refuses_without_the_firebase_emulator(settings) -> None:
    settings.FIREBASE_AUTH_EMULATOR_HOST = None
    with pytest.raises(CommandError, match="emulator"):
        call_command("dev_token", "dev@example.com", stdout=StringIO())


def test_it_refuses_in_production(settings) -> None:
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("dev_token", "dev@example.com", stdout=StringIO())


def test_it_refuses_a_non_address() -> None:
    with pytest.raises(CommandError, match="Not an email"):
        call_command("dev_token", "nobody", stdout=StringIO())
