"""`POST /customers/{id}/google/authorize/`: who may start, and what Google is asked for."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.google.oauth import OPTIONAL_SCOPES, SCOPES
from tests.fixtures.google import CALLBACK_PATH, authorize_and_consent, make_customer

pytestmark = pytest.mark.django_db


def _authorize(client: Any, customer: Any, **body: Any) -> Any:
    return client.post(f"/api/v1/customers/{customer.pk}/google/authorize/", body, format="json")


def test_the_url_asks_offline_consent_with_pkce_and_every_scope(
    alice: Any, google_emulator: Any
) -> None:
    customer = make_customer(alice)
    response = _authorize(alice.client, customer)
    assert response.status_code == 200
    url = urlsplit(response.json()["authorization_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/o/oauth2/v2/auth"
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert set(query["scope"].split()) == {*SCOPES, *OPTIONAL_SCOPES}
    assert query["redirect_uri"].endswith(CALLBACK_PATH)


def test_a_member_may_not_connect_google(alice: Any, google_emulator: Any) -> None:
    customer = make_customer(alice)
    assert _authorize(alice.client_for("member"), customer).status_code == 403


def test_another_organizations_customer_is_not_found(
    alice: Any, bob: Any, google_emulator: Any
) -> None:
    assert _authorize(bob.client, make_customer(alice)).status_code == 404


def test_a_redirect_uri_off_the_allow_list_is_refused(
    alice: Any, google_emulator: Any, settings: Any
) -> None:
    settings.ALLOWED_REDIRECT_URIS = ["https://app.example.com/google/done"]
    customer = make_customer(alice)
    response = _authorize(
        alice.client, customer, redirect_uri="https://app.example.com/google/done/evil"
    )
    assert response.status_code == 400
    assert "redirect_uri" in response.json()["error"]["fields"]


def test_the_callback_redirects_to_the_allowed_uri(
    alice: Any, google_emulator: Any, settings: Any, anonymous_client: Any
) -> None:
    settings.ALLOWED_REDIRECT_URIS = ["https://app.example.com/google/done"]
    customer = make_customer(alice)
    params = authorize_and_consent(
        alice.client, customer, redirect_uri="https://app.example.com/google/done"
    )
    response = anonymous_client.get(CALLBACK_PATH, params)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == "https://app.example.com/google/done"
    )
    assert parse_qs(location.query) == {"google": ["connected"], "customer": [str(customer.pk)]}


def test_an_admin_api_key_can_connect(
    alice: Any, google_emulator: Any, anonymous_client: Any
) -> None:
    key_client = alice.api_key_client("admin")
    customer = make_customer(alice)
    params = authorize_and_consent(key_client, customer)
    response = anonymous_client.get(CALLBACK_PATH, params)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "connected"
