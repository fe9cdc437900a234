"""Who is calling and which customer they may act on, checked the way Google Ads checks.

- ``authorization: Bearer <token>``: an access token the OAuth emulator issued, unexpired, with
  the ``adwords`` scope; otherwise UNAUTHENTICATED with an AuthenticationError.
- ``developer-token``: required (any value: the emulator has no token registry).
- A customer the user was not invited to directly is reachable only through a manager: the
  request must name that manager in ``login-customer-id``; otherwise PERMISSION_DENIED
  ``USER_PERMISSION_DENIED`` with Google's own hint about the header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import grpc

from google_emulator.access import access_store
from google_emulator.state import STATE

from .errors import AdsError
from .store import Account, AdsStore

ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
INVALID_CREDENTIALS = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
PERMISSION_HINT = (
    "User doesn't have permission to access customer. Note: If you're accessing a client "
    "customer, the manager's customer id must be set in the 'login-customer-id' header. See "
    "https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid"
)


@dataclass(frozen=True)
class Caller:
    email: str
    login_customer_id: str | None
    developer_token: str = ""


def _unauthenticated(code: str, message: str) -> AdsError:
    error = AdsError.single(grpc.StatusCode.UNAUTHENTICATED, "authentication_error", code, message)
    error.status_message = INVALID_CREDENTIALS
    return error


def authenticate(metadata: Mapping[str, str]) -> Caller:
    header = metadata.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AdsError.single(
            grpc.StatusCode.UNAUTHENTICATED,
            "authentication_error",
            "OAUTH_TOKEN_HEADER_INVALID",
            "The OAuth token in the header is not valid.",
        )
    info = STATE.oauth_token_info(token.strip())
    if info is None:
        raise _unauthenticated("OAUTH_TOKEN_INVALID", "Oauth token in the header is not valid.")
    if info.expired:
        raise _unauthenticated("OAUTH_TOKEN_EXPIRED", "Oauth token in the header has expired.")
    if ADWORDS_SCOPE not in info.scopes:
        raise _unauthenticated(
            "OAUTH_TOKEN_INVALID",
            f"Oauth token in the header was not granted the {ADWORDS_SCOPE} scope.",
        )
    if not metadata.get("developer-token", "").strip():
        raise AdsError.single(
            grpc.StatusCode.INVALID_ARGUMENT,
            "request_error",
            "DEVELOPER_TOKEN_PARAMETER_MISSING",
            "Developer token parameter is missing.",
        )
    login = metadata.get("login-customer-id", "").strip() or None
    if login is not None and not re.fullmatch(r"\d{10}", login):
        raise AdsError.single(
            grpc.StatusCode.INVALID_ARGUMENT,
            "header_error",
            "INVALID_LOGIN_CUSTOMER_ID",
            "The login customer ID could not be validated.",
        )
    return Caller(
        email=info.email,
        login_customer_id=login,
        developer_token=metadata.get("developer-token", "").strip(),
    )


def accessible_customers(store: AdsStore, caller: Caller) -> list[str]:
    """What ListAccessibleCustomers answers: the accounts the user was invited to directly."""
    return sorted(store.direct_access.get(caller.email, set()))


def authorize(store: AdsStore, caller: Caller, customer_id: str) -> Account:
    """The account the caller may act on as ``customer_id``, or Google's refusal."""
    if not re.fullmatch(r"\d+", customer_id):
        raise AdsError.single(
            grpc.StatusCode.INVALID_ARGUMENT,
            "request_error",
            "INVALID_CUSTOMER_ID",
            "The customer ID is not valid.",
        )
    direct = store.direct_access.get(caller.email)
    if direct is None:
        raise _unauthenticated("NOT_ADS_USER", "User in the cookie is not a valid Ads user.")
    account = store.account(customer_id)
    if account is None:
        raise AdsError.single(
            grpc.StatusCode.PERMISSION_DENIED,
            "authentication_error",
            "CUSTOMER_NOT_FOUND",
            "No customer found for the provided customer id.",
        )
    login = caller.login_customer_id
    if login is None:
        allowed = customer_id in direct
    else:
        allowed = login in direct and store.manages(login, customer_id)
    if not allowed:
        raise AdsError.single(
            grpc.StatusCode.PERMISSION_DENIED,
            "authorization_error",
            "USER_PERMISSION_DENIED",
            PERMISSION_HINT,
        )
    # Every emulated account is a production (non-test) account.
    if caller.developer_token in access_store().unapproved_developer_tokens:
        raise AdsError.single(
            grpc.StatusCode.PERMISSION_DENIED,
            "authorization_error",
            "DEVELOPER_TOKEN_NOT_APPROVED",
            "The developer token is only approved for use with test accounts. To access "
            "non-test accounts, apply for Basic or Standard access.",
        )
    return account


def authorize_change(caller: Caller, customer_id: str) -> None:
    """A read-only user may not mutate (access.py)."""
    if access_store().level(caller.email, "ads", customer_id) == "read_only":
        raise AdsError.single(
            grpc.StatusCode.PERMISSION_DENIED,
            "authorization_error",
            "ACTION_NOT_PERMITTED",
            "The user does not have permission to perform this action (e.g., ADD, UPDATE, "
            "REMOVE) on the resource or call a method.",
        )
