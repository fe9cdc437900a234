"""Authentication: Firebase ID tokens for people, `Api-Key` for machines.

Failed attempts are counted per client address; past the `auth_failure` rate further failed
attempts are answered 429 instead of 401. A credential that verifies is always accepted.

A verified API key (with its organization) is kept in the cache for a minute, keyed by its
prefix and the hash of its secret, so most requests read no database row to authenticate
(issue 15: a quarter of a detail request). Whatever changes a key or its organization marks
the cached copy stale at once (`api_keys_forget`: revoking, deleting, an organization renamed,
limited or deleted), and a stale mark is only ever replaced by a fresh read.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from oneclicktag.core.context import set_context
from oneclicktag.core.infrastructure import CACHE_ERRORS
from oneclicktag.core.throttling import AuthFailureThrottle, UserOrKeyRateThrottle
from tenants.actors import ApiKeyPrincipal, FirebaseIdentity
from tenants.id_tokens import IdTokenRejected, verify_firebase_id_token
from tenants.models import ApiKey, Membership, Organization, User
from tenants.selectors import memberships_with_user

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "oct"
# How long a verified key is trusted from the cache; also how long a stale mark lasts, which
# covers the transaction that changed the key until it commits.
API_KEY_CACHE_SECONDS = 60
_STALE = "stale"


def hash_api_key_secret(secret: str) -> str:
    # Keys carry 190+ bits of randomness, so a keyed fast hash is enough (no password KDF).
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


def _api_key_cache_key(prefix: str, secret_hash: str) -> str:
    return f"api-key:{prefix}:{secret_hash}"


def api_keys_forget(keys: Iterable[tuple[str, str]]) -> None:
    """Mark the cached lookups of these keys (prefix, secret hash) stale, now and again when
    the current transaction commits: a request meanwhile reads the database and cannot put
    its read back (`cache.add` does not replace the mark). Without a cache the copies expire
    within API_KEY_CACHE_SECONDS; that is logged as an error."""
    marks = {_api_key_cache_key(prefix, secret_hash): _STALE for prefix, secret_hash in keys}
    if not marks:
        return

    def mark() -> None:
        try:
            cache.set_many(marks, API_KEY_CACHE_SECONDS)
        except CACHE_ERRORS as exc:
            logger.error(
                "Could not mark cached API keys stale", extra={"error": type(exc).__name__}
            )

    mark()
    transaction.on_commit(mark)


def api_keys_forget_organization(organization_id: Any) -> None:
    """The organization changed (or is gone): its keys' cached copies carry the old one."""
    api_keys_forget(
        ApiKey.objects.filter(organization_id=organization_id).values_list("prefix", "secret_hash")
    )


def _forget_saved_key(sender: Any, instance: ApiKey, **kwargs: Any) -> None:
    # A key just created has no cached copy (a stale mark would keep it out for a minute).
    if not kwargs.get("created"):
        api_keys_forget([(instance.prefix, instance.secret_hash)])


def _forget_saved_organization(sender: Any, instance: Organization, **kwargs: Any) -> None:
    if not kwargs.get("created"):
        api_keys_forget_organization(instance.pk)


def connect_api_key_cache() -> None:
    """Every save or delete of a key or an organization (revoking, the admin, a soft delete,
    cascades) marks the cached copies stale; organization_update writes with a conditional
    UPDATE, which sends no signal, and calls api_keys_forget_organization itself."""
    for signal in (post_save, post_delete):
        signal.connect(_forget_saved_key, sender=ApiKey, dispatch_uid=f"api-key-cache-{signal}")
        signal.connect(
            _forget_saved_organization,
            sender=Organization,
            dispatch_uid=f"api-key-cache-organization-{signal}",
        )


def _cached_api_key(request: Request, prefix: str, secret_hash: str) -> ApiKey | None:
    """The cached copy of the key, read in the round trip that counts the request against the
    key's rate limit (oneclicktag.core.throttling)."""
    throttle = UserOrKeyRateThrottle()
    ident = throttle.api_key_ident(prefix, secret_hash)
    try:
        found = throttle.get_counting(request, _api_key_cache_key(prefix, secret_hash), ident)
    except CACHE_ERRORS:
        return None
    return found if isinstance(found, ApiKey) else None


def _remember_api_key(key: str, api_key: ApiKey) -> None:
    # Without a cache every request reads the row, as it always did.
    with contextlib.suppress(*CACHE_ERRORS):
        cache.add(key, api_key, API_KEY_CACHE_SECONDS)


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


def _memberships_with_user(uid: Any) -> tuple[Membership, ...]:
    """The person's memberships in live organizations, user and organization joined: one
    query for what authentication and tenant resolution each read before. Empty when the
    person has none (or is not known yet)."""
    if not isinstance(uid, str) or not uid or len(uid) > 128:
        return ()
    return memberships_with_user(uid)


def _user_by_uid(uid: Any) -> User | None:
    if not isinstance(uid, str) or not uid or len(uid) > 128:
        return None
    return User.objects.filter(firebase_uid=uid).first()


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

        uid = claims.get("uid") or claims.get("sub")
        memberships = _memberships_with_user(uid)
        found = memberships[0].user if memberships else _user_by_uid(uid)
        try:
            user = user_get_or_create_from_firebase(claims=claims, found=found)
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
            # Known when the person was found by uid (a first sign-in may link an existing
            # user by address, whose memberships tenants.resolution then reads).
            memberships=memberships if found is not None else None,
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
        prefix, secret_hash = pieces[1], hash_api_key_secret(pieces[2])
        api_key = _cached_api_key(request, prefix, secret_hash)
        if api_key is None:
            api_key = (
                ApiKey.objects.select_related("organization")
                .filter(prefix=prefix, revoked_at__isnull=True, organization__deleted__isnull=True)
                .first()
            )
            if api_key is None or not hmac.compare_digest(api_key.secret_hash, secret_hash):
                raise _refuse(request, "The API key is invalid or revoked.")
            # One write per minute at most (the cached copy lives a minute): last_used_at is
            # informational.
            now = timezone.now()
            if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
                ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
                api_key.last_used_at = now
            _remember_api_key(_api_key_cache_key(prefix, secret_hash), api_key)
        set_context(user_id=f"api_key:{api_key.pk}")
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Api-Key realm="api"'
