"""Connecting a customer's Google account: the OAuth authorization-code flow with PKCE.

`google_authorization_start` records the attempt (an OAuthState row holding the encrypted PKCE
verifier and the client's redirect URI) and returns Google's URL with a signed `state` naming that
row, the organization, the customer and the user. `google_authorization_complete` trusts nothing
it did not sign: the signature and age, then a single-use claim of the row (conditional UPDATE),
then that the row matches the payload and the person is still an admin of the organization.
Only then does it exchange the code and store the grant, encrypted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import ConnectionStatus, Customer, GoogleConnection
from integrations.google import oauth
from integrations.google.calls import CallContext, CallCounter
from integrations.google.errors import PermanentGoogleError
from integrations.google.services.tokens import connection_snapshot
from integrations.models import OAuthState
from oneclicktag.core.crypto import decrypt_token, encrypt_token
from oneclicktag.core.exceptions import InvalidInput
from tenants.actors import Actor
from tenants.models import ApiKey, Membership, Organization, Role, role_at_least
from tenants.services import audit_record

STATE_SALT = "oneclicktag.integrations.google.oauth-state"
STATE_TTL = timedelta(minutes=10)
CONNECT_ROLE = Role.ADMIN


class InvalidOAuthState(Exception):
    """The callback's state is forged, expired, already used or not ours: store nothing."""


class AuthorizationDenied(Exception):
    """Google sent the person back with an error (e.g. `access_denied`)."""

    def __init__(self, error: str, redirect_uri: str, customer_id: Any) -> None:
        super().__init__(error)
        self.error = error
        self.redirect_uri = redirect_uri
        self.customer_id = customer_id


@dataclass(frozen=True)
class AuthorizationResult:
    connection: GoogleConnection
    redirect_uri: str


def allowed_redirect_uri(redirect_uri: str) -> bool:
    # Exact match only: prefixes and patterns are how open redirects happen.
    return redirect_uri in list(settings.ALLOWED_REDIRECT_URIS)


def google_authorization_start(
    *, organization: Organization, customer: Customer, actor: Actor, redirect_uri: str = ""
) -> str:
    if redirect_uri and not allowed_redirect_uri(redirect_uri):
        raise InvalidInput({"redirect_uri": ["This redirect URI is not allowed."]})
    verifier, challenge = oauth.pkce_pair()
    with transaction.atomic():
        attempt = OAuthState.objects.create(
            organization=organization,
            customer=customer,
            user=actor.user if actor.user is not None and actor.user.pk else None,
            api_key=actor.api_key,
            code_verifier_encrypted=encrypt_token(verifier),
            redirect_uri=redirect_uri,
            expires_at=timezone.now() + STATE_TTL,
        )
        audit_record(
            organization=organization,
            actor=actor,
            action="google_connection.authorize",
            object_type="customer",
            object_id=customer.pk,
            before=None,
            after={"oauth_attempt": str(attempt.pk), "redirect_uri": redirect_uri},
        )
    state = signing.dumps(
        {
            "a": str(attempt.pk),
            "o": str(organization.pk),
            "c": str(customer.pk),
            "u": str(attempt.user_id or ""),
            "k": str(attempt.api_key_id or ""),
        },
        salt=STATE_SALT,
    )
    return oauth.authorization_url(state=state, code_challenge=challenge)


def _claim_attempt(state: str) -> OAuthState:
    try:
        payload = signing.loads(state, salt=STATE_SALT, max_age=STATE_TTL)
    except signing.SignatureExpired as exc:
        raise InvalidOAuthState("The authorization attempt has expired; start again.") from exc
    except signing.BadSignature as exc:
        raise InvalidOAuthState("The state parameter is not one of ours.") from exc
    if not isinstance(payload, dict) or not payload.get("a"):
        raise InvalidOAuthState("The state parameter is not one of ours.")
    now = timezone.now()
    try:
        claimed = OAuthState.objects.filter(
            pk=payload["a"], consumed_at__isnull=True, expires_at__gt=now
        ).update(consumed_at=now)
    except (ValueError, DjangoValidationError) as exc:
        raise InvalidOAuthState("The state parameter is not one of ours.") from exc
    if claimed != 1:
        raise InvalidOAuthState("This authorization attempt was already used or has expired.")
    attempt = OAuthState.objects.select_related("organization", "customer", "user", "api_key").get(
        pk=payload["a"]
    )
    bound = (
        str(attempt.organization_id),
        str(attempt.customer_id),
        str(attempt.user_id or ""),
        str(attempt.api_key_id or ""),
    )
    if bound != (payload.get("o"), payload.get("c"), payload.get("u"), payload.get("k")):
        raise InvalidOAuthState("The state does not belong to this authorization attempt.")
    _check_still_allowed(attempt)
    return attempt


def _check_still_allowed(attempt: OAuthState) -> None:
    """The customer and the person's admin role may have gone during the ten minutes."""
    if getattr(attempt.organization, "deleted", None) is not None:
        raise InvalidOAuthState("The organization no longer exists.")
    if not Customer.objects.filter(
        pk=attempt.customer_id, organization=attempt.organization_id
    ).exists():
        raise InvalidOAuthState("The customer no longer exists.")
    if attempt.api_key_id is not None:
        key = ApiKey.objects.filter(
            pk=attempt.api_key_id, organization=attempt.organization_id
        ).first()
        if key is None or key.revoked_at is not None or not role_at_least(key.role, CONNECT_ROLE):
            raise InvalidOAuthState("The API key that started this may no longer connect Google.")
        return
    membership = Membership.objects.filter(
        user_id=attempt.user_id, organization=attempt.organization_id
    ).first()
    if (
        attempt.user_id is None
        or membership is None
        or not role_at_least(membership.role, CONNECT_ROLE)
    ):
        raise InvalidOAuthState("The person who started this may no longer connect Google.")


def google_authorization_complete(*, state: str, code: str, error: str = "") -> AuthorizationResult:
    """Raises InvalidOAuthState (nothing stored), AuthorizationDenied or a GoogleError."""
    attempt = _claim_attempt(state)
    if error:
        raise AuthorizationDenied(error, attempt.redirect_uri, attempt.customer_id)
    if not code:
        raise InvalidOAuthState("Google's answer carries no authorization code.")
    context = CallContext(counter=CallCounter(organization_id=str(attempt.organization_id)))
    # Network first, outside any transaction.
    grant = oauth.exchange_code(
        context, code=code, code_verifier=decrypt_token(attempt.code_verifier_encrypted)
    )
    if not grant.refresh_token:
        raise PermanentGoogleError(
            "Google granted no offline access (no refresh token).", api="oauth"
        )
    info = oauth.fetch_userinfo(context, access_token=grant.access_token)
    actor = Actor(user=attempt.user, api_key=attempt.api_key)
    now = timezone.now()
    with transaction.atomic():
        connection = (
            GoogleConnection.objects.select_for_update()
            .filter(customer=attempt.customer_id)
            .first()
        )
        before = connection_snapshot(connection) if connection is not None else None
        if connection is None:
            connection = GoogleConnection(
                organization_id=attempt.organization_id,
                customer_id=attempt.customer_id,
                created_by=attempt.user,
            )
        elif connection.google_user_id and connection.google_user_id != str(info.get("sub") or ""):
            # Another Google identity: the old choices were made with what the old one could see.
            _forget_choices(connection)
        connection.status = ConnectionStatus.CONNECTED
        connection.google_email = str(info.get("email") or "")
        connection.google_user_id = str(info.get("sub") or "")
        connection.scopes = sorted(grant.scopes)
        connection.refresh_token_encrypted = encrypt_token(grant.refresh_token)
        connection.access_token_encrypted = encrypt_token(grant.access_token)
        connection.access_token_expires_at = grant.expires_at
        connection.connected_at = now
        connection.last_refreshed_at = now
        connection.revoked_at = None
        connection.last_error = ""
        connection.last_error_at = None
        connection.updated_by = attempt.user
        if before is not None:
            connection.version += 1
        connection.save()
        audit_record(
            organization=attempt.organization_id,
            actor=actor,
            action="google_connection.connect",
            object_type="google_connection",
            object_id=connection.pk,
            before=before,
            after=connection_snapshot(connection),
        )
    return AuthorizationResult(connection=connection, redirect_uri=attempt.redirect_uri)


def _forget_choices(connection: GoogleConnection) -> None:
    for name in GoogleConnection.RESOURCE_FIELDS:
        setattr(connection, name, "")


def oauth_attempts_purge() -> int:
    """Delete attempts that can no longer be used (beat, hourly)."""
    deleted, _ = OAuthState.objects.filter(expires_at__lt=timezone.now() - STATE_TTL).delete()
    return deleted
