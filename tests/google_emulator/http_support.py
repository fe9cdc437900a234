"""What the HTTP-half emulator tests share: OAuth through the official clients, API services.

The consent redirect is the one plain HTTP step (a browser would follow it); the code exchange
runs through google-auth-oauthlib's `Flow` (PKCE S256), API calls through `googleapiclient` with
static discovery, and token refreshes through google-auth against the emulator's `/token`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from google_emulator import seed
from google_emulator.schema import response_problems

CLIENT_ID = "emulator-tests.apps.googleusercontent.com"
REDIRECT_URI = "http://127.0.0.1:8000/api/v1/google/oauth/callback"
GTM_SCOPES = (
    "https://www.googleapis.com/auth/tagmanager.edit.containers",
    "https://www.googleapis.com/auth/tagmanager.edit.containerversions",
    "https://www.googleapis.com/auth/tagmanager.publish",
    "https://www.googleapis.com/auth/tagmanager.readonly",
)
GA4_SCOPES = ("https://www.googleapis.com/auth/analytics.edit",)
# Deleting a workspace needs its own scope in Google's discovery document.
DELETE_SCOPE = "https://www.googleapis.com/auth/tagmanager.delete.containers"
ALL_SCOPES = (*GTM_SCOPES, *GA4_SCOPES, DELETE_SCOPE, "openid", "email")
CONTAINER = seed.GTM_CONTAINER_PATH
WORKSPACE = seed.GTM_DEFAULT_WORKSPACE_PATH


def consent(http_url: str, flow: Flow, **extra: str) -> str:
    """Follow the consent screen like a browser; answer the redirect URL Google sends back."""
    url, _state = flow.authorization_url(access_type="offline", **extra)
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return str(answer.headers["Location"])


def make_flow(http_url: str, scopes: tuple[str, ...]) -> Flow:
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator is plain HTTP
    os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")  # "email" comes back as a URL
    config = {
        "web": {
            "client_id": CLIENT_ID,
            "client_secret": "not-checked",
            "auth_uri": f"{http_url}/o/oauth2/v2/auth",
            "token_uri": f"{http_url}/token",
        }
    }
    return Flow.from_client_config(
        config, scopes=list(scopes), redirect_uri=REDIRECT_URI, autogenerate_code_verifier=True
    )


def sign_in(http_url: str, scopes: tuple[str, ...] = ALL_SCOPES) -> Credentials:
    flow = make_flow(http_url, scopes)
    redirect = consent(http_url, flow)
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    flow.fetch_token(code=code)
    creds = flow.credentials
    assert creds.refresh_token
    return creds


def gtm_service(http_url: str, creds: Credentials) -> Any:
    return build(
        "tagmanager",
        "v2",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": http_url},
    )


def ga4_service(http_url: str, creds: Credentials) -> Any:
    return build(
        "analyticsadmin",
        "v1beta",
        credentials=creds,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": http_url},
    )


def error_of(exc: HttpError) -> dict[str, Any]:
    return dict(json.loads(exc.content)["error"])


@contextmanager
def google_error(status: int, field: str | None = None) -> Iterator[dict[str, Any]]:
    """Expect an HttpError with `status` (and the named field); yields the error body."""
    holder: dict[str, Any] = {}
    with pytest.raises(HttpError) as info:
        yield holder
    assert info.value.resp.status == status, info.value.content
    error = error_of(info.value)
    holder.update(error)
    if field is not None:
        assert f"'{field}'" in error["message"], error["message"]
        violations = [
            v["field"] for d in error.get("details", []) for v in d.get("fieldViolations", [])
        ]
        assert field in violations, error


def compiler_errors(http_url: str, workspace_path: str) -> list[dict[str, Any]]:
    """The emulator's debug detail of a compiler error (Google's answer has none)."""
    answer = requests.get(
        f"{http_url}/_emulator/gtm/compiler-errors", params={"path": workspace_path}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["compilerErrors"])


def assert_schema(api: str, schema: str, body: dict[str, Any]) -> None:
    problem = response_problems(api, schema, body)
    assert problem is None, problem
