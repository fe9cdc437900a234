"""Review before publish: under a customer's `publish_policy: review`, tracking writes gather in
its pending change instead of queueing a deployment, and approving the change queues the
deployment that publishes exactly its plan.

The plan itself (a read of GTM and Google Ads) is made by trackings.engine.review, in the task
`trackings.plan_pending_change` after each write, and again when an admin approves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Customer, PublishPolicy
from oneclicktag.core.exceptions import Conflict
from oneclicktag.core.tasks import enqueue_on_commit
from tenants.actors import Actor
from tenants.services import audit_record
from trackings.lifecycle import pending_change_mark_approved
from trackings.models import (
    CARRIED_TRACKING_IDS,
    CarriedTrackingIds,
    Deployment,
    DeploymentKind,
    PendingChange,
    PendingChangeStatus,
    PendingChangeTracking,
)
from trackings.services.deployments import deployment_enqueue, deployments_enqueue
from webhooks.models import WebhookEvent
from webhooks.services import webhook_event_emit

# The Celery task (trackings/tasks.py) that computes a pending change's plan; sent by name.
PLAN_PENDING_CHANGE_TASK = "trackings.plan_pending_change"


def publishes_after_review(customer: Customer) -> bool:
    return customer.publish_policy == PublishPolicy.REVIEW


def changes_publish(
    *,
    customer: Customer,
    actor: Actor,
    tracking_ids: Iterable[uuid.UUID | str],
    kind: str = DeploymentKind.DEPLOY,
) -> tuple[Deployment | None, PendingChange | None]:
    """Where a tracking write goes: a deployment queued now (`auto`), or the customer's pending
    change, published when an admin approves it (`review`)."""
    if publishes_after_review(customer):
        return None, pending_change_record(
            customer=customer, actor=actor, tracking_ids=tracking_ids
        )
    deployment = deployment_enqueue(
        customer=customer, actor=actor, kind=kind, tracking_ids=tracking_ids
    )
    return deployment, None


def changes_publish_many(
    *, asks: Sequence[tuple[Customer, list[uuid.UUID]]], actor: Actor
) -> tuple[list[Deployment], list[PendingChange]]:
    """`changes_publish` for each (customer, tracking ids) of a bulk write: the deployments
    queued or joined (together: `deployments_enqueue`) and the pending changes."""
    changes = [
        pending_change_record(customer=customer, actor=actor, tracking_ids=ids)
        for customer, ids in asks
        if publishes_after_review(customer)
    ]
    deploying = [(customer, ids) for customer, ids in asks if not publishes_after_review(customer)]
    return deployments_enqueue(asks=deploying, actor=actor), changes


def deployment_request_deploy(*, customer: Customer, actor: Actor) -> Deployment:
    """`POST /customers/{id}/deploy/`. Under review it would publish writes nobody approved:
    while the customer's change waits for review, it is a 409 naming the change."""
    if publishes_after_review(customer):
        waiting = (
            PendingChange.objects.filter(
                organization_id=customer.organization_id,
                customer=customer,
                status=PendingChangeStatus.PENDING,
            )
            .only("pk")
            .first()
        )
        if waiting is not None:
            raise Conflict(
                f"This customer publishes after review, and pending change {waiting.pk} waits "
                "for it: approve it (POST /api/v1/customers/"
                f"{customer.pk}/changes/{waiting.pk}/approve/) to publish.",
                code="review_required",
            )
    return deployment_enqueue(customer=customer, actor=actor)


def pending_change_snapshot(change: PendingChange) -> dict[str, Any]:
    """What an audit event and the `pending_change.created` webhook say about a change."""
    return {
        "id": str(change.pk),
        "customer": str(change.customer_id),
        "status": change.status,
        "revision": change.revision,
        "tracking_ids": change.tracking_ids,
        "deployment": str(change.deployment_id) if change.deployment_id else None,
    }


def _actor_user(actor: Actor) -> Any:
    return actor.user if actor.user is not None and actor.user.pk else None


def _schedule_plan(change: PendingChange) -> None:
    enqueue_on_commit(PLAN_PENDING_CHANGE_TASK, str(change.organization_id), str(change.pk))


def _open_change(customer: Customer) -> PendingChange | None:
    return (
        PendingChange.objects.select_for_update()
        .filter(
            organization_id=customer.organization_id,
            customer=customer,
            status=PendingChangeStatus.PENDING,
        )
        .first()
    )


def _carry(change: PendingChange, tracking_ids: list[str]) -> None:
    """Name the trackings whose writes `change` carries: one INSERT, whatever it carries
    already (a tracking named before stays where it was, in the order it came)."""
    rows = [
        PendingChangeTracking(change=change, tracking_id=uuid.UUID(value)) for value in tracking_ids
    ]
    if rows:
        PendingChangeTracking.objects.bulk_create(rows, ignore_conflicts=True)


def pending_change_record(
    *, customer: Customer, actor: Actor, tracking_ids: Iterable[uuid.UUID | str]
) -> PendingChange:
    """The customer's writes wait for review: open a pending change (audited, announced with
    `pending_change.created`) or extend the open one. Either way its plan is made again.
    Extending costs the same statements whatever the change carries already."""
    ids = list(dict.fromkeys(str(value) for value in tracking_ids))
    with transaction.atomic(savepoint=False):
        change = _open_change(customer)
        if change is None:
            try:
                with transaction.atomic():
                    change = PendingChange.objects.create(
                        organization_id=customer.organization_id,
                        customer=customer,
                        created_by=_actor_user(actor),
                        updated_by=_actor_user(actor),
                    )
                    _carry(change, ids)
                    change.carry(ids)
            except IntegrityError:
                # Another write opened one between our read and our insert: extend it.
                change = _open_change(customer)
                if change is None:
                    raise
            else:
                snapshot = pending_change_snapshot(change)
                audit_record(
                    organization=customer.organization_id,
                    actor=actor,
                    action="pending_change.create",
                    object_type="pending_change",
                    object_id=change.pk,
                    after=snapshot,
                )
                webhook_event_emit(
                    organization_id=customer.organization_id,
                    event=WebhookEvent.PENDING_CHANGE_CREATED,
                    payload={"pending_change": snapshot},
                )
                _schedule_plan(change)
                return change
        _carry(change, ids)
        # The stored plan no longer describes the desired state: cleared, made again.
        cleared: dict[str, Any] = {
            "plan": None,
            "planned_revision": None,
            "planned_at": None,
            "desired_fingerprint": "",
            "gtm_live_version_id": "",
            "plan_fingerprint": "",
            "updated_by": _actor_user(actor),
            "updated_at": timezone.now(),
        }
        PendingChange.objects.filter(pk=change.pk, organization_id=change.organization_id).update(
            revision=F("revision") + 1, **cleared
        )
        # The row is locked: what it holds now is what was read plus this write (no re-read).
        for name, value in cleared.items():
            setattr(change, name, value)
        change.revision += 1
        _schedule_plan(change)
        return change


@dataclass(frozen=True)
class ReviewedPlan:
    """A plan and what it was computed from (trackings.engine.review makes it)."""

    plan: dict[str, Any]
    desired_fingerprint: str
    gtm_live_version_id: str
    plan_fingerprint: str


def pending_change_store_plan(
    *, change: PendingChange, revision: int, reviewed: ReviewedPlan
) -> bool:
    """Keep the plan made for `revision`; a change extended meanwhile keeps waiting for its own
    (the row count says whether it was stored)."""
    now = timezone.now()
    stored = PendingChange.objects.filter(
        pk=change.pk,
        organization_id=change.organization_id,
        status=PendingChangeStatus.PENDING,
        revision=revision,
    ).update(
        plan=reviewed.plan,
        planned_revision=revision,
        planned_at=now,
        desired_fingerprint=reviewed.desired_fingerprint,
        gtm_live_version_id=reviewed.gtm_live_version_id,
        plan_fingerprint=reviewed.plan_fingerprint,
        updated_at=now,
    )
    return stored == 1


def pending_change_approve(*, change: PendingChange, actor: Actor, revision: int) -> PendingChange:
    """Queue the deployment that publishes the change, linked to it. `revision` is the one whose
    plan the caller just found unchanged at Google (trackings.engine.review_check); a write
    that extended the change since is a 409, and nothing is queued."""
    with transaction.atomic():
        locked = (
            PendingChange.objects.select_for_update()
            .select_related("customer")
            .annotate(**{CARRIED_TRACKING_IDS: CarriedTrackingIds()})
            .filter(pk=change.pk, organization_id=change.organization_id)
            .first()
        )
        if locked is None or locked.status != PendingChangeStatus.PENDING:
            raise Conflict("This change was approved already.", code="pending_change_approved")
        if locked.revision != revision:
            raise Conflict(
                "New writes extended this change while it was being approved; review its new "
                "plan, then approve again.",
                code="pending_change_plan_changed",
            )
        deployment = deployment_enqueue(
            customer=locked.customer,
            actor=actor,
            kind=DeploymentKind.DEPLOY,
            tracking_ids=locked.tracking_ids,
        )
        pending_change_mark_approved(
            locked, revision=revision, deployment=deployment, by=actor.label, now=timezone.now()
        )
        audit_record(
            organization=locked.organization_id,
            actor=actor,
            action="pending_change.approve",
            object_type="pending_change",
            object_id=locked.pk,
            after=pending_change_snapshot(locked),
        )
    return locked


# A change whose plan is still missing this long after its last write has its task sent again.
PLAN_SWEEP_AFTER = timedelta(minutes=2)


def pending_changes_sweep(*, older_than: timedelta = PLAN_SWEEP_AFTER) -> int:
    """Beat: re-send the plan task of changes still without a plan for their latest write (a
    lost task, a broker restart, Google unavailable for longer than the task's retries)."""
    due = (
        PendingChange.objects.filter(
            status=PendingChangeStatus.PENDING,
            updated_at__lte=timezone.now() - older_than,
        )
        .exclude(planned_revision=F("revision"))
        .only("pk", "organization_id")
    )
    count = 0
    for change in due.iterator():
        with transaction.atomic():
            _schedule_plan(change)
        count += 1
    return count


def pending_change_reopen(*, customer: Customer, change: PendingChange) -> PendingChange:
    """An approved change whose deployment found the state moved on (GTM published by someone,
    or the desired state changed since the review): its trackings wait for review again, in the
    customer's open change, whose plan is made afresh."""
    return pending_change_record(
        customer=customer,
        actor=Actor.system_actor("review"),
        tracking_ids=change.tracking_ids,
    )
