"""OAuth 2.0 as Google does it: consent redirect, PKCE, refresh, revoke, userinfo, scopes."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import google.auth.transport.requests
import google_auth_httplib2
import pytest
import requests
from google.auth import jwt
from google.auth.exceptions import RefreshError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build

from google_emulator import seed

from .http_support import (
    CLIENT_ID,
    GA4_SCOPES,
    REDIRECT_URI,
    consent,
    google_error,
    gtm_service,
    make_flow,
    sign_in,
)


def test_consent_redirects_back_with_the_state_and_a_single_use_code(google_emulator):
    flow = make_flow(google_emulator.http_url, ("openid", "email"))

    redirect = consent(google_emulator.http_url, flow, state="opaque-123")

    assert redirect.startswith(REDIRECT_URI)
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == ["opaque-123"]
    code = query["code"][0]
    tokens = flow.fetch_token(code=code)
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"]
    assert tokens["expires_in"] == 3600
    claims = jwt.decode(tokens["id_token"], verify=False)
    assert claims["email"] == seed.OWNER_EMAIL
    assert claims["sub"] == seed.OWNER_SUB
    with pytest.raises(Exception, match="invalid_grant"):
        make_flow(google_emulator.http_url, ("openid", "email")).fetch_token(code=code)


def test_the_token_endpoint_checks_the_pkce_verifier(google_emulator):
    flow = make_flow(google_emulator.http_url, ("email",))
    code = parse_qs(urlsplit(consent(google_emulator.http_url, flow)).query)["code"][0]

    answer = requests.post(
        f"{google_emulator.http_url}/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID,
              "redirect_uri": REDIRECT_URI, "code_verifier": "not-the-verifier"},
        timeout=5,
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_an_unknown_redirect_uri_is_refused_before_any_redirect(google_emulator):
    answer = requests.get(
        f"{google_emulator.http_url}/o/oauth2/v2/auth",
        params={"client_id": CLIENT_ID, "redirect_uri": "https://evil.example/cb",
                "response_type": "code", "scope": "email"},
        allow_redirects=False,
        timeout=5,
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"] == "redirect_uri_mismatch"


def test_an_expired_access_token_is_refreshed_by_google_auth(google_emulator):
    google_emulator.configure({"oauth": {"access_token_ttl_seconds": 1}})
    creds = sign_in(google_emulator.http_url)
    first_token = creds.token
    time.sleep(1.1)
    stale = Credentials(
        token=first_token,
        refresh_token=creds.refresh_token,
        token_uri=f"{google_emulator.http_url}/token",
        client_id=CLIENT_ID,
        client_secret="not-checked",
    )

    accounts = gtm_service(google_emulator.http_url, stale).accounts().list().execute()

    assert accounts["account"][0]["accountId"] == seed.GTM_ACCOUNT_ID
    assert stale.token != first_token
    assert google_emulator.stats()["calls"]["oauth2.token"] >= 2


def test_after_revoke_the_refresh_grant_is_invalid_and_the_token_is_refused(google_emulator):
    creds = sign_in(google_emulator.http_url)
    gtm = gtm_service(google_emulator.http_url, creds)
    gtm.accounts().list().execute()

    revoked = requests.post(
        f"{google_emulator.http_url}/revoke", data={"token": creds.refresh_token}, timeout=5
    )

    assert revoked.status_code == 200
    with pytest.raises(RefreshError, match="invalid_grant"):
        creds.refresh(google.auth.transport.requests.Request())


def test_an_api_call_without_a_valid_token_is_401_and_without_the_scope_403(google_emulator):
    # No refresh on 401 (nothing to refresh with): the raw answer reaches the caller.
    http = google_auth_httplib2.AuthorizedHttp(
        Credentials(token="ya29.not-a-token"), refresh_status_codes=()
    )
    service = build(
        "tagmanager", "v2", http=http, static_discovery=True,
        client_options={"api_endpoint": google_emulator.http_url},
    )  # fmt: skip
    with google_error(401) as error:
        service.accounts().list().execute()
    assert error["status"] == "UNAUTHENTICATED"

    analytics_only = sign_in(google_emulator.http_url, GA4_SCOPES)
    with google_error(403) as error:
        gtm_service(google_emulator.http_url, analytics_only).accounts().list().execute()
    assert error["errors"][0]["reason"] == "insufficientPermissions"


def test_userinfo_answers_the_seeded_identity(google_emulator):
    creds = sign_in(google_emulator.http_url, ("openid", "email"))
    for path in ("/v1/userinfo", "/oauth2/v3/userinfo"):
        answer = requests.get(
            f"{google_emulator.http_url}{path}",
            headers={"Authorization": f"Bearer {creds.token}"},
            timeout=5,
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["email"] == seed.OWNER_EMAIL
        assert body["sub"] == seed.OWNER_SUB
        assert body["email_verified"] is True


def test_only_the_seeded_owner_consents_and_a_configured_redirect_uri_is_accepted(google_emulator):
    params = {"client_id": CLIENT_ID, "response_type": "code", "scope": "email", "state": "s"}
    auth = f"{google_emulator.http_url}/o/oauth2/v2/auth"
    stranger = requests.get(
        auth,
        params={**params, "redirect_uri": REDIRECT_URI, "login_hint": "mallory@example.com"},
        allow_redirects=False,
        timeout=5,
    )
    assert stranger.status_code == 302
    assert parse_qs(urlsplit(stranger.headers["Location"]).query) == {
        "state": ["s"],
        "error": ["access_denied"],
    }

    google_emulator.configure({"oauth": {"redirect_uris": ["https://app.example.com/cb"]}})
    configured = requests.get(
        auth,
        params={**params, "redirect_uri": "https://app.example.com/cb"},
        allow_redirects=False,
        timeout=5,
    )
    assert configured.status_code == 302
    assert configured.headers["Location"].startswith("https://app.example.com/cb?")


def test_a_transient_token_endpoint_fault_is_retried_by_google_auth(google_emulator):
    creds = sign_in(google_emulator.http_url)
    calls_before = google_emulator.stats()["calls"]["oauth2.token"]
    google_emulator.configure(
        {"faults": [{"api": "oauth", "method": "oauth2.token", "status": 503, "count": 1}]}
    )

    creds.refresh(google.auth.transport.requests.Request())

    assert creds.valid
    stats = google_emulator.stats()
    assert stats["errors"]["oauth2.token"] == 1
    assert stats["calls"]["oauth2.token"] == calls_before + 2
