"""Running one deployment: claim it, hold the container, do the kind's work, record the end.

Errors end a run in one of three ways: quota -> back to `queued` with `not_before` and the task
sent again with that countdown (never a sleep); transient -> the same, with backoff, up to
`MAX_ATTEMPTS` runs; anything a person must fix -> `failed`, with the trackings it carried marked
failed and still wanted, so the next deployment retries them and no change is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer, GoogleConnection
from integrations.google.calls import gtm_calls_reserved
from integrations.google.clients import google_clients_for
from integrations.google.errors import (
    GoogleError,
    GoogleNeedsReconnect,
    GoogleQuotaExceeded,
    TransientGoogleError,
)
from integrations.google.quota import gtm_quota_acquire, gtm_quota_release
from oneclicktag.core.infrastructure import INFRASTRUCTURE_RETRY_AFTER_SECONDS, INTERRUPTIONS
from trackings.engine.collector import collector_held
from trackings.engine.context import DeploymentFailed, RunContext
from trackings.engine.heartbeat import deployment_heartbeat
from trackings.engine.locks import container_lock, supports_advisory_locks
from trackings.engine.preview_reads import gtm_entities_forget
from trackings.lifecycle import deployment_claim, trackings_fail, trackings_release
from trackings.models import (
    GTM_CALLS_PER_RUN,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingStatus,
)
from trackings.services.deployments import (
    deployment_defer,
    deployment_requests_move,
    deployment_reschedule,
    heartbeat_stale_after,
)

logger = logging.getLogger(__name__)

# Runs of one deployment that may end in transient errors before it fails for good.
MAX_ATTEMPTS = 5
TRANSIENT_BACKOFF_SECONDS = 15.0
# A task this close to its deployment's not_before is sent again rather than dropped.
COUNTDOWN_TOLERANCE_SECONDS = 2.0
# A deployment waiting for its container (another one runs) looks again after this long.
BUSY_RETRY_SECONDS = 10.0


def deployment_run(*, organization_id: Any, deployment_id: Any) -> None:
    """The body of the `trackings.run_deployment` task. Safe to call twice for one deployment."""
    deployment = Deployment.objects.filter(
        organization_id=organization_id, pk=deployment_id
    ).first()
    if deployment is None or deployment.is_finished:
        return
    now = timezone.now()
    if (
        deployment.status == DeploymentStatus.QUEUED
        and deployment.not_before
        and deployment.not_before > now
    ):
        early = (deployment.not_before - now).total_seconds()
        if early <= COUNTDOWN_TOLERANCE_SECONDS:
            # This may be the countdown task itself, delivered a moment early (the broker's
            # timer is not the database's clock): dropping it would leave the deployment
            # queued until the sweep. Send it again for the rest.
            deployment_reschedule(deployment=deployment, countdown=early)
        # Else sent early (the sweep, a duplicate): the countdown task for not_before will come.
        return
    customer = Customer.all_objects.get(organization_id=organization_id, pk=deployment.customer_id)
    connection = GoogleConnection.objects.filter(
        organization_id=organization_id, customer=customer
    ).first()
    lock_name = (
        f"accounts/{connection.gtm_account_id}/containers/{connection.gtm_container_id}"
        if connection is not None and connection.gtm_container_id
        else f"customer/{customer.pk}"
    )
    with container_lock(lock_name) as acquired:
        if not acquired:
            if deployment.status == DeploymentStatus.QUEUED:
                deployment_reschedule(deployment=deployment, countdown=BUSY_RETRY_SECONDS)
            return
        reservation = _reserve(deployment, connection)
        if reservation is None:
            return
        try:
            if not _claim(deployment):
                return
            deployment.refresh_from_db()
            try:
                with deployment_heartbeat(deployment), collector_held():
                    _execute(deployment, customer, connection, reservation)
            finally:
                if connection is not None:
                    # The run may have changed the container: the next plan preview reads it
                    # again.
                    gtm_entities_forget(
                        customer_id=customer.pk, container_id=connection.gtm_container_id
                    )
                _wake_next(customer)
        finally:
            _give_back(reservation)


def _reserve(deployment: Deployment, connection: GoogleConnection | None) -> list[str] | None:
    """The run's GTM calls, reserved before the deployment is claimed: a run starts only with
    all of them, so it never repeats reads after a refusal. None when they are not free: the
    deployment stays queued (no claim, no attempt spent) until they are, by its countdown or
    earlier by the wake when another run gives calls back (`_give_back`)."""
    if connection is None or not connection.gtm_container_id:
        return []  # it fails before any GTM call
    try:
        return gtm_quota_acquire(
            organization_id=str(deployment.organization_id),
            count=GTM_CALLS_PER_RUN[deployment.kind],
            waiter=str(deployment.pk),
        )
    except GoogleQuotaExceeded as error:
        deployment_defer(deployment=deployment, countdown=quota_countdown(error))
    except INTERRUPTIONS as error:
        # Our Redis (the bucket lives there) is away: not the deployment's fault.
        logger.warning(
            "Deployment waits for unavailable infrastructure",
            extra={"deployment_id": str(deployment.pk), "error": type(error).__name__},
        )
        deployment_defer(deployment=deployment, countdown=INFRASTRUCTURE_RETRY_AFTER_SECONDS)
    return None


def _give_back(reservation: list[str]) -> None:
    """What the run did not spend goes back to the bucket, and the deployments waiting for
    calls that are free now (any tenant's, in the bucket's fair order) are started at once."""
    try:
        gtm_quota_release(reservation)
    except INTERRUPTIONS as error:
        # Unspent tokens leave the window on their own; the waiters keep their countdowns.
        logger.warning(
            "GTM quota reservation not given back: infrastructure unavailable",
            extra={"error": type(error).__name__},
        )


def _wake_next(customer: Customer) -> None:
    """The customer's next deployment, queued while this one ran, starts now: it need not wait
    for its busy-retry countdown, nor for the sweep if its task was lost."""
    waiting = Deployment.objects.filter(
        Q(not_before__isnull=True) | Q(not_before__lte=timezone.now()),
        organization_id=customer.organization_id,
        customer=customer,
        status=DeploymentStatus.QUEUED,
    ).first()
    if waiting is not None:
        deployment_reschedule(deployment=waiting, countdown=0)


def _claim(deployment: Deployment) -> bool:
    """queued -> planning with one conditional UPDATE; the row count is the claim. A deployment
    left running by a dead worker is taken over (we hold its container's lock, so its runner is
    gone; without advisory locks, only once its heartbeat is stale)."""
    now = timezone.now()
    stale = None if supports_advisory_locks() else now - heartbeat_stale_after()
    return deployment_claim(deployment, now=now, orphaned_before=stale)


def _execute(
    deployment: Deployment,
    customer: Customer,
    connection: GoogleConnection | None,
    reservation: list[str],
) -> None:
    from trackings.engine.rollback import rollback_run
    from trackings.engine.sync import check_run, sync_run

    handlers: dict[str, Callable[[RunContext], None]] = {
        DeploymentKind.DEPLOY: sync_run,
        DeploymentKind.REMOVE: sync_run,
        DeploymentKind.REPAIR: sync_run,
        DeploymentKind.CHECK: check_run,
        DeploymentKind.ROLLBACK: rollback_run,
    }
    ctx = RunContext(
        deployment=deployment,
        customer=customer,
        connection=connection,  # type: ignore[arg-type]
        clients=None,
        previous_calls=dict(deployment.google_calls or {}),
    )
    try:
        if connection is None:
            raise DeploymentFailed(
                "google_not_connected", "Connect this customer's Google account, then deploy again."
            )
        if not connection.gtm_container_id:
            raise DeploymentFailed(
                "gtm_container_not_chosen",
                "Choose a GTM container for this customer's Google connection, then deploy again.",
            )
        ctx.clients = google_clients_for(connection, deployment_id=deployment.pk)
        # Reserved before the claim (`_reserve`): a run that ran out of quota halfway would
        # repeat its reads next time.
        with gtm_calls_reserved(ctx.clients.context, reservation):
            handlers[deployment.kind](ctx)
    except GoogleQuotaExceeded as error:
        _requeue(ctx, quota_countdown(error), count_attempt=False)
    except TransientGoogleError as error:
        if deployment.attempts >= MAX_ATTEMPTS:
            _fail(
                ctx,
                error.code,
                f"Google kept failing ({error.message}); retry the deployment later.",
            )
        else:
            _requeue(
                ctx, TRANSIENT_BACKOFF_SECONDS * 2 ** (deployment.attempts - 1), count_attempt=True
            )
    except GoogleNeedsReconnect as error:
        _fail(
            ctx,
            error.code,
            f"Google no longer accepts this customer's connection ({error.message}). "
            "Reconnect the Google account, then deploy again.",
        )
    except INTERRUPTIONS as error:
        # Our own Redis (quota buckets, broker) went away: not the deployment's fault and not
        # Google's. Queued again without spending an attempt; the sweep re-sends it if the
        # broker cannot take the countdown task now.
        logger.warning(
            "Deployment interrupted by unavailable infrastructure; queued again",
            extra={"deployment_id": str(deployment.pk), "error": type(error).__name__},
        )
        _requeue(ctx, INFRASTRUCTURE_RETRY_AFTER_SECONDS, count_attempt=False)
    except DeploymentFailed as error:
        if error.reopen_review:
            from trackings.engine.review import review_reopen

            review_reopen(ctx)
        _fail(ctx, error.code, error.message, release_trackings=error.release_trackings)
    except GoogleError as error:
        _fail(ctx, error.code, f"Google refused the change: {error.message}")
    except Exception:
        logger.exception("Deployment crashed", extra={"deployment_id": str(deployment.pk)})
        _fail(ctx, "internal_error", "An internal error stopped this deployment; retry it.")
        raise


def quota_countdown(error: GoogleQuotaExceeded) -> float:
    """How long to wait after running out of quota: what the bucket (or Google) said. A refused
    reservation already says when a whole run's worth of GTM calls will be free."""
    return error.retry_after_seconds


def _fail(ctx: RunContext, code: str, message: str, *, release_trackings: bool = False) -> None:
    deployment = ctx.deployment
    now = timezone.now()
    with transaction.atomic():
        ctx.move(
            DeploymentStatus.FAILED,
            error_code=code,
            error_message=message,
            finished_at=now,
        )
        if deployment.kind in (DeploymentKind.CHECK, DeploymentKind.ROLLBACK):
            return
        if release_trackings:
            # Review before publish stopped it, not the trackings: they wait, pending.
            trackings_release(
                Tracking.objects.filter(
                    organization_id=deployment.organization_id,
                    customer_id=deployment.customer_id,
                )
            )
            return
        # They stay wanted (failed is a wanted status): the next deployment retries them.
        trackings_fail(
            Tracking.objects.filter(
                organization_id=deployment.organization_id, customer_id=deployment.customer_id
            ),
            error=message,
            now=now,
        )
        Tracking.all_objects.filter(
            organization_id=deployment.organization_id,
            customer_id=deployment.customer_id,
            status=TrackingStatus.REMOVING,
        ).update(last_error=message, updated_at=now)
    logger.warning(
        "Deployment failed",
        extra={
            "deployment_id": str(deployment.pk),
            "customer_id": str(deployment.customer_id),
            "deployment_kind": deployment.kind,
            "error_code": code,
            "reason": message[:500],
        },
    )


def _requeue(ctx: RunContext, countdown: float, *, count_attempt: bool) -> None:
    """Back to `queued` until `not_before`, and the task sent again for then. If changes queued
    another deployment meanwhile, this one folds into it (at most one waits per customer)."""
    deployment = ctx.deployment
    now = timezone.now()
    not_before = now + timedelta(seconds=max(countdown, 1.0))
    # Each run that reached Google is one attempt; only a run refused its quota reservation
    # before any call (it never started its work) gives its attempt back.
    started = ctx.clients is not None and any(ctx.clients.calls.values())
    attempts = deployment.attempts if count_attempt or started else max(deployment.attempts - 1, 0)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ctx.move(DeploymentStatus.QUEUED, not_before=not_before, attempts=attempts)
        except IntegrityError:
            successor = (
                Deployment.objects.select_for_update()
                .filter(
                    organization_id=deployment.organization_id,
                    customer_id=deployment.customer_id,
                    status=DeploymentStatus.QUEUED,
                )
                .exclude(kind=DeploymentKind.ROLLBACK)
                .first()
            )
            if successor is None:
                raise
            successor.not_before = max(successor.not_before or not_before, not_before)
            successor.save(update_fields=["not_before", "updated_at"])
            deployment_requests_move(source=deployment, target=successor)
            ctx.move(
                DeploymentStatus.CANCELLED,
                error_code="superseded",
                error_message=f"Continued by deployment {successor.pk}, which carries its changes.",
                finished_at=now,
            )
            deployment_reschedule(deployment=successor, countdown=countdown)
            return
        deployment_reschedule(deployment=deployment, countdown=countdown)
    logger.info(
        "Deployment rescheduled",
        extra={
            "deployment_id": str(deployment.pk),
            "customer_id": str(deployment.customer_id),
            "countdown": round(countdown, 1),
        },
    )
