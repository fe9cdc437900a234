"""Which organization a request acts in, and with which role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.request import Request

from oneclicktag.core.context import set_context
from tenants.actors import Actor, FirebaseIdentity
from tenants.models import ApiKey, Membership, Organization, User

ORGANIZATION_HEADER = "X-Organization"


@dataclass(frozen=True)
class Tenant:
    organization: Organization
    role: str
    actor: Actor


def _parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _organization_matches(organization: Organization, reference: str) -> bool:
    return reference == organization.slug or _parse_uuid(reference) == organization.pk


def actor_for_request(request: Request) -> Actor:
    if isinstance(request.auth, ApiKey):
        return Actor(api_key=request.auth)
    user = request.user
    return Actor(user=user if isinstance(user, User) else None)


def resolve_tenant(request: Request) -> Tenant:
    """An API key implies its organization; a person names it in `X-Organization` (id or slug),
    which may be left out when they belong to exactly one. Foreign or unknown -> 404."""
    reference = (request.headers.get(ORGANIZATION_HEADER) or "").strip()
    if "\x00" in reference:
        # PostgreSQL refuses NUL in a query; no id or slug holds one.
        raise exceptions.ValidationError(
            {ORGANIZATION_HEADER: ["Null characters are not allowed."]}
        )
    if isinstance(request.auth, ApiKey):
        api_key = request.auth
        if reference and not _organization_matches(api_key.organization, reference):
            raise exceptions.NotFound("Organization not found.")
        tenant = Tenant(api_key.organization, api_key.role, Actor(api_key=api_key))
    else:
        user = request.user
        if not isinstance(user, User):
            raise exceptions.NotAuthenticated()
        membership = _membership(request, user, reference)
        tenant = Tenant(membership.organization, membership.role, Actor(user=user))
    set_context(organization_id=str(tenant.organization.pk))
    return tenant


def _is_named(membership: Membership, as_uuid: uuid.UUID | None, reference: str) -> bool:
    # As the query below: an id names by id only, anything else is a slug.
    if as_uuid is not None:
        return membership.organization_id == as_uuid
    return membership.organization.slug == reference


def _membership(request: Request, user: User, reference: str) -> Membership:
    """The person's membership in the organization named by `reference` (or their only one),
    from the memberships authentication read with the user when it did."""
    loaded = request.auth.memberships if isinstance(request.auth, FirebaseIdentity) else None
    if reference:
        as_uuid = _parse_uuid(reference)
        if loaded is not None:
            membership = next((m for m in loaded if _is_named(m, as_uuid, reference)), None)
        else:
            named = {"organization_id": as_uuid} if as_uuid else {"organization__slug": reference}
            membership = _memberships(user).filter(**named).first()
        if membership is None:
            raise exceptions.NotFound("Organization not found.")
    else:
        found = list(loaded[:2]) if loaded is not None else list(_memberships(user)[:2])
        if not found:
            raise exceptions.ValidationError(
                {ORGANIZATION_HEADER: ["You belong to no organization yet; create one."]}
            )
        if len(found) > 1:
            raise exceptions.ValidationError(
                {ORGANIZATION_HEADER: ["You belong to several organizations; name one."]}
            )
        membership = found[0]
    return membership


def _memberships(user: User) -> QuerySet[Membership]:
    # Built only when authentication did not read them: building it is a tenth of resolving.
    return Membership.objects.select_related("organization").filter(
        user=user, organization__deleted__isnull=True
    )
