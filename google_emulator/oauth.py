"""Google's OAuth 2.0 endpoints for the one seeded identity (owner@example.com).

The authorization endpoint consents at once (no screen) and redirects with `code` and `state`;
the token endpoint does the `authorization_code` (with PKCE) and `refresh_token` grants as Google
does: a refresh token only with `access_type=offline`, an `id_token` only with `openid`, codes
single-use, refresh tokens not rotated. `/revoke` takes either token and ends the whole grant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from . import process, seed
from .access import access_store
from .discovery import document
from .http.messages import Request, Response, json_response
from .state import STATE, OAuthStore, TokenInfo

CODE_TTL_SECONDS = 600
ISSUER = "https://accounts.google.com"
_ID_TOKEN_KEY = secrets.token_bytes(32)  # HS256 key of this process: id_tokens are informative
_SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}
_EXTRA_SCOPES = {
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/adwords",
}
_USERINFO_SCOPES = {"openid", "https://www.googleapis.com/auth/userinfo.email"}
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def known_scopes() -> set[str]:
    scopes = set(_EXTRA_SCOPES)
    for api in ("gtm", "ga4"):
        scopes.update(document(api).get("auth", {}).get("oauth2", {}).get("scopes", {}))
    return scopes


def _store() -> OAuthStore:
    store: OAuthStore = STATE.store("oauth")
    return store


def _oauth_error(status: int, error: str, description: str) -> Response:
    return json_response(status, {"error": error, "error_description": description})


def _redirect_allowed(uri: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        return False
    if parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS:
        return True
    if any(uri.startswith(prefix) for prefix in process.OPTIONS.redirect_prefixes):
        return True
    allowed = list(STATE.config.oauth_redirect_uris) + process.OPTIONS.redirect_uris
    return uri in allowed


def _with_query(uri: str, params: dict[str, str]) -> str:
    return uri + ("&" if urlsplit(uri).query else "?") + urlencode(params)


def _normalise_scopes(raw: str) -> list[str]:
    return sorted({_SCOPE_ALIASES.get(s, s) for s in raw.split()})


def _record(method: str, failed: bool) -> None:
    STATE.record_call(f"oauth2.{method}", failed)


def _fault(method: str) -> Response | None:
    fault = STATE.take_fault("oauth", f"oauth2.{method}")
    if fault is None:
        return None
    return _oauth_error(fault.status, "internal_failure", "Injected fault.")


def authorize(req: Request) -> Response:
    q = {k: v[0] for k, v in req.query.items() if v}
    client_id, redirect_uri = q.get("client_id"), q.get("redirect_uri")
    if not client_id:
        return _oauth_error(400, "invalid_request", "Missing required parameter: client_id")
    if not redirect_uri or not _redirect_allowed(redirect_uri):
        return _oauth_error(
            400, "redirect_uri_mismatch", f"redirect_uri not allowed: {redirect_uri!r}"
        )
    if q.get("response_type") != "code":
        return _oauth_error(400, "unsupported_response_type", "response_type must be code")
    scopes = _normalise_scopes(q.get("scope", ""))
    unknown = [s for s in scopes if s not in known_scopes()]
    if not scopes or unknown:
        return _oauth_error(400, "invalid_scope", f"Some requested scopes were invalid: {unknown}")
    method = q.get("code_challenge_method", "plain" if q.get("code_challenge") else None)
    if method is not None and (method not in ("S256", "plain") or not q.get("code_challenge")):
        return _oauth_error(400, "invalid_request", "Invalid code_challenge_method or challenge")
    back: dict[str, str] = {}
    if "state" in q:
        back["state"] = q["state"]
    hint = q.get("login_hint")
    if hint and hint.lower() != seed.OWNER_EMAIL:
        # Only the seeded owner can consent; anybody else "cancels" the screen.
        back["error"] = "access_denied"
        return Response(302, headers={"Location": _with_query(redirect_uri, back)})
    # Granular consent: the person may have unticked some scopes (access.py).
    declined = access_store().declined_scopes
    scopes = [s for s in scopes if s not in declined]
    code = "4/0" + secrets.token_urlsafe(32)
    with STATE.lock:
        _store().codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scopes": scopes,
            "challenge": q.get("code_challenge"),
            "method": method,
            "offline": q.get("access_type") == "offline",
            "expires_at": time.time() + CODE_TTL_SECONDS,
        }
    back.update({"code": code, "scope": " ".join(scopes), "authuser": "0", "prompt": "consent"})
    return Response(302, headers={"Location": _with_query(redirect_uri, back)})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _id_token(client_id: str, access_token: str) -> str:
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": "google-emulator"}
    claims = {
        "iss": ISSUER,
        "azp": client_id,
        "aud": client_id,
        "sub": seed.OWNER_SUB,
        "email": seed.OWNER_EMAIL,
        "email_verified": True,
        "at_hash": _b64(hashlib.sha256(access_token.encode()).digest()[:16]),
        "iat": now,
        "exp": now + 3600,
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(_ID_TOKEN_KEY, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _issue(grant: dict[str, Any], scopes: list[str]) -> dict[str, Any]:
    ttl = STATE.config.access_token_ttl_seconds
    access = "ya29." + secrets.token_urlsafe(48)
    info = TokenInfo(
        email=seed.OWNER_EMAIL,
        sub=seed.OWNER_SUB,
        scopes=frozenset(scopes),
        client_id=grant["client_id"],
        expires_at=time.time() + ttl,
    )
    _store().access_tokens[access] = info
    grant["access_tokens"].add(access)
    answer: dict[str, Any] = {
        "access_token": access,
        "expires_in": ttl,
        "scope": " ".join(scopes),
        "token_type": "Bearer",
    }
    if "openid" in scopes:
        answer["id_token"] = _id_token(grant["client_id"], access)
    return answer


def _client_id(req: Request, form: dict[str, str]) -> str | None:
    auth = req.header("authorization") or ""
    if auth.lower().startswith("basic "):
        try:
            user = base64.b64decode(auth[6:].strip()).decode().split(":", 1)[0]
        except ValueError:
            return None
        return user
    return form.get("client_id")


def token(req: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs(req.body.decode(errors="replace")).items() if v}
    client_id = _client_id(req, form)
    grant_type = form.get("grant_type")
    if not client_id:
        return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
    with STATE.lock:
        store = _store()
        if grant_type == "authorization_code":
            code = store.codes.pop(form.get("code", ""), None)  # single use, even on failure
            if code is None or code["expires_at"] < time.time():
                return _oauth_error(400, "invalid_grant", "Malformed auth code.")
            if form.get("redirect_uri") != code["redirect_uri"]:
                return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
            if client_id != code["client_id"]:
                return _oauth_error(400, "invalid_grant", "Unauthorized")
            if code["challenge"]:
                verifier = form.get("code_verifier")
                if not verifier:
                    return _oauth_error(400, "invalid_grant", "Missing code verifier.")
                computed = (
                    _b64(hashlib.sha256(verifier.encode()).digest())
                    if code["method"] == "S256"
                    else verifier
                )
                if not hmac.compare_digest(computed, code["challenge"]):
                    return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
            grant: dict[str, Any] = {
                "client_id": client_id,
                "scopes": code["scopes"],
                "access_tokens": set(),
                "revoked": False,
            }
            answer = _issue(grant, code["scopes"])
            refresh = "1//0" + secrets.token_urlsafe(48)
            store.refresh_tokens[refresh] = grant
            if code["offline"]:
                answer["refresh_token"] = refresh
            return json_response(200, answer, {"Cache-Control": "no-store"})
        if grant_type == "refresh_token":
            grant = store.refresh_tokens.get(form.get("refresh_token", ""))  # type: ignore[assignment]
            if grant is None or grant["revoked"]:
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            if client_id != grant["client_id"]:
                return _oauth_error(401, "unauthorized_client", "Unauthorized")
            scopes = grant["scopes"]
            if form.get("scope"):
                asked = _normalise_scopes(form["scope"])
                if set(asked) - set(scopes):
                    return _oauth_error(400, "invalid_scope", "Scope not granted.")
                scopes = asked
            return json_response(200, _issue(grant, scopes), {"Cache-Control": "no-store"})
    return _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")


def revoke(req: Request) -> Response:
    form = {k: v[0] for k, v in parse_qs(req.body.decode(errors="replace")).items() if v}
    value = form.get("token") or req.first("token") or ""
    with STATE.lock:
        store = _store()
        for grant in store.refresh_tokens.values():
            if grant["revoked"]:
                continue
            if value in grant["access_tokens"] or store.refresh_tokens.get(value) is grant:
                grant["revoked"] = True
                for access in grant["access_tokens"]:
                    store.access_tokens.pop(access, None)
                return json_response(200, {})
    return _oauth_error(400, "invalid_token", "Token expired or revoked")


def _bearer(req: Request) -> TokenInfo | None:
    header = req.header("authorization") or ""
    value = (
        header[7:].strip() if header.lower().startswith("bearer ") else req.first("access_token")
    )
    info = STATE.oauth_token_info(value or "")
    return None if info is None or info.expired else info


def userinfo(req: Request) -> Response:
    info = _bearer(req)
    if info is None:
        return _oauth_error(401, "invalid_request", "Invalid Credentials")
    if not info.scopes & _USERINFO_SCOPES:
        return _oauth_error(403, "insufficient_scope", "Request had insufficient scopes.")
    return json_response(
        200,
        {
            "sub": info.sub,
            "id": info.sub,
            "email": info.email,
            "email_verified": True,
            "verified_email": True,
            "name": seed.OWNER_NAME,
        },
    )


def tokeninfo(req: Request) -> Response:
    value = req.first("access_token") or ""
    info = STATE.oauth_token_info(value)
    if info is None or info.expired:
        return _oauth_error(400, "invalid_token", "Invalid Value")
    return json_response(
        200,
        {
            "azp": info.client_id,
            "aud": info.client_id,
            "sub": info.sub,
            "scope": " ".join(sorted(info.scopes)),
            "exp": str(int(info.expires_at)),
            "expires_in": str(info.expires_in),
            "email": info.email,
            "email_verified": "true",
        },
    )


_ROUTES = {
    ("GET", "/o/oauth2/v2/auth"): ("authorize", authorize),
    ("GET", "/o/oauth2/auth"): ("authorize", authorize),
    ("POST", "/token"): ("token", token),
    ("POST", "/o/oauth2/token"): ("token", token),
    ("POST", "/revoke"): ("revoke", revoke),
    ("POST", "/o/oauth2/revoke"): ("revoke", revoke),
    ("GET", "/v1/userinfo"): ("userinfo", userinfo),
    ("GET", "/oauth2/v3/userinfo"): ("userinfo", userinfo),
    ("GET", "/oauth2/v2/userinfo"): ("userinfo", userinfo),
    ("GET", "/tokeninfo"): ("tokeninfo", tokeninfo),
    ("GET", "/oauth2/v3/tokeninfo"): ("tokeninfo", tokeninfo),
}


def handle(req: Request) -> Response | None:
    found = _ROUTES.get((req.method, req.path))
    if found is None:
        return None
    name, fn = found
    STATE.apply_latency()
    resp = _fault(name) or fn(req)
    _record(name, resp.status >= 400)
    return resp
