"""Verifying Firebase ID tokens: Google's public keys in production, the emulator elsewhere.

Production verifies the way Firebase documents for a third-party JWT library ("Verify ID tokens
using a third-party JWT library"): RS256, a `kid` among the keys published at
`FIREBASE_CERTS_URL`, `aud` the project id, `iss` `https://securetoken.google.com/<project>`,
`exp` in the future, `iat` and `auth_time` in the past, a non-empty `sub`. That needs no
service account and no Application Default Credentials (firebase_admin's own path asks for
them first and raised on every request without them: issue 13). The keys are cached as long as
the endpoint's `Cache-Control: max-age` says.

In development and tests (FIREBASE_AUTH_EMULATOR_HOST set; production refuses to start with
it) firebase_admin accepts the emulator's unsigned tokens.

Every way a token can fail is one exception, `IdTokenRejected`: the caller answers 401.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import firebase_admin
import requests
from django.conf import settings
from firebase_admin import auth as firebase_auth
from firebase_admin import exceptions as firebase_exceptions
from google.auth import exceptions as google_auth_exceptions
from google.auth import jwt

CLOCK_SKEW_SECONDS = 5
KEYS_TIMEOUT_SECONDS = 5
# When the key endpoint says nothing about caching: Google's say a few hours.
DEFAULT_KEYS_MAX_AGE_SECONDS = 3600
_MAX_AGE = re.compile(r"max-age=(\d+)")


class IdTokenRejected(Exception):
    """The token is not a valid ID token for our project (or its keys cannot be had now)."""


_keys_lock = threading.Lock()
_keys: dict[str, tuple[float, dict[str, str]]] = {}


def _public_keys(url: str) -> dict[str, str]:
    """Key id -> X.509 certificate (PEM), from the cache while its max-age lasts."""
    with _keys_lock:
        cached = _keys.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            response = requests.get(url, timeout=KEYS_TIMEOUT_SECONDS)
            response.raise_for_status()
            keys = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise IdTokenRejected(f"The public keys could not be fetched: {exc}") from exc
        if not isinstance(keys, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
        ):
            raise IdTokenRejected("The public keys are not a map of key ids to certificates.")
        match = _MAX_AGE.search(response.headers.get("Cache-Control", ""))
        max_age = int(match.group(1)) if match else DEFAULT_KEYS_MAX_AGE_SECONDS
        _keys[url] = (time.monotonic() + max_age, keys)
        return keys


def _verify_signed(token: str) -> dict[str, Any]:
    project = settings.FIREBASE_PROJECT_ID
    try:
        header = jwt.decode_header(token)
    except (ValueError, google_auth_exceptions.GoogleAuthError) as exc:
        raise IdTokenRejected("The ID token is malformed.") from exc
    if header.get("alg") != "RS256":
        raise IdTokenRejected("The ID token is not signed with RS256.")
    keys = _public_keys(settings.FIREBASE_CERTS_URL)
    if header.get("kid") not in keys:
        raise IdTokenRejected("The ID token is signed with a key Firebase does not publish.")
    try:
        claims: dict[str, Any] = jwt.decode(
            token, certs=keys, audience=project, clock_skew_in_seconds=CLOCK_SKEW_SECONDS
        )
    except (ValueError, google_auth_exceptions.GoogleAuthError) as exc:
        raise IdTokenRejected(f"The ID token does not verify: {exc}") from exc
    if claims.get("iss") != f"https://securetoken.google.com/{project}":
        raise IdTokenRejected("The ID token comes from another issuer.")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 128:
        raise IdTokenRejected("The ID token has no usable subject.")
    auth_time = claims.get("auth_time")
    if (
        not isinstance(auth_time, int | float)
        or isinstance(auth_time, bool)
        or auth_time > time.time() + CLOCK_SKEW_SECONDS
    ):
        raise IdTokenRejected("The ID token's auth_time is missing or in the future.")
    claims.setdefault("uid", subject)
    return claims


_firebase_app_lock = threading.Lock()


def _firebase_app() -> firebase_admin.App:
    # Under a lock: two first requests in parallel threads must not both initialize it (the
    # second would raise ValueError, which the caller would take for a bad token).
    with _firebase_app_lock:
        try:
            return firebase_admin.get_app("oneclicktag")
        except ValueError:
            return firebase_admin.initialize_app(
                options={"projectId": settings.FIREBASE_PROJECT_ID}, name="oneclicktag"
            )


def _verify_with_emulator(token: str) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = firebase_auth.verify_id_token(
            token, app=_firebase_app(), check_revoked=False, clock_skew_seconds=CLOCK_SKEW_SECONDS
        )
    except (ValueError, firebase_exceptions.FirebaseError) as exc:
        raise IdTokenRejected(str(exc)) from exc
    # In emulator mode firebase-admin skips the signature and with it the time checks, so an
    # expired emulator token would pass. Check the times ourselves.
    now = time.time()
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise IdTokenRejected("The ID token has no expiry.")
    if expires < now - CLOCK_SKEW_SECONDS:
        raise IdTokenRejected("The ID token expired.")
    if not isinstance(issued, int | float) or issued > now + CLOCK_SKEW_SECONDS:
        raise IdTokenRejected("The ID token is issued in the future.")
    return claims


def verify_firebase_id_token(token: str) -> dict[str, Any]:
    """The token's claims, or IdTokenRejected whatever went wrong."""
    if settings.FIREBASE_AUTH_EMULATOR_HOST:
        return _verify_with_emulator(token)
    return _verify_signed(token)
