"""Review before publish, the engine's half (`publish_policy: review`).

- `review_plan`: what publishing the customer's desired state would change, entity by entity
  with a field-level before/after: GTM tags, triggers and variables against the LIVE version
  (what visitors get now), Google Ads conversion actions against the account. Read only: one
  GTM call (the live version) and, when trackings use Google Ads, one Ads search.
- `pending_change_plan` (the task after each write) and `pending_change_check` (an approval)
  make it and keep it with what it was computed from: the desired state's fingerprint and the
  live GTM version id. An approval whose fresh plan differs from the stored one is refused.
- `review_gate`: a sync deployment of a customer under review publishes only an approved
  state: the one its approved change was planned from (else it fails, nothing sent to Google),
  and nothing while another change waits for review. The live version the plan was made
  against is checked by the GTM step when it opens the workspace (no extra call).
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from customers.models import Customer
from integrations.google.errors import google_errors_as_domain_errors
from oneclicktag.core.exceptions import Conflict
from trackings.compiler.entities import BUILT_IN_VARIABLES
from trackings.compiler.types import DesiredConversionAction, tracking_id_of
from trackings.desired import (
    compile_desired,
    desired_fingerprint,
    known_ads_tag_id,
    removing_trackings,
    uses_ads,
    wanted_trackings,
)
from trackings.engine.apply_ads import (
    ads_plan,
    create_operation,
    goal_differences,
    needs_action,
    tracking_id_in_name,
)
from trackings.engine.apply_gtm import unless_absent, version_entities, version_id
from trackings.engine.context import DeploymentFailed, RunContext, with_retries
from trackings.engine.preview import read_context, usable_connection
from trackings.models import PendingChange, PendingChangeStatus, Tracking
from trackings.planner import plan_workspace
from trackings.planner.diff import field_changes
from trackings.planner.normalize import normalized
from trackings.planner.plan import ID_FIELDS, PlannedChange
from trackings.services.pending_changes import (
    ReviewedPlan,
    pending_change_reopen,
    pending_change_store_plan,
    publishes_after_review,
)

# What the plan shows where Google Ads assigns a value only when the action is created.
LABEL_AT_PUBLISH = "(assigned by Google Ads at publish)"
# In capitals: the compiler writes conversion ids in capitals (`AW-…`).
TAG_ID_AT_PUBLISH = "(SET BY GOOGLE ADS AT PUBLISH)"
_ADS_FIELDS = ("name", "type", "status", "category", "primary_for_goal")


def _digest(value: Any) -> str:
    encoded = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _gtm_row(
    change: PlannedChange | None,
    *,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    kind: str = "",
    name: str = "",
    key: str = "",
) -> dict[str, Any]:
    key = change.key if change is not None else key
    owner = tracking_id_of(key)
    return {
        "action": action,
        "type": change.entity_type if change is not None else kind,
        "name": change.name if change is not None else name,
        "key": key,
        "tracking": str(owner) if owner is not None else None,
        "before": normalized(before) if before is not None else None,
        "after": normalized(after) if after is not None else None,
        "changes": field_changes(before, after),
    }


def _gtm_section(desired: Any, live: dict[str, Any] | None) -> dict[str, Any]:
    entities = version_entities(live or {})
    by_id = {
        (kind, str(entity.get(ID_FIELDS[kind]))): entity
        for kind in ID_FIELDS
        for entity in entities.get(kind) or []
    }
    plan = plan_workspace(desired, entities)
    creates = [_gtm_row(c, action="create", before=None, after=c.body) for c in plan.creates]
    creates += [
        _gtm_row(
            None,
            action="create",
            before=None,
            after={"type": api_type, "name": BUILT_IN_VARIABLES[api_type]},
            kind="builtInVariable",
            name=BUILT_IN_VARIABLES[api_type],
            key=api_type,
        )
        for api_type in plan.built_in_variables
    ]
    return {
        "create": creates,
        "update": [
            _gtm_row(
                c, action="update", before=by_id.get((c.entity_type, c.entity_id)), after=c.body
            )
            for c in plan.updates
        ],
        "delete": [
            _gtm_row(
                c,
                action="delete",
                before=by_id.get((c.entity_type, c.entity_id), c.body),
                after=None,
            )
            for c in plan.deletes
        ],
        "unchanged": len(plan.unchanged),
    }


def _flat(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """An Ads action as fields: nested settings dotted (`value_settings.default_value`)."""
    if value is None:
        return None
    flat: dict[str, Any] = {}
    for name, inner in value.items():
        if isinstance(inner, dict):
            flat.update({f"{name}.{k}": v for k, v in inner.items()})
        else:
            flat[name] = inner
    return flat


def _ads_row(
    action: str, tracking: Any, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any]:
    old, new = _flat(before), _flat(after)
    fields = sorted(set(old or {}) | set(new or {}))
    return {
        "action": action,
        "tracking": str(tracking),
        "name": str((after or before or {}).get("name", "")),
        "before": old,
        "after": new,
        "changes": [
            {"field": f, "before": (old or {}).get(f), "after": (new or {}).get(f)}
            for f in fields
            if (old or {}).get(f) != (new or {}).get(f)
        ],
    }


def _ads_section(
    ctx: RunContext,
    wanted: list[Tracking],
    removing: list[Tracking],
    desired_actions: list[DesiredConversionAction],
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """The Ads half of the plan, and the account's actions as read (one search, when any
    tracking uses Ads)."""
    to_create, to_remove, _summary = ads_plan(wanted, desired_actions, removing)
    found: list[dict[str, Any]] = []
    if (desired_actions or to_remove) and ctx.ads_customer_id:
        found = list(
            with_retries(
                "search_conversion_actions",
                lambda: ctx.clients.ads.search_conversion_actions(ctx.ads_customer_id),
            )
        )
    ours = {
        owner: action
        for action in found
        if (owner := tracking_id_in_name(action.get("name", ""))) is not None
        and action.get("status") != "REMOVED"
    }
    by_id = {str(action.get("id")): action for action in found}
    section: dict[str, list[dict[str, Any]]] = {"create": [], "update": [], "remove": []}
    for desired in to_create:
        body = create_operation(desired)["create"]
        section["create"].append(_ads_row("create", desired.tracking_id, None, body))
    creating = {a.tracking_id for a in to_create}
    wanted_by_id = {t.pk: t for t in wanted}
    for desired in desired_actions:
        tracking = wanted_by_id.get(desired.tracking_id)
        live = ours.get(desired.tracking_id)
        if desired.tracking_id in creating or tracking is None or live is None:
            continue
        if live.get("id") != tracking.ads_conversion_action_id:
            continue
        changes = goal_differences(desired, live)
        if changes:
            before = {name: live.get(name) for name in _ADS_FIELDS}
            section["update"].append(
                _ads_row("update", desired.tracking_id, before, {**before, **changes})
            )
    for tracking in to_remove:
        live = by_id.get(tracking.ads_conversion_action_id) or ours.get(tracking.pk)
        before = (
            {name: live.get(name) for name in _ADS_FIELDS}
            if live is not None
            else {"name": tracking.name}
        )
        section["remove"].append(_ads_row("remove", tracking.pk, before, None))
    return section, found


def review_plan(ctx: RunContext) -> ReviewedPlan:
    """The field-level plan of publishing the customer's desired state now."""
    customer, connection = ctx.customer, ctx.connection
    wanted = wanted_trackings(customer)
    removing = removing_trackings(customer)
    fingerprint = desired_fingerprint(customer, connection, wanted, removing)
    first = compile_desired(customer, wanted, connection, known_ads_tag_id(wanted))
    ads, found = _ads_section(
        ctx,
        [t for t in wanted if t.pk not in first.failures],
        removing,
        first.desired.ads_conversion_actions,
    )
    # The awct tag of a tracking whose action Google Ads has yet to create is shown with the
    # label it will get at publish, so the plan lists every tag that will go live.
    shown = []
    for tracking in wanted:
        if uses_ads(tracking) and needs_action(tracking):
            placeholder = copy.copy(tracking)
            placeholder.ads_conversion_label = LABEL_AT_PUBLISH
            shown.append(placeholder)
        else:
            shown.append(tracking)
    tag_id = (
        known_ads_tag_id(wanted)
        or next((str(a["conversion_id"]) for a in found if a.get("conversion_id")), None)
        or TAG_ID_AT_PUBLISH
    )
    compiled = compile_desired(customer, shown, connection, tag_id)
    live = unless_absent("live_version", lambda: ctx.clients.gtm.live_version(ctx.container_path))
    live_id = version_id(live)
    plan: dict[str, Any] = {
        "gtm": _gtm_section(compiled.desired, live),
        "ads": ads,
        "based_on": {"gtm_live_version_id": live_id or None, "desired_fingerprint": fingerprint},
    }
    if compiled.failures:
        plan["errors"] = {str(k): v for k, v in compiled.failures.items()}
    return ReviewedPlan(
        plan=plan,
        desired_fingerprint=fingerprint,
        gtm_live_version_id=live_id,
        plan_fingerprint=_digest(plan),
    )


def _plan_for(change: PendingChange) -> ReviewedPlan:
    customer = Customer.objects.get(organization_id=change.organization_id, pk=change.customer_id)
    connection = usable_connection(customer)
    with google_errors_as_domain_errors():
        return review_plan(read_context(customer, connection))


def pending_change_plan(*, organization_id: Any, change_id: Any) -> bool:
    """The body of the task `trackings.plan_pending_change`: make and keep the plan of a change
    still waiting for review. False when there was nothing to do (approved, or extended
    meanwhile: the task its write sent makes that revision's plan)."""
    change = PendingChange.objects.filter(
        organization_id=organization_id, pk=change_id, status=PendingChangeStatus.PENDING
    ).first()
    if change is None or change.planned_revision == change.revision:
        return False
    revision = change.revision
    reviewed = _plan_for(change)
    return pending_change_store_plan(change=change, revision=revision, reviewed=reviewed)


def pending_change_check(*, change: PendingChange) -> str | None:
    """Before an approval: the plan made again now. None when it is the stored one (what the
    reviewer saw); else why not, and the fresh plan is kept on the change (the caller answers
    409 with it)."""
    if change.status != PendingChangeStatus.PENDING:
        raise Conflict("This change was approved already.", code="pending_change_approved")
    revision = change.revision
    reviewed = _plan_for(change)
    reason = _why_not_reviewed(change, revision, reviewed)
    if reason is None:
        return None
    pending_change_store_plan(change=change, revision=revision, reviewed=reviewed)
    change.refresh_from_db()
    return reason


def _why_not_reviewed(change: PendingChange, revision: int, fresh: ReviewedPlan) -> str | None:
    if change.planned_revision != revision or change.plan is None:
        return "The change had no plan for its latest writes yet."
    if change.gtm_live_version_id != fresh.gtm_live_version_id:
        return (
            f"GTM version {fresh.gtm_live_version_id or '(none)'} is live now; the plan was "
            f"made against version {change.gtm_live_version_id or '(none)'}."
        )
    if change.desired_fingerprint != fresh.desired_fingerprint:
        return "The trackings changed since the plan was made."
    if change.plan_fingerprint != fresh.plan_fingerprint:
        return "What GTM or Google Ads hold changed since the plan was made."
    return None


def _approved_change(ctx: RunContext) -> PendingChange | None:
    return (
        PendingChange.objects.filter(
            organization_id=ctx.deployment.organization_id,
            deployment=ctx.deployment,
            status=PendingChangeStatus.APPROVED,
        )
        .order_by("-approved_at")
        .first()
    )


def change_waiting_review(customer: Customer) -> PendingChange | None:
    """The customer's change waiting for review, when it publishes after review."""
    if not publishes_after_review(customer) or customer.deleted is not None:
        return None
    return PendingChange.objects.filter(
        organization_id=customer.organization_id,
        customer=customer,
        status=PendingChangeStatus.PENDING,
    ).first()


def review_gate(ctx: RunContext) -> None:
    """Before any Google call of a sync run: under review, publish only an approved state.
    Sets the live GTM version the GTM step must find (`ctx.expected_live_version_id`)."""
    customer = ctx.customer
    change = _approved_change(ctx)
    if change is None:
        waiting = change_waiting_review(customer)
        if waiting is not None:
            raise DeploymentFailed(
                "review_required",
                f"Pending change {waiting.pk} waits for review; this deployment would publish "
                "it unapproved, so nothing was sent to Google. Approve the change to publish.",
                release_trackings=True,
            )
        return
    fingerprint = desired_fingerprint(
        customer, ctx.connection, wanted_trackings(customer), removing_trackings(customer)
    )
    if fingerprint != change.desired_fingerprint:
        raise DeploymentFailed(
            "pending_change_outdated",
            f"The trackings changed since pending change {change.pk} was approved; nothing was "
            "sent to Google. The changes wait for review again, with a fresh plan.",
            release_trackings=True,
            reopen_review=True,
        )
    ctx.expected_live_version_id = change.gtm_live_version_id


def review_reopen(ctx: RunContext) -> None:
    """The approved state could not be published as reviewed (the trackings changed since, or
    GTM has another live version than the plan's): the approved change's trackings wait for
    review again, in the customer's open change, with a fresh plan."""
    change = _approved_change(ctx)
    if change is not None:
        pending_change_reopen(customer=ctx.customer, change=change)
