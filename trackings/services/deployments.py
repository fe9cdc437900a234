"""Queueing deployments: coalescing, cancel, retry, health checks and rollback requests.

The work itself is done by `trackings.engine` inside the Celery task `trackings.run_deployment`;
everything here is a short database write that enqueues that task on commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer
from oneclicktag.core.exceptions import Conflict
from oneclicktag.core.infrastructure import broker_check
from oneclicktag.core.rows import instance, select_list, uses_postgresql
from oneclicktag.core.tasks import enqueue_on_commit
from tenants.actors import Actor
from tenants.services import audit_record
from trackings.lifecycle import (
    deployment_cancel_if_queued,
    tracking_mark_removed,
    trackings_bring_back,
    trackings_mark_removing,
    trackings_release,
)
from trackings.models import (
    RUNNING_STATUSES,
    WANTED_STATUSES,
    Deployment,
    DeploymentKind,
    DeploymentRequest,
    DeploymentStatus,
    Tracking,
    TrackingStatus,
    requested_in_order,
)

# When changes coalesce into a queued deployment it does the most any of them asked for:
# a deploy also removes and verifies; a repair is a deploy that a health check asked for.
_KIND_RANK = {
    DeploymentKind.CHECK: 0,
    DeploymentKind.REMOVE: 1,
    DeploymentKind.DEPLOY: 2,
    DeploymentKind.REPAIR: 3,
}


def deployment_snapshot(deployment: Deployment) -> dict[str, Any]:
    return {
        "id": str(deployment.pk),
        "customer": str(deployment.customer_id),
        "kind": deployment.kind,
        "status": deployment.status,
        "target_gtm_version_id": deployment.target_gtm_version_id,
        "error_code": deployment.error_code,
    }


def _audit(deployment: Deployment, actor: Actor, action: str) -> None:
    audit_record(
        organization=deployment.organization_id,
        actor=actor,
        action=action,
        object_type="deployment",
        object_id=deployment.pk,
        after=deployment_snapshot(deployment),
    )


def _actor_user(actor: Actor) -> Any:
    return actor.user if actor.user is not None else None


# The Celery task (trackings/tasks.py) that runs a deployment with trackings.engine. Sent by
# name: services queue work and never import the engine or the tasks.
RUN_DEPLOYMENT_TASK = "trackings.run_deployment"


def _schedule(
    deployment: Deployment, countdown: float | None = None, *, check: bool = True
) -> None:
    if check:
        # A new deployment nobody would be told about is worse than a 503 now: the caller's
        # transaction (the tracking write with it) rolls back. Re-sends (`check=False`) have
        # their row already and the sweep behind them.
        broker_check()
    enqueue_on_commit(
        RUN_DEPLOYMENT_TASK,
        str(deployment.organization_id),
        str(deployment.pk),
        countdown=countdown or None,
    )


def _request(deployment: Deployment, tracking_ids: Iterable[uuid.UUID | str]) -> None:
    """Name the trackings that asked for `deployment`: one INSERT, whatever it carries already
    (a tracking named before stays where it was)."""
    text = _as_text(tracking_ids)
    deployment.requested_tracking_ids_known(None)
    if text:
        DeploymentRequest.objects.create(deployment=deployment, tracking_ids=text)


def deployment_requests_move(*, source: Deployment, target: Deployment) -> None:
    """`target` carries `source`'s changes: the trackings that asked for `source` now ask for
    `target` too."""
    _request(target, source.requested_tracking_ids)


def _as_text(tracking_ids: Iterable[uuid.UUID | str]) -> str:
    """The ids as a `DeploymentRequest` holds them: canonical, in the order first asked, each
    once (as text or as UUIDs alike; a value that is not a UUID raises)."""
    return ",".join(dict.fromkeys(str(_as_uuid(value)) for value in tracking_ids))


def _as_uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def deployment_enqueue(
    *,
    customer: Customer,
    actor: Actor,
    kind: str = DeploymentKind.DEPLOY,
    tracking_ids: Iterable[uuid.UUID | str] = (),
) -> Deployment:
    """Queue a deployment of the customer's trackings, or join the one already waiting.

    The engine always syncs the customer's whole desired state, so a change that arrives while a
    deployment is queued is carried by it; one that arrives while one runs gets the next one.
    """
    if kind == DeploymentKind.ROLLBACK:
        raise ValueError("Rollbacks are requested with deployment_request_rollback.")
    tracking_ids = list(tracking_ids)
    # No savepoint of its own: nothing here catches an error and carries on.
    with transaction.atomic(savepoint=False):
        queued = _join_queued(customer, kind=kind, tracking_ids=tracking_ids)
        return queued or _queue_new(customer, actor=actor, kind=kind, tracking_ids=tracking_ids)


def _queue_new(
    customer: Customer, *, actor: Actor, kind: str, tracking_ids: list[Any]
) -> Deployment:
    """A new queued deployment for a customer that had none when read (locked)."""
    try:
        with transaction.atomic():
            deployment = Deployment.objects.create(
                organization_id=customer.organization_id,
                customer=customer,
                kind=kind,
                created_by=_actor_user(actor),
                updated_by=_actor_user(actor),
            )
            _request(deployment, tracking_ids)
    except IntegrityError:
        # Another request queued one between our read and our insert: join it.
        queued = _join_queued(customer, kind=kind, tracking_ids=tracking_ids)
        if queued is None:
            raise
        return queued
    _audit(deployment, actor, "deployment.create")
    _schedule(deployment)
    return deployment


def deployments_enqueue(
    *,
    asks: Sequence[tuple[Customer, list[uuid.UUID]]],
    actor: Actor,
    kind: str = DeploymentKind.DEPLOY,
) -> list[Deployment]:
    """`deployment_enqueue` for several customers of one organization (a bulk write), one
    deployment each in the order asked. Joining the deployments already queued is one
    statement however many customers: it locks them all, adds every request and reads their
    requested trackings back."""
    if not uses_postgresql():
        return [
            deployment_enqueue(customer=customer, actor=actor, kind=kind, tracking_ids=ids)
            for customer, ids in asks
        ]
    if not asks:
        return []
    with transaction.atomic(savepoint=False):
        queued = _queued_sync_deployments_joined(asks)
        for deployment in queued.values():
            _raise_kind(deployment, kind)
        # A customer with nothing queued yet gets its own (rare: once per deployment cycle).
        return [
            queued.get(customer.pk)
            or _queue_new(customer, actor=actor, kind=kind, tracking_ids=ids)
            for customer, ids in asks
        ]


def _queued_sync_deployments_joined(
    asks: Sequence[tuple[Customer, Iterable[uuid.UUID | str]]],
) -> dict[Any, Deployment]:
    """Each customer's queued deployment (not a rollback), locked, with the asked trackings
    added to it and all it carries read back (the write's answer shows them), in one statement
    as text (on a write the ORM's compile cost more than the statement). PostgreSQL only.

    The requested trackings are read as of the statement's start. Other creates for the same
    customers committed before it (the caller holds the customers' locks); an edit of one of
    their trackings that held the deployment while this statement waited is carried all the
    same, and shows in the next read of the deployment, not in this answer."""
    texts: dict[Any, str] = {}
    for customer, tracking_ids in asks:
        text = _as_text(tracking_ids)
        if text:
            texts[customer.pk] = f"{texts[customer.pk]},{text}" if customer.pk in texts else text
    with connection.cursor() as cursor:
        cursor.execute(
            _joined_sql(),
            {
                "customers": sorted({customer.pk for customer, _ in asks}),
                "organization": asks[0][0].organization_id,
                "rollback": DeploymentKind.ROLLBACK.value,
                "asking": list(texts),
                "texts": list(texts.values()),
            },
        )
        rows = cursor.fetchall()
    queued: dict[Any, Deployment] = {}
    for row in rows:
        deployment = instance(Deployment, row[:-1])
        # At most one each (deployment_one_queued_per_customer).
        if queued.setdefault(deployment.customer_id, deployment) is deployment:
            # One text a deployment, split here: no row, and no UUID object, per tracking (a
            # deployment waiting for the quota may carry thousands).
            deployment.requested_tracking_ids_known(requested_in_order([row[-1]]))
    return queued


@cache
def _joined_sql() -> str:
    # Only the models' table and column names are formatted in; values are parameters. The
    # CTE's new rows are not visible to the final SELECT (one snapshot), hence the UNION.
    requests = DeploymentRequest._meta.db_table
    return f"""
WITH queued AS MATERIALIZED (
    SELECT {select_list(Deployment, "d")} FROM {Deployment._meta.db_table} d
    WHERE d.customer_id = ANY(%(customers)s) AND d.organization_id = %(organization)s
        AND d.status = '{DeploymentStatus.QUEUED.value}' AND NOT (d.kind = %(rollback)s)
    ORDER BY d.customer_id, d.id
    FOR UPDATE
), added AS (
    INSERT INTO {requests} (deployment_id, tracking_ids)
    SELECT joined.id, asked.tracking_ids
    FROM unnest(%(asking)s::uuid[], %(texts)s::text[]) AS asked(customer_id, tracking_ids)
    JOIN (
        SELECT DISTINCT ON (customer_id) id, customer_id FROM queued ORDER BY customer_id, id
    ) AS joined ON joined.customer_id = asked.customer_id
    RETURNING id, deployment_id, tracking_ids
)
SELECT queued.*, (
    SELECT string_agg(requested.tracking_ids, ',' ORDER BY requested.id) FROM (
        SELECT id, tracking_ids FROM {requests} WHERE deployment_id = queued.id
        UNION ALL
        SELECT id, tracking_ids FROM added WHERE deployment_id = queued.id
    ) AS requested
)
FROM queued ORDER BY queued.customer_id, queued.id
"""  # noqa: S608


def _join_queued(customer: Customer, *, kind: str, tracking_ids: list[Any]) -> Deployment | None:
    """The customer's queued deployment (not a rollback), locked, with the trackings added to
    it (constant work: the new rows only); None when none is queued."""
    if uses_postgresql():
        queued = _queued_sync_deployments_joined([(customer, tracking_ids)]).get(customer.pk)
    else:
        queued = (
            Deployment.objects.select_for_update()
            .filter(
                organization_id=customer.organization_id,
                customer=customer,
                status=DeploymentStatus.QUEUED,
            )
            .exclude(kind=DeploymentKind.ROLLBACK)
            .first()
        )
        if queued is not None:
            _request(queued, tracking_ids)
    if queued is not None:
        _raise_kind(queued, kind)
    return queued


def _raise_kind(queued: Deployment, kind: str) -> None:
    if _KIND_RANK.get(DeploymentKind(kind), 0) > _KIND_RANK.get(DeploymentKind(queued.kind), 0):
        queued.kind = kind
        queued.save(update_fields=["kind", "updated_at"])


def trackings_remove_for_customer(*, customer: Customer, actor: Actor) -> Deployment | None:
    """Take every tracking of the customer out of GTM and Ads (the customer is being deleted).

    Trackings that never reached Google (drafts, or no connection to reach it with) are soft
    deleted at once; the others go to `removing` and a removal deployment soft deletes them once
    their entities and conversion actions are gone. Returns that deployment, if one was needed.
    """
    with transaction.atomic():
        trackings = list(
            Tracking.objects.select_for_update().filter(
                organization_id=customer.organization_id, customer=customer
            )
        )
        has_connection = hasattr(customer, "google_connection")
        to_remove: list[Tracking] = []
        for tracking in trackings:
            reached_google = tracking.status in (*WANTED_STATUSES, TrackingStatus.REMOVING)
            if has_connection and reached_google:
                to_remove.append(tracking)
            else:
                tracking_mark_removed(tracking=tracking)
        if not to_remove:
            return None
        trackings_mark_removing(Tracking.objects.filter(pk__in=[t.pk for t in to_remove]))
        return deployment_enqueue(
            customer=customer,
            actor=actor,
            kind=DeploymentKind.REMOVE,
            tracking_ids=[t.pk for t in to_remove],
        )


def trackings_restore_for_customer(
    *, customer: Customer, actor: Actor, deleted_at: Any
) -> Deployment | None:
    """The customer was restored: the trackings it had when deleted (being removed, or removed
    since) come back pending, and a deployment puts them live again. Trackings deleted one by
    one before the customer was stay deleted."""
    with transaction.atomic():
        returning = Tracking.all_objects.filter(
            organization_id=customer.organization_id, customer=customer
        ).filter(
            Q(status=TrackingStatus.REMOVING)
            | Q(status=TrackingStatus.REMOVED, deleted__gte=deleted_at)
        )
        ids = list(returning.values_list("pk", flat=True))
        if not ids:
            return None
        trackings_bring_back(Tracking.all_objects.filter(pk__in=ids))
        audit_record(
            organization=customer.organization_id,
            actor=actor,
            action="tracking.restore",
            object_type="customer",
            object_id=customer.pk,
            after={"trackings": [str(pk) for pk in ids]},
        )
        if not hasattr(customer, "google_connection"):
            return None
        # Imported here: pending_changes queues its deployments through this module.
        from trackings.services.pending_changes import changes_publish

        # Under review they wait in the customer's pending change like any write.
        deployment, _change = changes_publish(customer=customer, actor=actor, tracking_ids=ids)
        return deployment


def deployment_cancel(*, deployment: Deployment, actor: Actor) -> Deployment:
    """Cancel a deployment that has not started. One that runs is never interrupted."""
    with transaction.atomic():
        claimed = deployment_cancel_if_queued(deployment, by=_actor_user(actor))
        deployment.refresh_from_db()
        if not claimed:
            raise Conflict(
                f"Only a queued deployment can be cancelled; this one is {deployment.status}."
            )
        _audit(deployment, actor, "deployment.cancel")
        # Trackings that waited for it are no longer on their way to GTM.
        _release_waiting_trackings(deployment)
    return deployment


def _release_waiting_trackings(deployment: Deployment) -> None:
    if deployment.kind in (DeploymentKind.CHECK, DeploymentKind.ROLLBACK):
        return
    trackings_release(
        Tracking.objects.filter(
            organization_id=deployment.organization_id, customer_id=deployment.customer_id
        )
    )


def deployment_retry(*, deployment: Deployment, actor: Actor) -> Deployment:
    """Retry a failed deployment: a new one (or the queued one) syncs the current state."""
    if deployment.status not in (DeploymentStatus.FAILED, DeploymentStatus.PARTIALLY_FAILED):
        raise Conflict(f"Only a failed deployment can be retried; this one is {deployment.status}.")
    customer = Customer.all_objects.get(
        pk=deployment.customer_id, organization_id=deployment.organization_id
    )
    if deployment.kind == DeploymentKind.ROLLBACK:
        return deployment_request_rollback(
            customer=customer,
            actor=actor,
            gtm_version_id=deployment.target_gtm_version_id,
            force=deployment.force,
        )
    return deployment_enqueue(
        customer=customer,
        actor=actor,
        kind=deployment.kind,
        tracking_ids=deployment.requested_tracking_ids,
    )


def deployment_request_health_check(*, customer: Customer, actor: Actor) -> Deployment:
    """Compare what is live in GTM and Ads with the desired state (a `check` deployment)."""
    return deployment_enqueue(customer=customer, actor=actor, kind=DeploymentKind.CHECK)


def deployment_request_rollback(
    *, customer: Customer, actor: Actor, gtm_version_id: str, force: bool = False
) -> Deployment:
    """Republish an earlier GTM version. Whether someone else published since is checked by the
    engine against the live container (the API answers 409 from `customer_rollback_check` first)."""
    with transaction.atomic():
        deployment = Deployment.objects.create(
            organization_id=customer.organization_id,
            customer=customer,
            kind=DeploymentKind.ROLLBACK,
            target_gtm_version_id=str(gtm_version_id),
            force=force,
            created_by=_actor_user(actor),
            updated_by=_actor_user(actor),
        )
        _audit(deployment, actor, "deployment.rollback")
        _schedule(deployment)
    return deployment


def deployment_reschedule(*, deployment: Deployment, countdown: float) -> None:
    """Send the task again later (quota). The deployment is already back in `queued`."""
    with transaction.atomic():
        _schedule(deployment, countdown=countdown, check=False)


# A queued deployment whose task should have run by now is sent again after this long.
SWEEP_QUEUED_AFTER = timedelta(minutes=2)
# Heartbeats (trackings.engine.heartbeat) a running deployment may miss before the sweep sends it
# again; the run takes it over only if its container's lock is free, i.e. its worker is gone.
MISSED_BEATS = 4


def heartbeat_stale_after() -> timedelta:
    """How old a running deployment's heartbeat (`updated_at`) is when its runner is presumed
    dead: with the 10 s default beat and the 20 s sweep, a takeover within a minute."""
    return timedelta(seconds=settings.DEPLOYMENT_HEARTBEAT_SECONDS * MISSED_BEATS)


def deployments_sweep(
    *,
    queued_after: timedelta = SWEEP_QUEUED_AFTER,
    running_after: timedelta | None = None,
) -> int:
    """Beat: re-send deployments whose task was lost (a broker restart, a killed worker).

    Sending twice is harmless: the run claims with a conditional UPDATE and holds the container.
    """
    now = timezone.now()
    running_after = heartbeat_stale_after() if running_after is None else running_after
    due = Deployment.objects.filter(
        Q(status=DeploymentStatus.QUEUED)
        & (Q(not_before__isnull=True) | Q(not_before__lte=now))
        & Q(updated_at__lte=now - queued_after)
        | Q(status__in=RUNNING_STATUSES, updated_at__lte=now - running_after)
    ).only("pk", "organization_id")
    count = 0
    for deployment in due.iterator():
        with transaction.atomic():
            _schedule(deployment, check=False)
        count += 1
    return count


def deployment_defer(*, deployment: Deployment, countdown: float) -> None:
    """A queued deployment whose GTM calls are not free yet waits `countdown` seconds (its
    `not_before`), still queued: nothing was claimed or spent. The task is sent for then."""
    now = timezone.now()
    with transaction.atomic():
        Deployment.objects.filter(
            pk=deployment.pk,
            organization_id=deployment.organization_id,
            status=DeploymentStatus.QUEUED,
        ).update(not_before=now + timedelta(seconds=countdown), updated_at=now)
        _schedule(deployment, countdown=countdown, check=False)


def deployments_wake(deployment_ids: Iterable[str]) -> int:
    """The GTM quota's wake (registered in trackings/apps.py): these queued deployments' calls
    are free now, so they start at once instead of at their countdown. A deployment no longer
    queued is left alone; a second delivery of its task does nothing."""
    now = timezone.now()
    ids = []
    for value in deployment_ids:
        try:
            ids.append(_as_uuid(value))
        except ValueError:
            continue  # not a deployment's: nothing of ours to start
    with transaction.atomic():
        woken = list(
            Deployment.objects.filter(pk__in=ids, status=DeploymentStatus.QUEUED).only(
                "pk", "organization_id"
            )
        )
        Deployment.objects.filter(
            pk__in=[d.pk for d in woken], status=DeploymentStatus.QUEUED, not_before__gt=now
        ).update(not_before=now, updated_at=now)
        for deployment in woken:
            _schedule(deployment, check=False)
    return len(woken)
