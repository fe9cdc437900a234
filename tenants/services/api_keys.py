"""Machine credentials. The secret is shown once, at creation; only its hash is kept."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from oneclicktag.core.exceptions import InvalidInput, NotAllowed
from tenants.actors import Actor
from tenants.authentication import API_KEY_PREFIX, hash_api_key_secret
from tenants.models import ApiKey, Organization, Role
from tenants.services.audit import audit_record


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    # `oct_<prefix>_<secret>`: the only time the clear secret exists outside the client.
    key: str


def api_key_snapshot(api_key: ApiKey) -> dict[str, Any]:
    return {
        "name": api_key.name,
        "role": api_key.role,
        "prefix": api_key.prefix,
        "revoked_at": api_key.revoked_at.isoformat() if api_key.revoked_at else None,
    }


def _new_prefix() -> str:
    # 12 hex characters; the authentication splits the key on "_", so no underscores here.
    while True:
        prefix = secrets.token_hex(6)
        if not ApiKey.objects.filter(prefix=prefix).exists():
            return prefix


@transaction.atomic
def api_key_create(
    *, organization: Organization, name: str, role: str, actor: Actor, actor_role: str
) -> CreatedApiKey:
    name = name.strip()
    if not name:
        raise InvalidInput({"name": ["This field may not be blank."]})
    if role not in Role.values:
        raise InvalidInput({"role": [f"Choose one of {', '.join(Role.values)}."]})
    if role == Role.OWNER and actor_role != Role.OWNER:
        raise NotAllowed("Only an owner can create an owner API key.")
    prefix = _new_prefix()
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=hash_api_key_secret(secret),
        created_by=actor.user,
        updated_by=actor.user,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="api_key.create",
        object_type="api_key",
        object_id=api_key.pk,
        after=api_key_snapshot(api_key),
    )
    return CreatedApiKey(api_key=api_key, key=f"{API_KEY_PREFIX}_{prefix}_{secret}")


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: Actor) -> ApiKey:
    """Idempotent: revoking a revoked key changes nothing and records nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    before = api_key_snapshot(api_key)
    api_key.revoked_at = timezone.now()
    api_key.updated_by = actor.user
    api_key.save(update_fields=["revoked_at", "updated_by", "updated_at"])
    audit_record(
        organization=api_key.organization_id,
        actor=actor,
        action="api_key.revoke",
        object_type="api_key",
        object_id=api_key.pk,
        before=before,
        after=api_key_snapshot(api_key),
    )
    return api_key
