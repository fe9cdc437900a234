"""Changing and removing memberships. Owners are protected: the last one cannot go, and only
an owner can make or unmake another owner."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from oneclicktag.core.concurrency import is_no_op, update_if_version
from oneclicktag.core.exceptions import Conflict, InvalidInput, NotAllowed
from tenants.actors import Actor
from tenants.models import Membership, Role
from tenants.services.audit import audit_record
from tenants.services.organizations import membership_snapshot


def _lock_owner_count(membership: Membership) -> int:
    # Locking every owner row serialises concurrent demotions, so two owners cannot demote
    # each other at once and leave the organization without one.
    owners = list(
        Membership.objects.select_for_update()
        .filter(organization_id=membership.organization_id, role=Role.OWNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return len(owners)


def _require_owner_for_owners(*, actor_role: str, membership: Membership, new_role: str) -> None:
    if Role.OWNER in (membership.role, new_role) and actor_role != Role.OWNER:
        raise NotAllowed("Only an owner can make or unmake owners.")


@transaction.atomic
def membership_update_role(
    *,
    membership: Membership,
    role: str,
    actor: Actor,
    actor_role: str,
    expected_version: int,
) -> Membership:
    if role not in Role.values:
        raise InvalidInput({"role": [f"Choose one of {', '.join(Role.values)}."]})
    _require_owner_for_owners(actor_role=actor_role, membership=membership, new_role=role)
    if is_no_op(membership, {"role": role}, expected_version):
        return membership
    if membership.role == Role.OWNER and role != Role.OWNER and _lock_owner_count(membership) <= 1:
        raise Conflict("The last owner cannot be demoted; make someone else owner first.")
    before = membership_snapshot(membership)
    update_if_version(
        Membership.objects.all(),
        membership,
        expected_version,
        role=role,
        updated_at=timezone.now(),
        updated_by=actor.user,
    )
    audit_record(
        organization=membership.organization_id,
        actor=actor,
        action="membership.update",
        object_type="membership",
        object_id=membership.pk,
        before=before,
        after=membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: Actor, actor_role: str) -> None:
    _require_owner_for_owners(actor_role=actor_role, membership=membership, new_role=Role.MEMBER)
    if membership.role == Role.OWNER and _lock_owner_count(membership) <= 1:
        raise Conflict("The last owner cannot be removed; make someone else owner first.")
    before = membership_snapshot(membership)
    membership_id = membership.pk
    membership.delete()
    audit_record(
        organization=membership.organization_id,
        actor=actor,
        action="membership.delete",
        object_type="membership",
        object_id=membership_id,
        before=before,
    )


@transaction.atomic
def membership_set_notifications(
    *,
    membership: Membership,
    email_alerts: bool | None = None,
    email_daily_digest: bool | None = None,
) -> Membership:
    """A person's own e-mail preferences in one organization (alerts, daily digest)."""
    before = {
        "email_alerts": membership.email_alerts,
        "email_daily_digest": membership.email_daily_digest,
    }
    if email_alerts is not None:
        membership.email_alerts = email_alerts
    if email_daily_digest is not None:
        membership.email_daily_digest = email_daily_digest
    after = {
        "email_alerts": membership.email_alerts,
        "email_daily_digest": membership.email_daily_digest,
    }
    if after == before:
        return membership
    membership.save(update_fields=["email_alerts", "email_daily_digest", "updated_at"])
    audit_record(
        organization=membership.organization_id,
        actor=Actor(user=membership.user),
        action="membership.notifications",
        object_type="membership",
        object_id=membership.pk,
        before=before,
        after=after,
    )
    return membership
