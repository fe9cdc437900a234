"""Authentication: Firebase ID tokens for people, `Api-Key` for machines.

Failed attempts are counted per client address; past the `auth_failure` rate further failed
attempts are answered 429 instead of 401. A credential that verifies is always accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from oneclicktag.core.context import set_context
from oneclicktag.core.throttling import AuthFailureThrottle
from tenants.actors import ApiKeyPrincipal, FirebaseIdentity
from tenants.id_tokens import IdTokenRejected, verify_firebase_id_token
from tenants.models import ApiKey, User

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "oct"


def hash_api_key_secret(secret: str) -> str:
    # Keys carry 190+ bits of randomness, so a keyed fast hash is enough (no password KDF).
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def _refuse(request: Request, message: str) -> exceptions.APIException:
    """A credential that did not verify: 401 and one more failure counted for the address, or
    429 once the address failed too often. Only ever called after checking the credential, so a
    valid one is never refused because others failed from the same address."""
    throttle = AuthFailureThrottle()
    wait = throttle.blocked_for(request)
    if wait is not None:
        return exceptions.Throttled(
            wait=wait, detail="Too many failed sign-in attempts from this address."
        )
    throttle.record_failure(request)
    return exceptions.AuthenticationFailed(message)


class FirebaseAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, FirebaseIdentity] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != self.keyword:
            return None
        if len(parts) != 2:
            raise _refuse(request, "Send 'Authorization: Bearer <Firebase ID token>'.")
        token = parts[1].decode(errors="replace")
        try:
            claims = verify_firebase_id_token(token)
        except IdTokenRejected as exc:
            logger.info("Rejected Firebase ID token", extra={"reason": str(exc)[:200]})
            raise _refuse(request, "The ID token is invalid or expired.") from exc
        from tenants.services import user_get_or_create_from_firebase

        try:
            user = user_get_or_create_from_firebase(claims=claims)
        except ValueError as exc:
            raise _refuse(request, str(exc)) from exc
        if not user.is_active:
            raise _refuse(request, "This user is disabled.")
        set_context(user_id=str(user.pk))
        email = claims.get("email")
        identity = FirebaseIdentity(
            uid=str(claims.get("uid") or claims.get("sub")),
            email=email.strip().lower() if isinstance(email, str) else "",
            email_verified=claims.get("email_verified") is True,
        )
        return user, identity

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace") != self.keyword:
            return None
        if len(parts) != 2:
            raise _refuse(request, "Send 'Authorization: Api-Key <key>'.")
        raw = parts[1].decode(errors="replace")
        pieces = raw.split("_", 2)
        if len(pieces) != 3 or pieces[0] != API_KEY_PREFIX:
            raise _refuse(request, "The API key is invalid or revoked.")
        prefix, secret = pieces[1], pieces[2]
        api_key = (
            ApiKey.objects.select_related("organization")
            .filter(prefix=prefix, revoked_at__isnull=True, organization__deleted__isnull=True)
            .first()
        )
        if api_key is None or not hmac.compare_digest(
            api_key.secret_hash, hash_api_key_secret(secret)
        ):
            raise _refuse(request, "The API key is invalid or revoked.")
        # One write per minute at most: last_used_at is informational.
        now = timezone.now()
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        set_context(user_id=f"api_key:{api_key.pk}")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'
