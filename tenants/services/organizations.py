"""Organizations and who belongs to them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from oneclicktag.core.concurrency import is_no_op, update_if_version
from oneclicktag.core.exceptions import Conflict, InvalidInput, NotAllowed
from tenants.actors import Actor
from tenants.authentication import api_keys_forget_organization
from tenants.models import Membership, Organization, Role, User
from tenants.services.audit import audit_record


def organization_snapshot(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "slug": organization.slug,
        "max_customers": organization.max_customers,
        "max_trackings_per_customer": organization.max_trackings_per_customer,
        "version": organization.version,
        "deleted": deleted.isoformat()
        if (deleted := getattr(organization, "deleted", None))
        else None,
    }


def membership_snapshot(membership: Membership) -> dict[str, Any]:
    return {
        "user": str(membership.user_id),
        "role": membership.role,
        "version": membership.version,
    }


def _free_slug(base: str) -> str:
    base = (slugify(base)[:60] or "organization").strip("-") or "organization"
    if not Organization.all_objects.filter(slug=base).exists():
        return base
    return f"{base}-{get_random_string(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}"


def _require_person(actor: Actor) -> User:
    if actor.user is None:
        raise NotAllowed("Only a signed-in person can do this, not an API key.")
    return actor.user


def membership_create(
    *, organization: Organization, user: User, role: str, actor: Actor
) -> Membership:
    """Adds a person to an organization (creation, an accepted invitation, staff)."""
    if role not in Role.values:
        raise InvalidInput({"role": [f"Choose one of {', '.join(Role.values)}."]})
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                organization=organization, user=user, role=role, created_by=actor.user
            )
            audit_record(
                organization=organization,
                actor=actor,
                action="membership.create",
                object_type="membership",
                object_id=membership.pk,
                after=membership_snapshot(membership),
            )
    except IntegrityError as exc:
        raise Conflict("This person is already a member of the organization.") from exc
    return membership


@transaction.atomic
def organization_create(*, name: str, actor: Actor, slug: str | None = None) -> Organization:
    """A person creates an organization and becomes its owner."""
    user = _require_person(actor)
    name = name.strip()
    if not name:
        raise InvalidInput({"name": ["This field may not be blank."]})
    if slug:
        if Organization.all_objects.filter(slug=slug).exists():
            raise InvalidInput({"slug": ["This slug is taken."]})
    else:
        slug = _free_slug(name)
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=name, slug=slug, created_by=user, updated_by=user
            )
    except IntegrityError as exc:
        raise InvalidInput({"slug": ["This slug is taken."]}) from exc
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.create",
        object_type="organization",
        object_id=organization.pk,
        after=organization_snapshot(organization),
    )
    membership_create(organization=organization, user=user, role=Role.OWNER, actor=actor)
    return organization


@transaction.atomic
def organization_update(
    *,
    organization: Organization,
    actor: Actor,
    expected_version: int,
    name: str | None = None,
    max_customers: int | None = None,
    max_trackings_per_customer: int | None = None,
) -> Organization:
    """Rename (owners, over the API) or change plan limits (staff, in the admin)."""
    before = organization_snapshot(organization)
    changes: dict[str, Any] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput({"name": ["This field may not be blank."]})
        changes["name"] = name
    if max_customers is not None:
        changes["max_customers"] = max_customers
    if max_trackings_per_customer is not None:
        changes["max_trackings_per_customer"] = max_trackings_per_customer
    if is_no_op(organization, changes, expected_version):
        return organization
    update_if_version(
        Organization.objects.all(),
        organization,
        expected_version,
        updated_at=timezone.now(),
        updated_by=actor.user,
        **changes,
    )
    # An UPDATE sends no post_save: API keys' cached copies of the organization go stale here.
    api_keys_forget_organization(organization.pk)
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.update",
        object_type="organization",
        object_id=organization.pk,
        before=before,
        after=organization_snapshot(organization),
    )
    return organization


@transaction.atomic
def organization_delete(*, organization: Organization, actor: Actor) -> None:
    """Soft delete: the organization disappears from the API and its API keys stop working."""
    before = organization_snapshot(organization)
    organization.delete()
    audit_record(
        organization=organization,
        actor=actor,
        action="organization.delete",
        object_type="organization",
        object_id=organization.pk,
        before=before,
        after=organization_snapshot(organization),
    )
