"""Google's OAuth 2.0 endpoints (authorization, token, revoke, userinfo) and the scopes we ask.

Every request goes through `calls.google_call` (api "oauth"): timeouts, classification, counting.
The endpoints come from settings: the emulator's when GOOGLE_BACKEND=emulator, Google's otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings

from integrations.google.calls import (
    CallContext,
    google_call,
    http_timeout,
    raise_for_oauth_response,
)

SCOPES = (
    "https://www.googleapis.com/auth/tagmanager.edit.containers",
    "https://www.googleapis.com/auth/tagmanager.edit.containerversions",
    "https://www.googleapis.com/auth/tagmanager.publish",
    "https://www.googleapis.com/auth/tagmanager.readonly",
    "https://www.googleapis.com/auth/adwords",
    "https://www.googleapis.com/auth/analytics.edit",
    # The GA4 Data API (daily stats) reads with analytics or analytics.readonly only.
    "https://www.googleapis.com/auth/analytics.readonly",
    "openid",
    "email",
)
# Asked for, but a connection works without it: it lets us read the signed-in person's GTM
# container permission (`accounts.user_permissions.list`, the only place GTM reports it) so a
# container they cannot publish is refused when chosen, not at the first deployment. Read only;
# a person may untick it (granular consent), then the check happens at deploy time.
MANAGE_USERS_SCOPE = "https://www.googleapis.com/auth/tagmanager.manage.users"
OPTIONAL_SCOPES = (MANAGE_USERS_SCOPE,)
# Google answers the short scope names with their full URLs.
SCOPE_ALIASES = {"email": "https://www.googleapis.com/auth/userinfo.email"}
CALLBACK_PATH = "/api/v1/google/oauth/callback"

_LIVE = {
    "auth": "https://accounts.google.com/o/oauth2/v2/auth",
    "token": "https://oauth2.googleapis.com/token",
    "revoke": "https://oauth2.googleapis.com/revoke",
    "userinfo": "https://openidconnect.googleapis.com/v1/userinfo",
}
_EMULATOR_PATHS = {
    "auth": "/o/oauth2/v2/auth",
    "token": "/token",
    "revoke": "/revoke",
    "userinfo": "/v1/userinfo",
}


def missing_scopes(granted: list[str]) -> list[str]:
    """The scopes we ask for that the person did not grant (they can untick some)."""
    have = {SCOPE_ALIASES.get(scope, scope) for scope in granted}
    return [scope for scope in SCOPES if SCOPE_ALIASES.get(scope, scope) not in have]


def oauth_endpoint(name: str) -> str:
    if settings.GOOGLE_BACKEND == "emulator":
        return str(settings.GOOGLE_EMULATOR_URL).rstrip("/") + _EMULATOR_PATHS[name]
    return _LIVE[name]


def callback_url() -> str:
    """The redirect URI registered with Google: our own callback, never the client's URL."""
    return str(settings.PUBLIC_BASE_URL).rstrip("/") + CALLBACK_PATH


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) as RFC 7636 describes."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorization_url(*, state: str, code_challenge: str, login_hint: str = "") -> str:
    params = {
        "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
        "redirect_uri": callback_url(),
        "response_type": "code",
        "scope": " ".join((*SCOPES, *OPTIONAL_SCOPES)),
        "access_type": "offline",
        # Always ask: Google only hands out a refresh token when the user consents again.
        "prompt": "consent",
        "include_granted_scopes": "true",
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    return f"{oauth_endpoint('auth')}?{urlencode(params)}"


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scopes: list[str]


def _post(context: CallContext, *, method: str, url: str, data: dict[str, str]) -> dict[str, Any]:
    def call() -> dict[str, Any]:
        response = requests.post(url, data=data, timeout=http_timeout())
        raise_for_oauth_response(response)
        return response.json() if response.content else {}

    return google_call(context, api="oauth", method=method, call=call)


def exchange_code(context: CallContext, *, code: str, code_verifier: str) -> TokenGrant:
    body = _post(
        context,
        method="oauth2.token.authorization_code",
        url=oauth_endpoint("token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_url(),
            "client_id": settings.GOOGLE_OAUTH_CLIENT_ID,
            "client_secret": settings.GOOGLE_OAUTH_CLIENT_SECRET,
            "code_verifier": code_verifier,
        },
    )
    expires_in = int(body.get("expires_in") or 3600)
    scope = str(body.get("scope") or "")
    return TokenGrant(
        access_token=str(body.get("access_token") or ""),
        refresh_token=str(body.get("refresh_token") or ""),
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        scopes=scope.split() if scope else list(SCOPES),
    )


def fetch_userinfo(context: CallContext, *, access_token: str) -> dict[str, Any]:
    def call() -> dict[str, Any]:
        response = requests.get(
            oauth_endpoint("userinfo"),
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=http_timeout(),
        )
        raise_for_oauth_response(response)
        data = response.json()
        return data if isinstance(data, dict) else {}

    return google_call(context, api="oauth", method="oauth2.userinfo.get", call=call)


def revoke_token(context: CallContext, *, token: str) -> None:
    _post(context, method="oauth2.revoke", url=oauth_endpoint("revoke"), data={"token": token})
