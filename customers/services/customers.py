"""Writes and business rules for customers: create, update, soft delete, restore."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from safedelete.models import SOFT_DELETE

from customers.locale import (
    DEFAULT_CURRENCY,
    DEFAULT_TIME_ZONE,
    currency_errors,
    time_zone_errors,
)
from customers.models import (
    HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES,
    HEALTH_CHECK_INTERVAL_MAX_MINUTES,
    HEALTH_CHECK_INTERVAL_MIN_MINUTES,
    Customer,
    DriftPolicy,
    PublishPolicy,
)
from customers.signals import customer_deleting, customer_restored
from oneclicktag.core.concurrency import ensure_version
from oneclicktag.core.exceptions import InvalidInput, NotAllowed, StaleVersion
from tenants.actors import Actor
from tenants.models import Organization, Role, role_at_least
from tenants.services import audit_record

SLUG_MAX_LENGTH = 80
# Fields a client may set; everything else (ids, version, audit fields) is ours.
EDITABLE_FIELDS = (
    "name",
    "slug",
    "website_url",
    "contact_email",
    "status",
    "tags",
    "notes",
    "drift_policy",
    "publish_policy",
    "time_zone",
    "currency",
    "health_check_interval_minutes",
)
_UNIQUE_SLUG_CONSTRAINT = "customer_unique_org_slug_live"
MAX_TAGS = 50
MAX_TAG_LENGTH = 64


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    """What an audit event records about a customer, before and after a write."""
    return {
        "name": customer.name,
        "slug": customer.slug,
        "website_url": customer.website_url,
        "contact_email": customer.contact_email,
        "status": customer.status,
        "tags": list(customer.tags or []),
        "notes": customer.notes,
        "drift_policy": customer.drift_policy,
        "publish_policy": customer.publish_policy,
        "time_zone": customer.time_zone,
        "currency": customer.currency,
        "health_check_interval_minutes": customer.health_check_interval_minutes,
        "version": customer.version,
        "deleted": customer.deleted.isoformat() if customer.deleted else None,
    }


def _actor_user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


def _lock_organization(organization: Organization) -> Organization:
    # The organization row serializes customer creation so the plan limit holds under races.
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _check_customer_limit(organization: Organization) -> None:
    live = Customer.objects.filter(organization=organization).count()
    if live >= organization.max_customers:
        raise InvalidInput(
            {
                "non_field_errors": [
                    f"This organization has reached its limit of "
                    f"{organization.max_customers} customers."
                ]
            }
        )


def _slug_taken(organization: Organization, slug: str, *, exclude_pk: Any = None) -> bool:
    live = Customer.objects.filter(organization=organization, slug=slug)
    if exclude_pk is not None:
        live = live.exclude(pk=exclude_pk)
    return live.exists()


def _unique_slug_from_name(organization: Organization, name: str) -> str:
    """`Acme Shoes` -> `acme-shoes`, or `acme-shoes-2`… when the organization already uses it."""
    base = slugify(name)[: SLUG_MAX_LENGTH - 6].strip("-") or "customer"
    taken = set(
        Customer.objects.filter(organization=organization, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def _slug_conflict() -> InvalidInput:
    return InvalidInput({"slug": ["Another customer of this organization uses this slug."]})


def _is_slug_violation(error: IntegrityError) -> bool:
    return _UNIQUE_SLUG_CONSTRAINT in str(error) or "customers_customer.slug" in str(error)


def customer_create(
    *,
    organization: Organization,
    actor: Actor,
    name: str,
    website_url: str,
    slug: str = "",
    contact_email: str = "",
    status: str = Customer._meta.get_field("status").default,
    tags: list[str] | None = None,
    notes: str = "",
    drift_policy: str = DriftPolicy.REPAIR,
    publish_policy: str = PublishPolicy.AUTO,
    time_zone: str = DEFAULT_TIME_ZONE,
    currency: str = DEFAULT_CURRENCY,
    health_check_interval_minutes: int = HEALTH_CHECK_INTERVAL_DEFAULT_MINUTES,
) -> Customer:
    _check_locale({"time_zone": time_zone, "currency": currency})
    _check_health_check_interval({"health_check_interval_minutes": health_check_interval_minutes})
    with transaction.atomic():
        locked = _lock_organization(organization)
        _check_customer_limit(locked)
        if slug:
            if _slug_taken(locked, slug):
                raise _slug_conflict()
        else:
            slug = _unique_slug_from_name(locked, name)
        customer = Customer(
            organization=locked,
            name=name,
            slug=slug,
            website_url=website_url,
            contact_email=contact_email,
            status=status,
            tags=list(tags or []),
            notes=notes,
            drift_policy=drift_policy,
            publish_policy=publish_policy,
            time_zone=time_zone,
            currency=currency,
            health_check_interval_minutes=health_check_interval_minutes,
            created_by=_actor_user(actor),
            updated_by=_actor_user(actor),
        )
        try:
            with transaction.atomic():
                customer.save()
        except IntegrityError as error:
            if _is_slug_violation(error):
                raise _slug_conflict() from error
            raise
        audit_record(
            organization=locked,
            actor=actor,
            action="customer.create",
            object_type="customer",
            object_id=customer.pk,
            before=None,
            after=customer_snapshot(customer),
        )
    return customer


def _check_locale(data: dict[str, Any]) -> None:
    """A time zone and a currency GA4 accepts, or a 400 naming the field."""
    errors: dict[str, list[str]] = {}
    if "time_zone" in data and (problems := time_zone_errors(str(data["time_zone"]))):
        errors["time_zone"] = problems
    if "currency" in data and (problems := currency_errors(str(data["currency"]))):
        errors["currency"] = problems
    if errors:
        raise InvalidInput(errors)


def _checked_tags(data: dict[str, Any]) -> dict[str, Any]:
    """Tags as the API takes them (a list of at most MAX_TAGS non-empty strings of at most
    MAX_TAG_LENGTH, repeats dropped), checked here so every door (API, admin) holds them."""
    if "tags" not in data:
        return data
    tags = data["tags"]
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidInput({"tags": ["A list of strings."]})
    tags = [tag.strip() for tag in tags]
    if len(tags) > MAX_TAGS:
        raise InvalidInput({"tags": [f"At most {MAX_TAGS} tags."]})
    if any(not tag or len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidInput({"tags": [f"A tag holds 1 to {MAX_TAG_LENGTH} characters."]})
    return {**data, "tags": list(dict.fromkeys(tags))}


def _check_health_check_interval(data: dict[str, Any]) -> None:
    """Whole minutes within the bounds, or a 400 naming the field (the API's serializer and the
    admin's form say the same; this holds for every caller)."""
    if "health_check_interval_minutes" not in data:
        return
    value = data["health_check_interval_minutes"]
    low, high = HEALTH_CHECK_INTERVAL_MIN_MINUTES, HEALTH_CHECK_INTERVAL_MAX_MINUTES
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            {
                "health_check_interval_minutes": [
                    f"Give whole minutes from {low} to {high} (a week)."
                ]
            }
        )


def _next_check_after_interval_change(customer: Customer, minutes: int) -> None:
    """A shorter interval takes effect now (the next check moves closer); a longer one from the
    check already planned on."""
    sooner = timezone.now() + timedelta(minutes=minutes)
    if customer.next_health_check_at is not None and sooner < customer.next_health_check_at:
        customer.next_health_check_at = sooner


def _locked_customer(customer: Customer, *, deleted: bool) -> Customer:
    manager = Customer.deleted_objects if deleted else Customer.objects
    locked = manager.select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        # Deleted or restored by someone else since the caller read it.
        raise StaleVersion()
    return locked


def customer_update(
    *,
    customer: Customer,
    actor: Actor,
    data: dict[str, Any],
    expected_version: int | None = None,
    actor_role: str | None = None,
) -> Customer:
    """Change the given editable fields. A stale `expected_version` changes nothing (409).

    `actor_role`: the caller's role in the organization (None for staff). Changing
    `publish_policy` needs admin or higher: approving a pending change does, and a member who
    could switch review off would publish without it."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({field: ["This field cannot be changed."] for field in unknown})
    _check_locale(data)
    data = _checked_tags(data)
    _check_health_check_interval(data)
    with transaction.atomic():
        locked = _locked_customer(customer, deleted=False)
        ensure_version(locked, expected_version)
        policy = data.get("publish_policy", locked.publish_policy)
        if (
            policy != locked.publish_policy
            and actor_role is not None
            and not role_at_least(actor_role, Role.ADMIN)
        ):
            raise NotAllowed("Changing publish_policy needs the admin role or higher.")
        before = customer_snapshot(locked)
        if "slug" in data and data["slug"] != locked.slug:
            if not data["slug"]:
                data = {**data, "slug": _unique_slug_from_name(locked.organization, locked.name)}
            elif _slug_taken(locked.organization, data["slug"], exclude_pk=locked.pk):
                raise _slug_conflict()
        changed = [field for field, value in data.items() if getattr(locked, field) != value]
        if not changed:
            return locked
        for field in changed:
            setattr(locked, field, data[field])
        if "health_check_interval_minutes" in changed:
            _next_check_after_interval_change(locked, locked.health_check_interval_minutes)
            changed.append("next_health_check_at")
        locked.version += 1
        locked.updated_by = _actor_user(actor)
        try:
            with transaction.atomic():
                locked.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
        except IntegrityError as error:
            if _is_slug_violation(error):
                raise _slug_conflict() from error
            raise
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="customer.update",
            object_type="customer",
            object_id=locked.pk,
            before=before,
            after=customer_snapshot(locked),
        )
    return locked


def customer_delete(
    *, customer: Customer, actor: Actor, expected_version: int | None = None
) -> Customer:
    """Soft delete the customer and queue the removal of its trackings from GTM and Google Ads.

    Only the customer row is marked deleted here: its trackings stay until the removal
    deployment has taken them out of GTM and Ads; the engine soft deletes them then.
    """
    with transaction.atomic():
        locked = _locked_customer(customer, deleted=False)
        ensure_version(locked, expected_version)
        before = customer_snapshot(locked)
        customer_deleting.send(sender=Customer, customer=locked, actor=actor)
        locked.updated_by = _actor_user(actor)
        locked.version += 1
        locked.delete(force_policy=SOFT_DELETE)
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="customer.delete",
            object_type="customer",
            object_id=locked.pk,
            before=before,
            after=customer_snapshot(locked),
        )
    return locked


def customer_restore(*, customer: Customer, actor: Actor) -> Customer:
    """Undo a soft delete. Its slug must still be free and the plan limit must allow it.

    The trackings removed with the customer come back and a deployment puts them live again
    (`customer_restored`; trackings deleted one by one before it stay deleted).
    """
    with transaction.atomic():
        organization = _lock_organization(customer.organization)
        locked = _locked_customer(customer, deleted=True)
        before = customer_snapshot(locked)
        _check_customer_limit(organization)
        if _slug_taken(organization, locked.slug):
            raise InvalidInput(
                {"slug": ["A live customer now uses this slug; change theirs, then restore."]}
            )
        locked.updated_by = _actor_user(actor)
        locked.version += 1
        deleted_at = locked.deleted
        locked.undelete(force_policy=SOFT_DELETE)
        customer_restored.send(sender=Customer, customer=locked, actor=actor, deleted_at=deleted_at)
        audit_record(
            organization=organization,
            actor=actor,
            action="customer.restore",
            object_type="customer",
            object_id=locked.pk,
            before=before,
            after=customer_snapshot(locked),
        )
    return locked
