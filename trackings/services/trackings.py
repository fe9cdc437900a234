"""Writes and business rules for trackings: create (one or in bulk), update, delete.

Every write validates the tracking against the catalog before anything is stored, records an
audit event and queues a deployment of the customer (coalesced by `deployment_enqueue`) when the
customer has a Google connection to deploy with. The engine does the Google work.
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import ConnectionStatus, Customer, GoogleConnection
from customers.selectors import customers_by_ids
from oneclicktag.core.concurrency import ensure_version
from oneclicktag.core.context import current_context
from oneclicktag.core.exceptions import Conflict, InvalidInput, StaleVersion
from oneclicktag.core.rows import insert, new_instances
from tenants.actors import Actor
from tenants.models import AuditEvent, Organization
from tenants.services import audit_record
from trackings.catalog import GA4, GOOGLE_ADS
from trackings.container_budget import budget_refusal, growth_bound, our_size, our_sizes_record
from trackings.desired import wanted_trackings
from trackings.lifecycle import (
    tracking_mark_changed,
    tracking_mark_draft,
    tracking_mark_removed,
    tracking_mark_removing,
    tracking_publish,
)
from trackings.models import (
    WANTED_STATUSES,
    Deployment,
    DeploymentKind,
    PendingChange,
    Tracking,
    TrackingStatus,
)
from trackings.selectors import tracking_counts_by_customer
from trackings.services.pending_changes import changes_publish, changes_publish_many
from trackings.services.tracking_requests import Errors, TrackingRequest, tracking_request_resolve
from trackings.write_lock import customers_kept_counted, customers_lock_for_create

BULK_MAX_ITEMS = 500


@dataclass(frozen=True)
class TrackingWrite:
    tracking: Tracking
    deployment: Deployment | None
    # Under `publish_policy: review`: the change the write waits in instead of a deployment.
    pending_change: PendingChange | None = None


@dataclass(frozen=True)
class BulkWrite:
    trackings: list[Tracking]
    deployments: list[Deployment]
    pending_changes: list[PendingChange] = field(default_factory=list)


class BulkValidationError(InvalidInput):
    """Per-item errors of a bulk request, keyed by the item's index: nothing was created."""

    def __init__(self, errors: dict[int, Errors]) -> None:
        self.item_errors = errors
        super().__init__({f"trackings.{index}": item for index, item in errors.items()})


def tracking_snapshot(tracking: Tracking) -> dict[str, Any]:
    """What an audit event records about a tracking."""
    return {
        "customer": str(tracking.customer_id),
        "name": tracking.name,
        "type": tracking.type,
        "config": tracking.config,
        "destinations": tracking.destinations,
        "ga4_event_name": tracking.ga4_event_name,
        "ga4_parameters": tracking.ga4_parameters,
        "ads_value": str(tracking.ads_value) if tracking.ads_value is not None else None,
        "ads_currency": tracking.ads_currency,
        "ads_category": tracking.ads_category,
        "key_event": tracking.key_event,
        "ads_primary": tracking.ads_primary,
        "status": tracking.status,
        "version": tracking.version,
    }


def _spec_fields(spec: TrackingRequest) -> dict[str, Any]:
    return {
        "name": spec.name,
        "type": spec.type,
        "config": spec.config,
        "destinations": spec.destinations,
        "ga4_event_name": spec.ga4_event_name,
        "ga4_parameters": spec.ga4_parameters,
        "ads_value": spec.ads_value,
        "ads_currency": spec.ads_currency,
        "ads_category": spec.ads_category,
        "key_event": spec.key_event,
        "ads_primary": spec.ads_primary,
    }


def _actor_user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


def _deployable(customer: Customer) -> bool:
    """Whether a deployment can reach Google: a connection that is not revoked, with a GTM
    container chosen. Otherwise trackings wait `pending` until `POST /customers/{id}/deploy/`."""
    connection = getattr(customer, "google_connection", None)
    return (
        connection is not None
        and connection.status != ConnectionStatus.REVOKED
        and bool(connection.gtm_container_id)
    )


def _beyond(kept_at_most: int | None, limit: int) -> bool:
    return kept_at_most is None or kept_at_most > limit


def _limit_errors(
    organization: Organization,
    customers: Sequence[Customer],
    kept_at_most: Mapping[uuid.UUID, int | None],
) -> dict[Any, str]:
    """Customers over their limit with the trackings just inserted. Those whose kept count,
    new ones included, is known to be within the limit are not counted; the others are (this
    transaction sees its own rows; the customers are locked, so it sees every other writer's
    too), and their exact count is kept for the next write."""
    limit = organization.max_trackings_per_customer
    unsure = [c.pk for c in customers if _beyond(kept_at_most.get(c.pk), limit)]
    if not unsure:
        return {}
    counts = tracking_counts_by_customer(organization=organization, customer_ids=unsure)
    counts = {pk: counts.get(pk, 0) for pk in unsure}
    over = {pk: n for pk, n in counts.items() if n > limit}
    if not over:
        customers_kept_counted(counts=counts)
    return dict.fromkeys(over, f"This customer has reached its limit of {limit} trackings.")


def customer_container_size(*, customer: Customer) -> int:
    """Bytes the customer's wanted trackings take in its container (a compile; see
    trackings.container_budget for the stored measures)."""
    return our_size(customer, wanted_trackings(customer))


def _growth_bounds(customers: Sequence[Customer], new: list[Tracking]) -> dict[Any, int]:
    """What the new trackings can add to each measured container (a compile of them alone),
    worked out before the customers are locked so writers wait on each other less. A container
    with no stored measure is not: the lock grows only a measure there is, and the whole
    container is compiled after it instead."""
    measured = {
        c.pk: c
        for c in customers
        if getattr(c, "google_connection", None) is not None
        and c.google_connection.gtm_our_size_bytes > 0
    }
    written: dict[Any, list[Tracking]] = {pk: [] for pk in measured}
    for tracking in new:
        if tracking.customer_id in written:
            written[tracking.customer_id].append(tracking)
    return {pk: growth_bound(measured[pk], trackings) for pk, trackings in written.items()}


def _budget_errors(
    organization: Organization, customers: Sequence[Customer], new: list[Tracking]
) -> dict[Any, str]:
    """Customers whose container the new trackings (already written) would grow past Google's
    limit, each container compiled whole with one query reading all those customers' wanted
    trackings (the customers are locked: it sees every other writer's rows); the exact
    measures are kept in one UPDATE."""
    connected = [c for c in customers if getattr(c, "google_connection", None) is not None]
    if not connected:
        return {}
    new_ids = {t.pk for t in new}
    wanted_by_customer: dict[Any, list[Tracking]] = {c.pk: [] for c in connected}
    for tracking in Tracking.objects.filter(
        organization_id=organization.pk,
        customer_id__in=list(wanted_by_customer),
        status__in=WANTED_STATUSES,
    ).order_by("created_at", "id"):
        wanted_by_customer[tracking.customer_id].append(tracking)
    measured: dict[GoogleConnection, int] = {}
    errors = {
        c.pk: budget_refusal(
            c,
            wanted=partial(wanted_by_customer.__getitem__, c.pk),
            wanted_before=partial(_without, wanted_by_customer[c.pk], new_ids),
            measured=measured,
        )
        for c in connected
    }
    our_sizes_record(measured)
    return {pk: error for pk, error in errors.items() if error is not None}


def _without(trackings: list[Tracking], ids: set[uuid.UUID]) -> list[Tracking]:
    return [t for t in trackings if t.pk not in ids]


def _refusal_for_one(customer: Customer, changed: Tracking, before: Tracking | None) -> str | None:
    """Whether writing `changed` grows the customer's container past the limit; `before` is the
    tracking as it was (None: it was not among the wanted ones)."""
    read: list[list[Tracking]] = []

    def wanted() -> list[Tracking]:
        if not read:
            read.append(wanted_trackings(customer))
        return read[0]

    def as_before() -> list[Tracking]:
        if before is None:
            return [t for t in wanted() if t.pk != changed.pk]
        return [before if t.pk == changed.pk else t for t in wanted()]

    return budget_refusal(customer, wanted=wanted, wanted_before=as_before, written=[changed])


def tracking_create(
    *, organization: Organization, actor: Actor, customer_id: Any, spec: TrackingRequest
) -> TrackingWrite:
    """Create one tracking for the organization's customer `customer_id` (as the client sent
    it: an unknown or foreign one is a `customer` error)."""
    try:
        result = tracking_bulk_create(
            organization=organization, actor=actor, items=[(customer_id, spec)]
        )
    except BulkValidationError as error:
        # One item: its errors are the request's, named by field without the index.
        raise InvalidInput(error.item_errors[0]) from None
    deployment = result.deployments[0] if result.deployments else None
    change = result.pending_changes[0] if result.pending_changes else None
    return TrackingWrite(result.trackings[0], deployment, change)


def tracking_bulk_create(
    *,
    organization: Organization,
    actor: Actor,
    items: Sequence[tuple[Any, TrackingRequest | Errors]],
) -> BulkWrite:
    """Create every item or none. An item is (customer id as the client sent it, spec); a
    customer the organization does not have, or a dict of errors (the caller's own checks
    failed), makes it an item error.

    The cost is constant in the number of items: one validation pass without I/O, then in one
    transaction a read of the customers, one INSERT of trackings, one of audit events, and only
    then what concurrent writers for the same customers must take in turn (see below).
    """
    specs: list[TrackingRequest | Errors] = []
    for _, spec in items:
        if isinstance(spec, dict):
            specs.append(spec)
            continue
        resolved_spec, spec_errors = tracking_request_resolve(spec)
        specs.append(spec_errors or resolved_spec)
    user = _actor_user(actor)
    with transaction.atomic():
        found = customers_by_ids(
            organization=organization, ids=[customer_id for customer_id, _ in items]
        )
        errors: dict[int, Errors] = {}
        resolved: list[tuple[int, Customer, TrackingRequest]] = []
        for index, ((customer_id, _), spec) in enumerate(zip(items, specs, strict=True)):
            customer = found.get(_as_uuid(customer_id))  # type: ignore[arg-type]
            item_errors: Errors = {} if customer else {"customer": ["Customer not found."]}
            if isinstance(spec, dict):
                item_errors.update(spec)
            if item_errors or customer is None or isinstance(spec, dict):
                errors[index] = item_errors
            else:
                resolved.append((index, customer, spec))
        if errors:
            raise BulkValidationError(errors)
        trackings = _new_trackings(organization, user, [(c, spec) for _, c, spec in resolved])
        insert(trackings)
        _audit_many(organization, actor, "tracking.create", trackings)
        by_id = {c.pk: c for _, c, _ in resolved}
        growths = _growth_bounds(list(by_id.values()), trackings)
        # From here to the commit, writers for the same customers go one at a time: the
        # customers are locked, and what must see the other writers' committed rows comes
        # after. Only this tail is serialized, not the inserts and compiles above, so
        # concurrent bulk writes for the same customers overlap (bulk 100 at c=8: 0.21x ->
        # 0.27x of the floor). The lock counts the new trackings into each customer's kept
        # count and grows its container's stored measure in the same statement
        # (trackings/write_lock.py).
        added = Counter(t.customer_id for t in trackings)
        held = customers_lock_for_create(
            organization_id=organization.pk, added=added, growths=growths
        )
        customers = [c for pk, c in by_id.items() if pk in held.kept_at_most]
        for pk, size in held.grown.items():
            by_id[pk].google_connection.gtm_our_size_bytes = size
        over = _limit_errors(organization, customers, held.kept_at_most)
        # Deleted since the read above.
        over.update(dict.fromkeys(set(by_id) - set(held.kept_at_most), "Customer not found."))
        if over:
            raise BulkValidationError(
                {
                    index: {"customer": [over[customer.pk]]}
                    for index, customer, _ in resolved
                    if customer.pk in over
                }
            )
        # Checked on the rows just written, inside the transaction: a refusal rolls them back.
        # Containers whose measure could not simply grow are compiled whole.
        too_large = _budget_errors(
            organization, [c for c in customers if c.pk not in held.grown], trackings
        )
        if too_large:
            raise BulkValidationError(
                {
                    index: {"non_field_errors": [too_large[customer.pk]]}
                    for index, customer, _ in resolved
                    if customer.pk in too_large
                }
            )
        # Drafts wait for their publish; they ask for no deployment.
        asking: dict[Any, list[uuid.UUID]] = {c.pk: [] for c in customers if _deployable(c)}
        for tracking in trackings:
            if tracking.customer_id in asking and tracking.status != TrackingStatus.DRAFT:
                asking[tracking.customer_id].append(tracking.pk)
        asks = [(c, asking[c.pk]) for c in customers if asking.get(c.pk)]
        deployments, changes = changes_publish_many(asks=asks, actor=actor)
    return BulkWrite(trackings, deployments, changes)


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _new_trackings(
    organization: Organization, user: Any, asked: Sequence[tuple[Customer, TrackingRequest]]
) -> list[Tracking]:
    # A new tracking starts `pending` (the model's default; see trackings.lifecycle), or `draft`.
    user_id = None if user is None else user.pk
    trackings = new_instances(
        Tracking,
        (
            {
                "organization_id": organization.pk,
                "customer_id": customer.pk,
                "created_by_id": user_id,
                "updated_by_id": user_id,
                **_spec_fields(spec),
            }
            for customer, spec in asked
        ),
    )
    for tracking, (customer, spec) in zip(trackings, asked, strict=True):
        _TRACKING_CUSTOMER.set_cached_value(tracking, customer)
        if spec.draft:
            tracking_mark_draft(tracking)
    return trackings


_TRACKING_CUSTOMER = Tracking._meta.get_field("customer")


def _audit_many(
    organization: Organization, actor: Actor, action: str, trackings: Sequence[Tracking]
) -> None:
    if len(trackings) == 1:
        audit_record(
            organization=organization,
            actor=actor,
            action=action,
            object_type="tracking",
            object_id=trackings[0].pk,
            after=tracking_snapshot(trackings[0]),
        )
        return
    # One INSERT for the whole batch, with the fields audit_record writes for one event.
    common = {
        "organization_id": organization.pk,
        "actor_user_id": None if actor.user is None else actor.user.pk,
        "actor_api_key_id": None if actor.api_key is None else actor.api_key.pk,
        "actor_label": actor.label,
        "action": action,
        "object_type": "tracking",
        "request_id": current_context().request_id or "",
    }
    insert(
        new_instances(
            AuditEvent,
            (
                {**common, "object_id": str(tracking.pk), "after": tracking_snapshot(tracking)}
                for tracking in trackings
            ),
        )
    )


def _locked(tracking: Tracking) -> Tracking:
    locked = (
        Tracking.objects.select_for_update(of=("self",))
        .select_related("customer", "customer__google_connection")
        .filter(pk=tracking.pk, organization_id=tracking.organization_id)
        .first()
    )
    if locked is None:
        raise StaleVersion()
    return locked


def tracking_update(
    *,
    tracking: Tracking,
    actor: Actor,
    changes: Mapping[str, Any],
    expected_version: int | None = None,
    allow_auto_collected_event_name: bool = False,
) -> TrackingWrite:
    """Change a tracking and redeploy it. `changes` holds TrackingRequest fields except `type`."""
    if "type" in changes:
        raise InvalidInput({"type": ["The type cannot change; create a new tracking."]})
    with transaction.atomic():
        locked = _locked(tracking)
        ensure_version(locked, expected_version)
        if locked.status in (TrackingStatus.REMOVING, TrackingStatus.REMOVED):
            raise Conflict("This tracking is being removed; it cannot change.")
        current = TrackingRequest(
            name=locked.name,
            type=locked.type,
            config=locked.config,
            destinations=locked.destinations,
            ga4_event_name=locked.ga4_event_name,
            ga4_parameters=locked.ga4_parameters,
            ads_value=locked.ads_value,
            ads_currency=locked.ads_currency,
            ads_category=locked.ads_category,
            key_event=locked.key_event,
            ads_primary=locked.ads_primary,
        )
        # An event name allowed when it was set stays allowed while it does not change.
        allow_name = allow_auto_collected_event_name or "ga4_event_name" not in changes
        wanted = replace(current, **changes, allow_auto_collected_event_name=allow_name)
        if "destinations" in changes:
            # Defaults of a destination that was dropped must not linger.
            if GA4 not in wanted.destinations and "ga4_event_name" not in changes:
                wanted.ga4_event_name, wanted.ga4_parameters = "", {}
            if GOOGLE_ADS not in wanted.destinations and "ads_category" not in changes:
                wanted.ads_value, wanted.ads_currency, wanted.ads_category = None, "", ""
            # A destination added or dropped takes the type's default unless the client says.
            if "key_event" not in changes:
                wanted.key_event = None
            if "ads_primary" not in changes:
                wanted.ads_primary = None
        if "ga4_event_name" in changes and not changes["ga4_event_name"]:
            wanted.ga4_event_name = ""
        wanted, errors = tracking_request_resolve(wanted)
        if errors:
            raise InvalidInput(errors)
        before = tracking_snapshot(locked)
        fields = _spec_fields(wanted)
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        if not changed:
            return TrackingWrite(locked, None)
        # The tracking as it was, for the budget: a change may shrink an over-limit container.
        original = copy.copy(locked) if locked.status in WANTED_STATUSES else None
        for name in changed:
            setattr(locked, name, fields[name])
        marked = tracking_mark_changed(locked)
        locked.version += 1
        locked.updated_by = _actor_user(actor)
        locked.save(update_fields=[*changed, *marked, "version", "updated_by", "updated_at"])
        # The transaction rolls the save back when the container would grow past the limit.
        too_large = _refusal_for_one(locked.customer, locked, original)
        if too_large:
            raise InvalidInput({"config": [too_large]})
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="tracking.update",
            object_type="tracking",
            object_id=locked.pk,
            before=before,
            after=tracking_snapshot(locked),
        )
        deployment, change = None, None
        if _deployable(locked.customer) and locked.status != TrackingStatus.DRAFT:
            deployment, change = changes_publish(
                customer=locked.customer, actor=actor, tracking_ids=[locked.pk]
            )
    return TrackingWrite(locked, deployment, change)


def tracking_publish_draft(
    *, tracking: Tracking, actor: Actor, expected_version: int | None = None
) -> TrackingWrite:
    """Publish a draft: it becomes `pending` and goes to GTM like any write (a deployment, or
    the customer's pending change under review). Only a draft can be published (409)."""
    with transaction.atomic():
        locked = _locked(tracking)
        ensure_version(locked, expected_version)
        if locked.status != TrackingStatus.DRAFT:
            raise Conflict(f"Only a draft can be published; this tracking is {locked.status}.")
        before = tracking_snapshot(locked)
        marked = tracking_publish(locked)
        locked.version += 1
        locked.updated_by = _actor_user(actor)
        locked.save(update_fields=[*marked, "version", "updated_by", "updated_at"])
        # It joins the wanted trackings now: the container must still fit.
        too_large = _refusal_for_one(locked.customer, locked, None)
        if too_large:
            raise InvalidInput({"non_field_errors": [too_large]})
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="tracking.publish",
            object_type="tracking",
            object_id=locked.pk,
            before=before,
            after=tracking_snapshot(locked),
        )
        deployment, change = None, None
        if _deployable(locked.customer):
            deployment, change = changes_publish(
                customer=locked.customer, actor=actor, tracking_ids=[locked.pk]
            )
    return TrackingWrite(locked, deployment, change)


def tracking_delete(
    *, tracking: Tracking, actor: Actor, expected_version: int | None = None
) -> TrackingWrite:
    """Take the tracking out of GTM and Ads: it turns `removing` and a removal deployment is
    queued; the engine soft deletes it once nothing of it is left at Google. A tracking that
    never reached Google (no connection) is soft deleted at once (deployment None)."""
    with transaction.atomic():
        locked = _locked(tracking)
        ensure_version(locked, expected_version)
        before = tracking_snapshot(locked)
        deployment, change = None, None
        if _deployable(locked.customer) and locked.status != TrackingStatus.DRAFT:
            marked = tracking_mark_removing(locked)
            locked.version += 1
            locked.updated_by = _actor_user(actor)
            locked.save(update_fields=[*marked, "version", "updated_by", "updated_at"])
            deployment, change = changes_publish(
                customer=locked.customer,
                actor=actor,
                kind=DeploymentKind.REMOVE,
                tracking_ids=[locked.pk],
            )
        else:
            locked.updated_at = timezone.now()
            tracking_mark_removed(tracking=locked)
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="tracking.delete",
            object_type="tracking",
            object_id=locked.pk,
            before=before,
            after=tracking_snapshot(locked),
        )
    return TrackingWrite(locked, deployment, change)
