"""The audit trail: every write service appends one event inside its own transaction."""

from __future__ import annotations

from typing import Any

from oneclicktag.core.context import current_context
from oneclicktag.core.rows import insert
from tenants.actors import Actor
from tenants.models import AuditEvent, Organization


def audit_record(
    *,
    organization: Organization | Any,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the same transaction as the write it describes."""
    event = AuditEvent(
        organization_id=getattr(organization, "pk", organization),
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
        request_id=current_context().request_id or "",
    )
    # Every write appends one: an INSERT without the ORM's compile (oneclicktag.core.rows).
    insert([event])
    return event
