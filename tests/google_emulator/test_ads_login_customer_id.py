"""An account reached through a manager needs that manager in login-customer-id."""

from __future__ import annotations

from typing import Any

import pytest
from google.ads.googleads.errors import GoogleAdsException

from .ads_support import CLIENT, MANAGER, ads_client, error_codes, owner_credentials, search

QUERY = "SELECT customer.id FROM customer"


def test_the_client_account_without_login_customer_id_is_permission_denied(
    google_emulator: Any,
) -> None:
    client = ads_client(google_emulator, login_customer_id=None)

    with pytest.raises(GoogleAdsException) as caught:
        search(client, QUERY, customer_id=CLIENT)

    assert caught.value.error.code().name == "PERMISSION_DENIED"
    assert error_codes(caught.value) == [("authorization_error", "USER_PERMISSION_DENIED")]
    assert "login-customer-id" in caught.value.failure.errors[0].message


def test_the_client_account_through_its_manager_is_allowed(google_emulator: Any) -> None:
    client = ads_client(google_emulator, login_customer_id=MANAGER)

    assert search(client, QUERY, customer_id=CLIENT)[0].customer.id == int(CLIENT)


def test_the_manager_itself_needs_no_login_customer_id(google_emulator: Any) -> None:
    client = ads_client(google_emulator, login_customer_id=None)

    assert search(client, QUERY, customer_id=MANAGER)[0].customer.id == int(MANAGER)


def test_a_login_customer_id_the_user_cannot_use_is_permission_denied(google_emulator: Any) -> None:
    # The user was never invited to the client account itself, so it cannot be the login one.
    client = ads_client(google_emulator, login_customer_id=CLIENT)

    with pytest.raises(GoogleAdsException) as caught:
        search(client, QUERY, customer_id=CLIENT)

    assert error_codes(caught.value) == [("authorization_error", "USER_PERMISSION_DENIED")]


def test_an_unknown_customer_is_not_found(google_emulator: Any) -> None:
    client = ads_client(google_emulator, credentials=owner_credentials(google_emulator.http_url))

    with pytest.raises(GoogleAdsException) as caught:
        search(client, QUERY, customer_id="9990000009")

    assert error_codes(caught.value) == [("authentication_error", "CUSTOMER_NOT_FOUND")]
