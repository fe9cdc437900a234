"""Every status change of a Tracking and of a Deployment, and nowhere else.

A reader who asks "where does a tracking become live?" or "who cancels a deployment?" finds the
answer here; tests/test_architecture.py fails when a status is written anywhere else in the app.
Services and the engine decide *when*; these functions say *from which status to which* and
write it (conditional UPDATEs where two writers can race, so the row count is the claim).

A tracking (created `pending`, the model's default, or `draft` when the client asks):

    draft --edited--> draft --published (POST /trackings/{id}/publish/)--> pending
    pending --deploy starts--> deploying --its entities are live--> live
       ^  \\                      |  \\--GTM/Ads refused it------> failed (still wanted: retried)
       |   \\--run failed---------+---------------------------------^
       +--edited (from any wanted status) / its deployment cancelled (deploying)
    any reached Google --deleted--> removing --gone from Google--> removed (soft deleted)
    never reached Google --deleted--> removed

A deployment (created `queued`, the model's default):

    queued --claimed by a worker--> planning --> applying --> publishing --> succeeded
      ^ \\--cancelled / superseded--> cancelled          \\--> partially_failed | failed
      +-- quota or a transient error: back to queued until `not_before`

A pending change (`publish_policy: review`; created `pending`, the model's default):

    pending --writes extend it (revision + 1)--> pending --approved, plan unchanged--> approved
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from trackings.events import (
    DRIFT_HEALTHS,
    deployment_finished,
    trackings_failed,
    trackings_health_changed,
    trackings_site_check_failed,
)
from trackings.models import (
    RUNNING_STATUSES,
    WANTED_STATUSES,
    Deployment,
    DeploymentStatus,
    PendingChange,
    PendingChangeStatus,
    SiteCheck,
    SiteCheckStatus,
    SiteStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from trackings.write_lock import customers_kept_forget

# --- Tracking ---------------------------------------------------------------------------------


def tracking_mark_changed(tracking: Tracking) -> list[str]:
    """An edit: the tracking waits for its next deployment (a draft stays a draft). Sets the
    fields in memory (the caller saves them with its own changes) and returns their names for
    `update_fields`."""
    if tracking.status != TrackingStatus.DRAFT:
        tracking.status = TrackingStatus.PENDING
    tracking.last_error = ""
    return ["status", "last_error"]


def tracking_mark_draft(tracking: Tracking) -> None:
    """A tracking created as a draft (in memory, before it is inserted): never deployed until
    it is published."""
    tracking.status = TrackingStatus.DRAFT


def tracking_publish(tracking: Tracking) -> list[str]:
    """A draft is published: draft -> pending, it waits for its deployment (or its review).
    In memory, like `tracking_mark_changed`."""
    tracking.status = TrackingStatus.PENDING
    tracking.last_error = ""
    return ["status", "last_error"]


def tracking_mark_removing(tracking: Tracking) -> list[str]:
    """A deletion of a tracking that reached Google: a removal deployment takes it out. In
    memory, like `tracking_mark_changed`."""
    tracking.status = TrackingStatus.REMOVING
    return ["status"]


def trackings_mark_removing(trackings: QuerySet[Tracking]) -> int:
    """The same for many (their customer is being deleted)."""
    return trackings.update(status=TrackingStatus.REMOVING, updated_at=timezone.now())


def tracking_mark_removed(*, tracking: Tracking) -> None:
    """Nothing of the tracking is left at Google (or it never got there): removed, soft deleted."""
    tracking.status = TrackingStatus.REMOVED
    tracking.save(update_fields=["status", "updated_at"])
    if getattr(tracking, "deleted", None) is None:
        tracking.delete()


def trackings_release(trackings: QuerySet[Tracking]) -> int:
    """Their deployment was cancelled before it started: deploying -> pending."""
    return trackings.filter(status=TrackingStatus.DEPLOYING).update(
        status=TrackingStatus.PENDING, updated_at=timezone.now()
    )


def trackings_start_deploying(trackings: QuerySet[Tracking]) -> int:
    """A run picks up the wanted trackings that are not live yet: pending/failed -> deploying."""
    return trackings.filter(status__in=(TrackingStatus.PENDING, TrackingStatus.FAILED)).update(
        status=TrackingStatus.DEPLOYING, updated_at=timezone.now()
    )


@dataclass(frozen=True)
class Verdict:
    """The run's verdict on one tracking, at the version the run compiled (an edit made
    meanwhile waits for the next run): live (no error) or failed with `error` — a failed
    tracking stays wanted and the next deployment retries it — with the GTM ids of its
    entities in the live version."""

    tracking_id: uuid.UUID
    version: int
    error: str | None
    trigger_ids: list[str]
    tag_ids: list[str]
    variable_ids: list[str]


# Rows per statement: bounds the statement's size; a deployment holds up to 1,000 a customer.
_SETTLE_BATCH = 1000


def trackings_settle(verdicts: list[Verdict], *, gtm_version_id: str, now: datetime) -> int:
    """A run's verdicts: wanted trackings at the compiled version go live or failed. One
    statement per thousand trackings, each row's verdict and ids from a VALUES list joined on
    id and version (an UPDATE per tracking made recording a large deployment cost seconds)."""
    if connection.vendor != "postgresql":
        # Embedded mode (SQLite): small containers, one UPDATE each.
        was_drifted = set(
            Tracking.objects.filter(
                pk__in=[v.tracking_id for v in verdicts if v.error is None],
                health__in=DRIFT_HEALTHS,
            ).values_list("pk", flat=True)
        )
        settled = 0
        repaired: list[Any] = []
        for verdict in verdicts:
            done = _settle_one(verdict, gtm_version_id=gtm_version_id, now=now)
            settled += done
            if done and verdict.error is None and verdict.tracking_id in was_drifted:
                repaired.append(verdict.tracking_id)
    else:
        settled, repaired = _settle_in_batches(verdicts, gtm_version_id=gtm_version_id, now=now)
    trackings_failed(tracking_ids=[v.tracking_id for v in verdicts if v.error is not None])
    trackings_health_changed(drifted_ids=[], repaired_ids=repaired)
    return settled


def _settle_in_batches(
    verdicts: list[Verdict], *, gtm_version_id: str, now: datetime
) -> tuple[int, list[Any]]:
    """Rows settled, and the ids of those that were drifted or missing and are now healthy
    (the joined `before` row is the snapshot from before this UPDATE)."""
    settled = 0
    repaired: list[Any] = []
    wanted = [str(status) for status in WANTED_STATUSES]
    table = Tracking._meta.db_table
    for start in range(0, len(verdicts), _SETTLE_BATCH):
        batch = verdicts[start : start + _SETTLE_BATCH]
        rows = ", ".join(
            ["(%s::uuid, %s::integer, %s::text, %s::jsonb, %s::jsonb, %s::jsonb)"] * len(batch)
        )
        params: list[Any] = [
            TrackingStatus.LIVE,
            TrackingStatus.FAILED,
            TrackingHealth.HEALTHY,
            now,
            now,
            gtm_version_id,
            now,
        ]
        for verdict in batch:
            params += [
                verdict.tracking_id,
                verdict.version,
                verdict.error,
                json.dumps(verdict.trigger_ids),
                json.dumps(verdict.tag_ids),
                json.dumps(verdict.variable_ids),
            ]
        params += [wanted, [str(health) for health in DRIFT_HEALTHS]]
        with connection.cursor() as cursor:
            # Only the table name and the placeholders are formatted in; values are parameters.
            cursor.execute(
                f"""
                UPDATE {table} AS t SET
                    status = CASE WHEN v.error IS NULL THEN %s ELSE %s END,
                    last_error = COALESCE(v.error, ''),
                    health = CASE WHEN v.error IS NULL THEN %s ELSE t.health END,
                    last_deployed_at = CASE WHEN v.error IS NULL THEN %s
                        ELSE t.last_deployed_at END,
                    last_checked_at = CASE WHEN v.error IS NULL THEN %s
                        ELSE t.last_checked_at END,
                    gtm_trigger_ids = v.triggers,
                    gtm_tag_ids = v.tags,
                    gtm_variable_ids = v.variables,
                    gtm_version_id = %s,
                    updated_at = %s
                FROM (VALUES {rows}) AS v(id, version, error, triggers, tags, variables)
                JOIN {table} AS before ON before.id = v.id
                WHERE t.id = v.id AND t.version = v.version AND t.deleted IS NULL
                    AND t.status = ANY(%s)
                RETURNING t.id, v.error IS NULL AND before.health = ANY(%s)
                """,  # noqa: S608
                params,
            )
            settled += cursor.rowcount
            repaired += [tracking_id for tracking_id, healed in cursor.fetchall() if healed]
    return settled, repaired


def _settle_one(verdict: Verdict, *, gtm_version_id: str, now: datetime) -> int:
    settling = Tracking.objects.filter(
        pk=verdict.tracking_id, version=verdict.version, status__in=WANTED_STATUSES
    )
    fields: dict[str, Any] = {
        "gtm_trigger_ids": verdict.trigger_ids,
        "gtm_tag_ids": verdict.tag_ids,
        "gtm_variable_ids": verdict.variable_ids,
        "gtm_version_id": gtm_version_id,
        "updated_at": now,
    }
    if verdict.error is None:
        return settling.update(
            status=TrackingStatus.LIVE,
            last_error="",
            health=TrackingHealth.HEALTHY,
            last_deployed_at=now,
            last_checked_at=now,
            **fields,
        )
    return settling.update(status=TrackingStatus.FAILED, last_error=verdict.error, **fields)


def trackings_record_health(*, by_health: dict[str, list[Any]], now: datetime) -> None:
    """A health check's verdicts (one UPDATE per health value). The outside hears of those that
    became drifted or missing, and of those that were and are healthy again."""
    ids = [pk for pks in by_health.values() for pk in pks]
    before = dict(Tracking.objects.filter(pk__in=ids).values_list("pk", "health"))
    for health, pks in by_health.items():
        Tracking.objects.filter(pk__in=pks).update(
            health=health, last_checked_at=now, updated_at=now
        )
    drifted = [
        pk
        for health in DRIFT_HEALTHS
        for pk in by_health.get(health, [])
        if before.get(pk) not in DRIFT_HEALTHS
    ]
    repaired = [
        pk for pk in by_health.get(TrackingHealth.HEALTHY, []) if before.get(pk) in DRIFT_HEALTHS
    ]
    trackings_health_changed(drifted_ids=drifted, repaired_ids=repaired)


def trackings_record_site_check(
    *, verdicts: dict[Any, tuple[str, dict[str, Any]]], site_check_id: Any, now: datetime
) -> None:
    """A site check's verdicts: each tracking's `site_status` and what was seen. The outside
    hears of those that went bad (`site_check.failed`): from verified or never checked, or from
    another bad status; one that stays as bad as it was is not announced again."""
    before = dict(Tracking.objects.filter(pk__in=list(verdicts)).values_list("pk", "site_status"))
    for pk, (site_status, detail) in verdicts.items():
        Tracking.objects.filter(pk=pk).update(
            site_status=site_status, site_checked_at=now, site_detail=detail, updated_at=now
        )
    went_bad = [
        pk
        for pk, (site_status, _) in verdicts.items()
        if pk in before and site_status != SiteStatus.VERIFIED and before[pk] != site_status
    ]
    trackings_site_check_failed(tracking_ids=went_bad, site_check_id=site_check_id)


def trackings_restore(trackings: QuerySet[Tracking], **fields: Any) -> int:
    """A rollback put their entities back live as a version published them: live again, deleted
    or not (a deleted one comes back), with the fields that version had."""
    customers_kept_forget(customer_ids=trackings.values("customer_id"))
    return trackings.update(
        status=TrackingStatus.LIVE,
        last_error="",
        deleted=None,
        deleted_by_cascade=False,
        **fields,
    )


def trackings_bring_back(trackings: QuerySet[Tracking]) -> int:
    """Their customer was restored: removing/removed -> pending (no longer deleted). Their Ads
    conversion actions were removed with them, so the next deployment makes new ones."""
    customers_kept_forget(customer_ids=trackings.values("customer_id"))
    return trackings.update(
        status=TrackingStatus.PENDING,
        last_error="",
        deleted=None,
        deleted_by_cascade=False,
        ads_conversion_action_id="",
        ads_conversion_label="",
        updated_at=timezone.now(),
    )


def trackings_fail(trackings: QuerySet[Tracking], *, error: str, now: datetime) -> int:
    """The whole run failed: what it was deploying failed with the run's error."""
    failing = trackings.filter(status__in=(TrackingStatus.DEPLOYING, TrackingStatus.PENDING))
    failing_ids = list(failing.values_list("pk", flat=True))
    failed = failing.filter(pk__in=failing_ids).update(
        status=TrackingStatus.FAILED, last_error=error, updated_at=now
    )
    trackings_failed(tracking_ids=failing_ids)
    return failed


# --- Site check -------------------------------------------------------------------------------
#
#     queued --claimed by a worker--> running --> succeeded | failed


def site_check_claim(site_check: SiteCheck, *, now: datetime) -> bool:
    """queued -> running with one conditional UPDATE; a second delivery of the task finds
    nothing to claim."""
    claimed = SiteCheck.objects.filter(
        pk=site_check.pk,
        organization_id=site_check.organization_id,
        status=SiteCheckStatus.QUEUED,
    ).update(status=SiteCheckStatus.RUNNING, started_at=now, updated_at=now)
    if claimed:
        site_check.status = SiteCheckStatus.RUNNING
        site_check.started_at = now
    return claimed == 1


def site_check_finish(
    site_check: SiteCheck, *, succeeded: bool, now: datetime, **fields: Any
) -> None:
    """running -> succeeded (pages and summary written) or failed (the check could not run)."""
    status = SiteCheckStatus.SUCCEEDED if succeeded else SiteCheckStatus.FAILED
    SiteCheck.objects.filter(pk=site_check.pk, organization_id=site_check.organization_id).update(
        status=status, finished_at=now, updated_at=now, **fields
    )
    site_check.status = status
    site_check.finished_at = now
    for name, value in fields.items():
        setattr(site_check, name, value)


def site_check_abandon(site_check: SiteCheck, *, now: datetime) -> None:
    """An open check whose task or worker was lost long ago: failed, so a new one can start."""
    SiteCheck.objects.filter(pk=site_check.pk, organization_id=site_check.organization_id).update(
        status=SiteCheckStatus.FAILED,
        finished_at=now,
        updated_at=now,
        error_message="The check never finished (its worker was lost); a new one replaced it.",
    )


# --- Deployment -------------------------------------------------------------------------------

# Which status may follow which. A run in progress can also go back to queued (quota, transient
# errors) and a run left by a dead worker is taken over (running -> planning).
DEPLOYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    DeploymentStatus.QUEUED: frozenset({DeploymentStatus.PLANNING, DeploymentStatus.CANCELLED}),
    **{
        running: frozenset(
            {
                DeploymentStatus.PLANNING,
                DeploymentStatus.APPLYING,
                DeploymentStatus.PUBLISHING,
                DeploymentStatus.SUCCEEDED,
                DeploymentStatus.PARTIALLY_FAILED,
                DeploymentStatus.FAILED,
                DeploymentStatus.QUEUED,
                DeploymentStatus.CANCELLED,
            }
        )
        for running in RUNNING_STATUSES
    },
    DeploymentStatus.SUCCEEDED: frozenset(),
    DeploymentStatus.PARTIALLY_FAILED: frozenset(),
    DeploymentStatus.FAILED: frozenset(),
    DeploymentStatus.CANCELLED: frozenset(),
}


class IllegalTransition(Exception):
    """A bug: the code asked for a status change the lifecycle does not allow."""


def deployment_move(deployment: Deployment, status: str, **fields: Any) -> None:
    """A run moves its deployment on (planning -> applying -> ... -> an end), with whatever
    progress fields the step wrote. The run holds the deployment (claimed, container locked),
    so this UPDATE is not conditional; an impossible step is a bug and raises."""
    if status != deployment.status and status not in DEPLOYMENT_TRANSITIONS[deployment.status]:
        raise IllegalTransition(f"deployment {deployment.pk}: {deployment.status} -> {status}")
    previous = deployment.status
    Deployment.objects.filter(pk=deployment.pk, organization_id=deployment.organization_id).update(
        status=status, **fields
    )
    # In memory only once written: a refused UPDATE (a second queued one) leaves it as it was.
    deployment.status = status
    for name, value in fields.items():
        setattr(deployment, name, value)
    if status in _ENDINGS and previous != status:
        deployment_finished(deployment=deployment)


# Where a run ends and the outside is told (trackings.events); a cancel is not announced.
_ENDINGS = (
    DeploymentStatus.SUCCEEDED,
    DeploymentStatus.PARTIALLY_FAILED,
    DeploymentStatus.FAILED,
)


def deployment_claim(
    deployment: Deployment, *, now: datetime, orphaned_before: datetime | None
) -> bool:
    """queued (and due) -> planning with one conditional UPDATE; the row count is the claim. A
    deployment left running by a dead worker is taken over too: always when the caller holds
    its container's lock (`orphaned_before` None), else once its heartbeat is older."""
    waiting = Q(status=DeploymentStatus.QUEUED) & (
        Q(not_before__isnull=True) | Q(not_before__lte=now)
    )
    orphaned = Q(status__in=RUNNING_STATUSES)
    if orphaned_before is not None:
        orphaned &= Q(updated_at__lt=orphaned_before)
    claimed = Deployment.objects.filter(
        waiting | orphaned, pk=deployment.pk, organization_id=deployment.organization_id
    ).update(
        status=DeploymentStatus.PLANNING,
        started_at=now,
        not_before=None,
        attempts=deployment.attempts + 1,
        updated_at=now,
    )
    return claimed == 1


def deployment_cancel_if_queued(deployment: Deployment, *, by: Any) -> bool:
    """queued -> cancelled, only if no worker claimed it first (the row count says)."""
    now = timezone.now()
    return bool(
        Deployment.objects.filter(
            pk=deployment.pk,
            organization_id=deployment.organization_id,
            status=DeploymentStatus.QUEUED,
        ).update(status=DeploymentStatus.CANCELLED, finished_at=now, updated_by=by, updated_at=now)
    )


# --- Pending change ---------------------------------------------------------------------------


def pending_change_mark_approved(
    change: PendingChange, *, revision: int, deployment: Deployment, by: str, now: datetime
) -> bool:
    """pending -> approved, only at the revision that was checked (a write that extended the
    change since makes the row count 0: nothing is approved)."""
    approved = PendingChange.objects.filter(
        pk=change.pk,
        organization_id=change.organization_id,
        status=PendingChangeStatus.PENDING,
        revision=revision,
    ).update(
        status=PendingChangeStatus.APPROVED,
        deployment=deployment,
        approved_at=now,
        approved_by=by,
        updated_at=now,
    )
    if approved:
        change.status = PendingChangeStatus.APPROVED
        change.deployment = deployment
        change.approved_at = now
        change.approved_by = by
    return approved == 1
