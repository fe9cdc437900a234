"""The grant after the callback: credentials, refresh, losing it, revoking it, key rotation."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import ConnectionStatus, GoogleConnection
from integrations.google import oauth
from integrations.google.calls import CallContext, CallCounter
from integrations.google.credentials import ConnectionCredentials
from integrations.google.errors import GoogleNeedsReconnect, PermanentGoogleError
from oneclicktag.core.crypto import (
    decrypt_token,
    encrypt_token,
    encrypted_with_newest_key,
    reencrypt_token,
)
from tenants.actors import Actor
from tenants.services import audit_record
from tenants.services.notifications import organization_email_admins
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit


def connection_snapshot(connection: GoogleConnection) -> dict[str, Any]:
    """What audit events record about a connection: never a token."""
    return {
        "status": connection.status,
        "google_email": connection.google_email,
        "scopes": list(connection.scopes or []),
        "gtm_account_id": connection.gtm_account_id,
        "gtm_container_id": connection.gtm_container_id,
        "gtm_public_id": connection.gtm_public_id,
        "gtm_workspace_id": connection.gtm_workspace_id,
        "ga4_account_id": connection.ga4_account_id,
        "ga4_property_id": connection.ga4_property_id,
        "ga4_stream_id": connection.ga4_stream_id,
        "ga4_measurement_id": connection.ga4_measurement_id,
        "ads_customer_id": connection.ads_customer_id,
        "ads_login_customer_id": connection.ads_login_customer_id,
        "ads_conversion_customer_id": connection.ads_conversion_customer_id,
        "last_error": connection.last_error,
        "version": connection.version,
    }


def connection_credentials(
    *, connection: GoogleConnection, context: CallContext
) -> ConnectionCredentials:
    return ConnectionCredentials(
        access_token=decrypt_token(connection.access_token_encrypted),
        refresh_token=decrypt_token(connection.refresh_token_encrypted),
        expires_at=connection.access_token_expires_at,
        client_id=str(settings.GOOGLE_OAUTH_CLIENT_ID),
        client_secret=str(settings.GOOGLE_OAUTH_CLIENT_SECRET),
        context=context,
        on_refreshed=lambda token, expiry: connection_store_refreshed_token(
            connection=connection, access_token=token, expires_at=expiry
        ),
    )


def connection_store_refreshed_token(
    *, connection: GoogleConnection, access_token: str, expires_at: datetime
) -> None:
    now = timezone.now()
    values = {
        "access_token_encrypted": encrypt_token(access_token),
        "access_token_expires_at": expires_at,
        "last_refreshed_at": now,
        "updated_at": now,
    }
    # Only a still-connected row takes the token: a disconnect that raced us wins.
    GoogleConnection.objects.filter(pk=connection.pk, status=ConnectionStatus.CONNECTED).update(
        **values
    )
    for name, value in values.items():
        setattr(connection, name, value)


def connection_mark_needs_reconnect(*, connection: GoogleConnection, reason: str) -> None:
    """Google refused the grant: stop every further call until a person reconnects."""
    now = timezone.now()
    with transaction.atomic():
        locked = GoogleConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.status != ConnectionStatus.CONNECTED:
            return
        before = connection_snapshot(locked)
        locked.status = ConnectionStatus.NEEDS_RECONNECT
        locked.last_error = reason[:2000]
        locked.last_error_at = now
        locked.access_token_encrypted = ""
        locked.access_token_expires_at = None
        locked.save(
            update_fields=[
                "status",
                "last_error",
                "last_error_at",
                "access_token_encrypted",
                "access_token_expires_at",
                "updated_at",
            ]
        )
        audit_record(
            organization=locked.organization_id,
            actor=Actor.system_actor("google"),
            action="google_connection.needs_reconnect",
            object_type="google_connection",
            object_id=locked.pk,
            before=before,
            after=connection_snapshot(locked),
        )
        organization_email_admins(
            organization_id=locked.organization_id,
            subject="OneClickTag: a customer's Google account must be reconnected",
            message=(
                "Google no longer accepts the connection of "
                f"{locked.google_email or 'a Google account'} for customer "
                f"{locked.customer.name}; deployments and health checks for it are stopped."
                f"\n\nGoogle said: {locked.last_error}\n\nReconnect it: POST "
                f"/api/v1/customers/{locked.customer_id}/google/authorize/"
            ),
        )
        webhook_event_emit(
            organization_id=locked.organization_id,
            event=WebhookEvent.GOOGLE_NEEDS_RECONNECT,
            payload={
                "customer": str(locked.customer_id),
                "google_email": locked.google_email,
                "reason": locked.last_error,
            },
        )
    for name in (
        "status",
        "last_error",
        "last_error_at",
        "access_token_encrypted",
        "access_token_expires_at",
    ):
        setattr(connection, name, getattr(locked, name))


def connection_disconnect(*, connection: GoogleConnection, actor: Actor) -> GoogleConnection:
    """Revoke the grant at Google, then forget the tokens (status `revoked`).

    A grant Google already forgot (invalid token) counts as revoked; an unreachable Google raises
    TransientGoogleError and nothing changes, so the client can try again.
    """
    refresh_token = decrypt_token(connection.refresh_token_encrypted)
    if refresh_token:
        context = CallContext(counter=CallCounter(organization_id=str(connection.organization_id)))
        # Google no longer knowing the token is as revoked as it gets.
        with contextlib.suppress(GoogleNeedsReconnect, PermanentGoogleError):
            oauth.revoke_token(context, token=refresh_token)
    with transaction.atomic():
        locked = GoogleConnection.objects.select_for_update().get(pk=connection.pk)
        before = connection_snapshot(locked)
        locked.status = ConnectionStatus.REVOKED
        locked.refresh_token_encrypted = ""
        locked.access_token_encrypted = ""
        locked.access_token_expires_at = None
        locked.scopes = []
        locked.revoked_at = timezone.now()
        locked.version += 1
        locked.updated_by = actor.user if actor.user is not None and actor.user.pk else None
        locked.save()
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="google_connection.disconnect",
            object_type="google_connection",
            object_id=locked.pk,
            before=before,
            after=connection_snapshot(locked),
        )
    return locked


def connection_rotate_token_keys(*, connection_id: Any) -> bool:
    """Re-encrypt one connection's tokens with the newest key. True when anything changed."""
    with transaction.atomic():
        connection = GoogleConnection.objects.select_for_update().get(pk=connection_id)
        fields = ("refresh_token_encrypted", "access_token_encrypted")
        stale = [f for f in fields if not encrypted_with_newest_key(getattr(connection, f))]
        if not stale:
            return False
        GoogleConnection.objects.filter(pk=connection.pk).update(
            **{f: reencrypt_token(getattr(connection, f)) for f in stale}
        )
    return True
