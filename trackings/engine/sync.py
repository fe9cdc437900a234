"""The kinds of deployment: sync (deploy / remove / repair), health check, rollback."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from customers.models import DriftPolicy
from integrations.google.container_size import gtm_container_limit_bytes
from integrations.google.services.choices import connection_release_resources
from tenants.actors import Actor
from trackings.compiler.size import container_size_bytes
from trackings.container_budget import live_size_record, our_size_record
from trackings.desired import (
    compile_desired,
    known_ads_tag_id,
    removing_trackings,
    uses_ads,
    wanted_trackings,
)
from trackings.engine.apply_ads import ads_rollback, ads_sync, tracking_id_in_name
from trackings.engine.apply_gtm import gtm_apply, version_entities
from trackings.engine.context import DeploymentFailed, RunContext, with_retries
from trackings.engine.ga4 import ga4_sync_custom_dimensions, ga4_sync_key_events
from trackings.engine.restore import trackings_snapshot
from trackings.engine.review import change_waiting_review, review_gate
from trackings.engine.verify import (
    LiveIndex,
    health_of,
    missing_keys,
    record_container_version,
    tracking_keys,
)
from trackings.lifecycle import (
    Verdict,
    tracking_mark_removed,
    trackings_record_health,
    trackings_settle,
    trackings_start_deploying,
)
from trackings.models import (
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingHealth,
    TrackingStatus,
)
from trackings.planner import plan_workspace
from trackings.services.deployments import deployment_enqueue

logger = logging.getLogger(__name__)

_ID_PREFIX = re.compile(r"\[([0-9a-f]{8})\]")


def plan_keys(summary: dict[str, Any], section: str) -> set[str]:
    return {str(item.get("key")) for item in summary.get(section) or [] if isinstance(item, dict)}


def _succeed(ctx: RunContext, **fields: Any) -> None:
    ctx.move(
        DeploymentStatus.SUCCEEDED,
        progress_done=ctx.deployment.progress_total,
        finished_at=timezone.now(),
        **fields,
    )


def _refuse_oversized(size: int) -> None:
    limit = gtm_container_limit_bytes()
    if size > limit:
        raise DeploymentFailed(
            "gtm_container_too_large",
            f"The GTM container would be {size} bytes, {size - limit} bytes over Google's "
            f"limit of {limit} bytes for a web container. Nothing was sent to Google; remove "
            "or shorten trackings.",
        )


def sync_run(ctx: RunContext) -> None:
    """Desired state -> Ads actions -> plan -> one bulk_update -> version -> publish -> verify."""
    # Under review, only an approved state goes out (before any Google call).
    review_gate(ctx)
    customer, connection = ctx.customer, ctx.connection
    wanted = wanted_trackings(customer)
    removing = removing_trackings(customer)
    trackings_start_deploying(Tracking.objects.filter(pk__in=[t.pk for t in wanted]))

    # The Ads actions first: the awct tags need their labels. A first compile lists the actions.
    first_tag_id = known_ads_tag_id(wanted)
    first = compile_desired(customer, wanted, connection, first_tag_id)
    size = container_size_bytes(first.desired)
    our_size_record(connection, size)
    # Before any Google call: Google would refuse the version anyway, after our writes.
    _refuse_oversized(size)
    ads = ads_sync(
        ctx,
        wanted=[t for t in wanted if t.pk not in first.failures],
        desired_actions=first.desired.ads_conversion_actions,
        removing=removing,
    )
    ctx.deployment.plan = {"gtm": {}, "ads": ads.plan}
    ctx.report(plan=ctx.deployment.plan)
    # The compiler is pure: with no action made and the same conversion id, compiling again
    # would give the first compile back (a second compile was a tenth of a large run's CPU).
    if ads.created or ads.tag_conversion_id != first_tag_id:
        compiled = compile_desired(customer, wanted, connection, ads.tag_conversion_id)
    else:
        compiled = first
    failures = {**compiled.failures, **ads.failures}

    try:
        gtm, live = _gtm_step(ctx, compiled, wanted, failures, ads.tag_conversion_id)
    except BaseException:
        # No enabled conversion action may stay without its tag.
        _rollback_created_actions(ctx, ads.created)
        raise
    live_size_record(connection, live)
    index = LiveIndex.of(live, owner=str(ctx.customer.pk))
    untagged = {
        t.pk
        for t in wanted
        if t.pk in ads.created
        and (
            t.pk in failures
            or not compiled.desired.keys_for_tracking(t.pk)
            or missing_keys(compiled.desired, t.pk, index)
        )
    }
    _rollback_created_actions(ctx, untagged)
    # GA4 counts the trackings' key events once their tags are live.
    key_events = ga4_sync_key_events(
        ctx, wanted=[t for t in wanted if t.pk not in failures], connection=connection
    )
    dimensions = ga4_sync_custom_dimensions(
        ctx,
        wanted=[t for t in wanted if t.pk not in failures],
        desired=compiled.desired,
        connection=connection,
    )
    failures.update(key_events.failures)
    failures.update(dimensions.failures)
    ga4_plan: dict[str, Any] = {}
    if key_events.created or key_events.deleted:
        ga4_plan["key_events"] = {"create": key_events.created, "delete": key_events.deleted}
    if dimensions.created or dimensions.archived:
        ga4_plan["custom_dimensions"] = {
            "create": dimensions.created,
            "archive": dimensions.archived,
        }
    if ga4_plan:
        ctx.deployment.plan = {**(ctx.deployment.plan or {}), "ga4": ga4_plan}
        ctx.report(plan=ctx.deployment.plan)

    now = timezone.now()
    with transaction.atomic():
        failed = _record_trackings(
            wanted=wanted, compiled=compiled, failures=failures, index=index, now=now
        )
        _finish_removals(removing, ads.removed, ads.failures, index)
        if gtm.published is not None:
            # With the trackings it made live: what a rollback to it restores.
            record_container_version(
                ctx,
                live,
                deployment=ctx.deployment,
                by_us=True,
                trackings=trackings_snapshot(customer),
            )
        if customer.deleted is not None and not index.by_key and not removing_trackings(customer):
            # Nothing of the deleted customer is left live: its container and stream are free.
            connection_release_resources(connection=connection)
        ctx.advance()
        if not failed:
            _succeed(ctx, gtm_version_id=index.version_id)
            return
        _finish_with_failures(
            ctx, failed=failed, wanted=len(wanted), published=gtm.published is not None, index=index
        )


def _rollback_created_actions(ctx: RunContext, tracking_ids: set[uuid.UUID]) -> None:
    if not tracking_ids:
        return
    try:
        ads_rollback(ctx, tracking_ids=tracking_ids)
    except Exception:
        # The deployment's own outcome matters more; the ids stay, the next run keeps them.
        logger.exception(
            "Removing untagged conversion actions failed",
            extra={"deployment_id": str(ctx.deployment.pk)},
        )


def _gtm_step(
    ctx: RunContext,
    compiled: Any,
    wanted: list[Tracking],
    failures: dict[uuid.UUID, str],
    ads_tag_id: str | None,
) -> tuple[Any, dict[str, Any]]:
    """Apply and publish the container; the GTM outcome and the live version after it."""
    customer, connection = ctx.customer, ctx.connection
    try:
        gtm = gtm_apply(ctx, compiled.desired)
    except DeploymentFailed as error:
        # GTM could not compile: if it blamed the entities of some trackings, publish the others
        # and fail only those (they stay wanted: fixing them and deploying retries them).
        blamed = _blamed_trackings(error, wanted)
        if not blamed or len(blamed) == len(wanted):
            raise
        for tracking in blamed:
            failures[tracking.pk] = (
                f"GTM could not compile this tracking's entities ({error.reason}); it was "
                "left out of the version published for the others."
            )
        rest = compile_desired(
            customer, [t for t in wanted if t not in blamed], connection, ads_tag_id
        )
        compiled.desired = rest.desired
        gtm = gtm_apply(ctx, compiled.desired)
    # Publish answers the version it made live: no read after it.
    live = gtm.published if gtm.published is not None else (gtm.live_before or {})
    return gtm, live


def _finish_with_failures(
    ctx: RunContext, *, failed: list[tuple[str, str]], wanted: int, published: bool, index: Any
) -> None:
    """Some trackings did not go live: never `succeeded`. Say what was published (the version
    id) and what was not, tracking by tracking."""
    reasons = "; ".join(f"{name}: {reason}" for name, reason in failed[:5])
    more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
    if published:
        outcome = f"GTM version {index.version_id} was published"
        went_live = wanted - len(failed)
        outcome += f" with the other {went_live} trackings." if went_live else "."
    else:
        outcome = (
            f"Nothing new was published; GTM version {index.version_id or '(none)'} stays live."
        )
    status = (
        DeploymentStatus.PARTIALLY_FAILED
        if published or len(failed) < wanted
        else DeploymentStatus.FAILED
    )
    ctx.move(
        status,
        progress_done=ctx.deployment.progress_total,
        finished_at=timezone.now(),
        gtm_version_id=index.version_id,
        error_code="trackings_failed",
        error_message=(
            f"{len(failed)} of {wanted} trackings did not go live: {reasons}{more}. {outcome}"
        ),
    )


def _blamed_trackings(error: DeploymentFailed, wanted: list[Tracking]) -> list[Tracking]:
    """Trackings whose entities GTM's compiler named (entity names end with `[<id prefix>]`)."""
    if error.code != "gtm_compiler_error" or not error.entity_names:
        return []
    prefixes = {m.group(1) for n in error.entity_names if (m := _ID_PREFIX.search(n))}
    if len(prefixes) != len(error.entity_names):
        return []  # a shared entity (listener, variable) is at fault: nothing to single out
    return [t for t in wanted if t.pk.hex[:8] in prefixes]


def _record_trackings(
    *,
    wanted: list[Tracking],
    compiled: Any,
    failures: dict[uuid.UUID, str],
    index: LiveIndex,
    now: Any,
) -> list[tuple[str, str]]:
    failed: list[tuple[str, str]] = []
    verdicts: list[Verdict] = []
    for tracking in wanted:
        reason = failures.get(tracking.pk)
        if reason is None and not compiled.desired.keys_for_tracking(tracking.pk):
            reason = (
                "Nothing to publish: the customer's Google connection has no GA4 web stream or "
                "Google Ads account for this tracking's destinations. Choose one, then deploy."
            )
        elif reason is None:
            missing = missing_keys(compiled.desired, tracking.pk, index)
            if missing:
                reason = (
                    f"Its GTM entities are not in the live version ({', '.join(missing)}); "
                    "deploy again."
                )
        ids = index.gtm_ids(tracking_keys(compiled.desired, tracking.pk))
        if reason is not None:
            failed.append((tracking.name, reason))
        # Only the version we compiled: a tracking edited meanwhile waits for the next run.
        verdicts.append(
            Verdict(
                tracking_id=tracking.pk,
                version=compiled.versions[tracking.pk],
                error=reason,
                trigger_ids=ids["trigger"],
                tag_ids=ids["tag"],
                variable_ids=ids["variable"],
            )
        )
    trackings_settle(verdicts, gtm_version_id=index.version_id, now=now)
    return failed


def _finish_removals(
    removing: list[Tracking],
    ads_removed: set[uuid.UUID],
    ads_failures: dict[uuid.UUID, str],
    index: LiveIndex,
) -> None:
    still_live = {owner for key in index.by_key if (owner := _owner(key)) is not None}
    for tracking in removing:
        if tracking.pk in ads_removed and tracking.pk not in still_live:
            tracking_mark_removed(tracking=tracking)
        else:
            reason = ads_failures.get(tracking.pk) or "Its GTM entities are still live."
            Tracking.all_objects.filter(pk=tracking.pk).update(last_error=reason)


def _owner(key: str) -> uuid.UUID | None:
    from trackings.compiler.types import tracking_id_of

    return tracking_id_of(key)


def check_run(ctx: RunContext) -> None:
    """Compare live GTM (and Ads) with the desired state; record each tracking's health."""
    wanted = [t for t in wanted_trackings(ctx.customer) if t.status == TrackingStatus.LIVE]
    compiled = compile_desired(ctx.customer, wanted, ctx.connection, known_ads_tag_id(wanted))
    live = with_retries("live_version", lambda: ctx.clients.gtm.live_version(ctx.container_path))
    live_size_record(ctx.connection, live)
    index = LiveIndex.of(live, owner=str(ctx.customer.pk))
    summary = plan_workspace(compiled.desired, version_entities(live)).summary()
    changed = plan_keys(summary, "update")
    ctx.move(DeploymentStatus.APPLYING, progress_total=2)
    ctx.advance()

    gone_actions: set[uuid.UUID] = set()
    ads_users = [t for t in wanted if uses_ads(t) and t.ads_conversion_action_id]
    if ads_users and ctx.ads_customer_id:
        found = with_retries(
            "search_conversion_actions",
            lambda: ctx.clients.ads.search_conversion_actions(ctx.ads_customer_id),
        )
        enabled = {
            a["id"]
            for a in found
            if a.get("status") == "ENABLED" and tracking_id_in_name(a.get("name", "")) is not None
        }
        gone_actions = {t.pk for t in ads_users if t.ads_conversion_action_id not in enabled}

    now = timezone.now()
    # One UPDATE per health value, not one per tracking.
    by_health: dict[str, list[uuid.UUID]] = {}
    for tracking in wanted:
        health = (
            TrackingHealth.MISSING
            if tracking.pk in gone_actions
            else health_of(compiled.desired, tracking.pk, index, changed)
        )
        by_health.setdefault(health, []).append(tracking.pk)
    counts = {health: len(ids) for health, ids in by_health.items()}
    with transaction.atomic():
        trackings_record_health(by_health=by_health, now=now)
        if gone_actions:
            # The action was removed in Ads: forget it so a repair creates a new one.
            Tracking.objects.filter(pk__in=gone_actions).update(
                ads_conversion_action_id="", ads_conversion_label=""
            )
        ctx.deployment.plan = {"gtm": summary, "health": counts}
        drifted = counts.get(TrackingHealth.DRIFTED) or counts.get(TrackingHealth.MISSING)
        waiting = change_waiting_review(ctx.customer) if drifted else None
        if waiting is not None:
            # A repair would publish the writes waiting for review: the change's plan (made
            # against the live version) shows the repair too, and approving it publishes both.
            ctx.deployment.plan["repair_waits_for_review"] = str(waiting.pk)
        elif drifted and ctx.customer.drift_policy == DriftPolicy.REPAIR:
            # Drift is repaired, not only reported, unless the customer asked for reports only
            # (its people edit our entities by hand).
            repair = deployment_enqueue(
                customer=ctx.customer,
                actor=Actor.system_actor("drift-repair"),
                kind=DeploymentKind.REPAIR,
            )
            ctx.deployment.plan["repair_deployment"] = str(repair.pk)
        _succeed(ctx, plan=ctx.deployment.plan, gtm_version_id=index.version_id)
