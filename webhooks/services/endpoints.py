"""Webhook endpoints: register, change, rotate the secret, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oneclicktag.core.crypto import encrypt_token
from oneclicktag.core.exceptions import InvalidInput
from tenants.actors import Actor
from tenants.models import Organization
from tenants.services.audit import audit_record
from webhooks.models import WebhookEndpoint, WebhookEvent
from webhooks.signing import secret_generate
from webhooks.targets import TargetRefused, TargetUnresolved, target_parse, target_resolve

# How long a rotated-out secret keeps signing.
PREVIOUS_SECRET_TTL = timedelta(hours=24)
EDITABLE_FIELDS = ("url", "description", "events", "is_active")


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: WebhookEndpoint
    secret: str


def _validated_url(url: str) -> str:
    try:
        target = target_parse(url)
        if not settings.WEBHOOK_ALLOW_HTTP or target.scheme == "https":
            # A name that already resolves somewhere private is refused now, not at first send;
            # one that does not resolve yet is checked again before every attempt.
            target_resolve(target)
    except TargetRefused as error:
        if isinstance(error, TargetUnresolved):
            return url.strip()
        raise InvalidInput({"url": [error.message]}) from error
    return url.strip()


def _validated_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise InvalidInput({"events": [f"Unknown events: {', '.join(unknown)}."]})
    if not events:
        raise InvalidInput({"events": ["Choose at least one event."]})
    return list(dict.fromkeys(events))


def _snapshot(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "is_active": endpoint.is_active,
    }


@transaction.atomic
def webhook_endpoint_create(
    *, organization: Organization, url: str, events: list[str], description: str = "", actor: Actor
) -> EndpointWithSecret:
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=_validated_url(url),
        events=_validated_events(events),
        description=description,
        secret_encrypted=encrypt_token(secret),
        created_by=actor.user,
        updated_by=actor.user,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="webhook_endpoint.create",
        object_type="webhook_endpoint",
        object_id=endpoint.pk,
        after=_snapshot(endpoint),
    )
    return EndpointWithSecret(endpoint=endpoint, secret=secret)


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, data: dict[str, Any], actor: Actor
) -> WebhookEndpoint:
    before = _snapshot(endpoint)
    if "url" in data:
        endpoint.url = _validated_url(data["url"])
    if "events" in data:
        endpoint.events = _validated_events(data["events"])
    if "description" in data:
        endpoint.description = data["description"]
    if "is_active" in data:
        if data["is_active"] and not endpoint.is_active:
            # Turned back on by a person: the failure clock starts over.
            endpoint.failing_since = None
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
        endpoint.is_active = bool(data["is_active"])
    endpoint.updated_by = actor.user
    endpoint.save()
    audit_record(
        organization=endpoint.organization_id,
        actor=actor,
        action="webhook_endpoint.update",
        object_type="webhook_endpoint",
        object_id=endpoint.pk,
        before=before,
        after=_snapshot(endpoint),
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Soft delete: the deliveries stay as history; nothing is sent to it any more."""
    audit_record(
        organization=endpoint.organization_id,
        actor=actor,
        action="webhook_endpoint.delete",
        object_type="webhook_endpoint",
        object_id=endpoint.pk,
        before=_snapshot(endpoint),
    )
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active", "updated_at"])
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> str:
    """A new secret signs from now on; the current one keeps signing for PREVIOUS_SECRET_TTL."""
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = secret_generate()
    locked.previous_secret_encrypted = locked.secret_encrypted
    locked.previous_secret_expires_at = timezone.now() + PREVIOUS_SECRET_TTL
    locked.secret_encrypted = encrypt_token(secret)
    locked.updated_by = actor.user
    locked.save()
    audit_record(
        organization=locked.organization_id,
        actor=actor,
        action="webhook_endpoint.rotate_secret",
        object_type="webhook_endpoint",
        object_id=locked.pk,
    )
    endpoint.refresh_from_db()
    return secret
