"""Calls need a live OAuth access token with the adwords scope and a developer token."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from google.ads.googleads.client import GoogleAdsClient
from google.ads.googleads.errors import GoogleAdsException
from google.oauth2.credentials import Credentials

from .ads_support import MANAGER, ads_client, error_codes, owner_credentials

QUERY = "SELECT customer.id FROM customer"


def customer_id_of(client: GoogleAdsClient) -> int:
    rows = client.get_service("GoogleAdsService").search(customer_id=MANAGER, query=QUERY)
    return int(next(iter(rows)).customer.id)


def refused(client: GoogleAdsClient) -> GoogleAdsException:
    with pytest.raises(GoogleAdsException) as caught:
        customer_id_of(client)
    return caught.value


def test_a_token_the_oauth_emulator_never_issued_is_unauthenticated(google_emulator: Any) -> None:
    client = ads_client(google_emulator, credentials=Credentials(token="ya29.not-a-real-token"))

    error = refused(client)

    assert error.error.code().name == "UNAUTHENTICATED"
    assert error_codes(error) == [("authentication_error", "OAUTH_TOKEN_INVALID")]


def test_an_expired_token_is_unauthenticated(google_emulator: Any) -> None:
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 1}})
    stale = owner_credentials(google_emulator.http_url)
    time.sleep(1.1)
    # Without an expiry google-auth cannot know the token is stale and sends it as it is.
    stale.expiry = None

    error = refused(ads_client(google_emulator, credentials=stale))

    assert error_codes(error) == [("authentication_error", "OAUTH_TOKEN_EXPIRED")]


def test_google_auth_refreshes_against_the_emulator_and_the_new_token_works(
    google_emulator: Any,
) -> None:
    issued = owner_credentials(google_emulator.http_url)
    # Only the refresh token: google-auth must get an access token from the emulator first.
    credentials = Credentials(
        token=None,
        refresh_token=issued.refresh_token,
        token_uri=issued.token_uri,
        client_id=issued.client_id,
        client_secret=issued.client_secret,
    )

    assert customer_id_of(ads_client(google_emulator, credentials=credentials)) == int(MANAGER)
    assert credentials.token
    assert credentials.token != issued.token


def test_a_revoked_token_is_unauthenticated(google_emulator: Any) -> None:
    credentials = owner_credentials(google_emulator.http_url)
    answer = requests.post(
        f"{google_emulator.http_url}/revoke", data={"token": credentials.token}, timeout=10
    )
    assert answer.status_code == 200

    error = refused(ads_client(google_emulator, credentials=credentials))

    assert error_codes(error) == [("authentication_error", "OAUTH_TOKEN_INVALID")]


def test_a_token_without_the_adwords_scope_is_refused(google_emulator: Any) -> None:
    credentials = owner_credentials(
        google_emulator.http_url, scopes=("https://www.googleapis.com/auth/tagmanager.readonly",)
    )

    error = refused(ads_client(google_emulator, credentials=credentials))

    assert error.error.code().name == "UNAUTHENTICATED"
    assert "adwords" in error.failure.errors[0].message


def test_a_missing_developer_token_is_refused(google_emulator: Any) -> None:
    client = GoogleAdsClient(
        credentials=owner_credentials(google_emulator.http_url),
        developer_token="",
        endpoint=google_emulator.grpc_target,
        use_proto_plus=True,
    )

    error = refused(client)

    assert error_codes(error) == [("request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING")]
