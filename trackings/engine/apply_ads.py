"""The Google Ads half of a deployment, done before GTM (the awct tag needs each label).

Two calls whatever the number of trackings: one MutateConversionActions with partial_failure
(creates for trackings that have no action yet, removes for trackings being deleted), then one
search of the account's conversion actions that reads ids and labels back from tag_snippets.
A third, only when needed, updates actions whose goal settings (primary or secondary, category)
differ from the trackings' — a person changed them in Google Ads, or the tracking changed.
Names embed the tracking's id, so a create whose answer was lost (DUPLICATE_NAME next time) is
adopted — but only an action carrying our id, never someone else's of the same name.

An action exists to count what its tag sends: when the GTM step then fails (or leaves a
tracking's tag out of the live version), `ads_rollback` removes the actions this run created,
so no enabled conversion action is left without its tag; the next deployment creates them again.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from trackings.compiler.types import DesiredConversionAction
from trackings.desired import known_ads_tag_id, uses_ads
from trackings.engine.context import RunContext, with_retries
from trackings.models import Tracking

# Google Ads caps conversion action names; ours keep the id whole and shorten the label.
NAME_MAX_LENGTH = 100
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def action_name(action: DesiredConversionAction) -> str:
    """The compiler's name, with the tracking's id kept whole within Google's length limit."""
    ident = str(action.tracking_id)
    label = " ".join(action.name.replace(ident, "").split()).strip(" []")
    room = NAME_MAX_LENGTH - len(ident) - 3
    return f"{label[:room].rstrip()} [{ident}]"


def tracking_id_in_name(name: str) -> uuid.UUID | None:
    match = _UUID.search(name or "")
    return uuid.UUID(match.group(0)) if match else None


def create_operation(action: DesiredConversionAction) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": action_name(action),
        "type": "WEBPAGE",
        "status": "ENABLED",
        "category": action.category,
        "counting_type": action.counting_type,
        "click_through_lookback_window_days": action.click_through_lookback_window_days,
        "view_through_lookback_window_days": action.view_through_lookback_window_days,
        # Secondary actions are reported but never used for bidding (micro events).
        "primary_for_goal": action.primary_for_goal,
    }
    value_settings: dict[str, Any] = {
        "always_use_default_value": action.always_use_default_value,
    }
    if action.default_value is not None:
        value_settings["default_value"] = float(action.default_value)
    if action.currency_code:
        value_settings["default_currency_code"] = action.currency_code
    body["value_settings"] = value_settings
    return {"create": body}


def needs_action(tracking: Tracking) -> bool:
    return not (tracking.ads_conversion_action_id and tracking.ads_conversion_label)


@dataclass
class AdsOutcome:
    tag_conversion_id: str | None
    # Trackings whose conversion action could not be made, with Google's reason.
    failures: dict[uuid.UUID, str] = field(default_factory=dict)
    # Removing trackings whose conversion action is gone (or never existed).
    removed: set[uuid.UUID] = field(default_factory=set)
    # Trackings whose action this run created (or adopted): no tag of theirs is live yet.
    created: set[uuid.UUID] = field(default_factory=set)
    plan: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"create": [], "update": [], "remove": []}
    )


def ads_plan(
    wanted: list[Tracking],
    desired_actions: list[DesiredConversionAction],
    removing: list[Tracking],
) -> tuple[list[DesiredConversionAction], list[Tracking], dict[str, list[dict[str, Any]]]]:
    by_id = {t.pk: t for t in wanted}
    to_create = [
        a for a in desired_actions if a.tracking_id in by_id and needs_action(by_id[a.tracking_id])
    ]
    to_remove = [t for t in removing if uses_ads(t) or t.ads_conversion_action_id]
    plan = {
        "create": [
            {"tracking": str(a.tracking_id), "name": action_name(a), "category": a.category}
            for a in to_create
        ],
        "update": [],
        "remove": [
            {"tracking": str(t.pk), "id": t.ads_conversion_action_id, "name": t.name}
            for t in to_remove
        ],
    }
    return to_create, to_remove, plan


def _resource_name(customer_id: str, action_id: str) -> str:
    return f"customers/{customer_id}/conversionActions/{action_id}"


# What a created action leaves on its tracking, written in one statement per batch.
_CREATED_FIELDS = (
    "ads_conversion_action_id",
    "ads_conversion_label",
    "ads_tag_conversion_id",
    "updated_at",
)
_CREATED_BATCH = 500


def ads_sync(
    ctx: RunContext,
    *,
    wanted: list[Tracking],
    desired_actions: list[DesiredConversionAction],
    removing: list[Tracking],
) -> AdsOutcome:
    to_create, to_remove, plan = ads_plan(wanted, desired_actions, removing)
    outcome = AdsOutcome(tag_conversion_id=known_ads_tag_id(wanted), plan=plan)
    outcome.removed = {t.pk for t in removing if t not in to_remove}
    created_before = {a.tracking_id for a in desired_actions} - {a.tracking_id for a in to_create}
    if not to_create and not to_remove and not created_before:
        return outcome
    if not ctx.ads_customer_id:
        reason = "Choose a Google Ads account for this customer's Google connection."
        outcome.failures = {a.tracking_id: reason for a in to_create}
        return outcome
    # Actions made earlier are read back (one search) to put their goal settings right.

    ads = ctx.clients.ads
    customer_id = ctx.ads_customer_id
    operations = [create_operation(a) for a in to_create]
    operations += [
        {"remove": _resource_name(customer_id, t.ads_conversion_action_id)}
        for t in to_remove
        if t.ads_conversion_action_id
    ]
    errors: dict[int, dict[str, Any]] = {}
    if operations:
        answer = with_retries(
            "mutate_conversion_actions",
            lambda: ads.mutate_conversion_actions(customer_id, operations, partial_failure=True),
        )
        errors = {e["index"]: e for e in answer.get("errors") or [] if e.get("index") is not None}

    found = with_retries(
        "search_conversion_actions", lambda: ads.search_conversion_actions(customer_id)
    )
    ours: dict[uuid.UUID, dict[str, Any]] = {}
    for action in found:
        owner = tracking_id_in_name(action.get("name", ""))
        if owner is not None and action.get("status") != "REMOVED":
            ours[owner] = action
        if action.get("conversion_id") and not outcome.tag_conversion_id:
            outcome.tag_conversion_id = action["conversion_id"]

    now = timezone.now()
    by_id = {tracking.pk: tracking for tracking in wanted}
    made: list[Tracking] = []
    for index, desired in enumerate(to_create):
        action = ours.get(desired.tracking_id)
        if action is None or not action.get("conversion_label"):
            error = errors.get(index)
            outcome.failures[desired.tracking_id] = (
                f"Google Ads did not create the conversion action: {error['message']}"
                if error
                else "Google Ads did not return the conversion action's label."
            )
            continue
        # Adopted (DUPLICATE_NAME from an earlier lost answer) or created now: ours by its id.
        outcome.created.add(desired.tracking_id)
        tracking = by_id[desired.tracking_id]
        tracking.ads_conversion_action_id = action["id"]
        tracking.ads_conversion_label = action["conversion_label"]
        tracking.ads_tag_conversion_id = action.get("conversion_id") or ""
        tracking.updated_at = now
        made.append(tracking)
    # One statement per batch, not one per tracking (a thousand actions made a thousand UPDATEs).
    Tracking.all_objects.bulk_update(made, _CREATED_FIELDS, batch_size=_CREATED_BATCH)
    _update_goal_settings(ctx, outcome, desired_actions, wanted, ours)

    # A removing tracking whose action id was never stored (a crash between create and store)
    # is found by its id in the name and removed with one more mutate.
    leftovers = [
        ours[t.pk]
        for t in to_remove
        if t.pk in ours and ours[t.pk]["id"] != t.ads_conversion_action_id
    ]
    if leftovers:
        with_retries(
            "mutate_conversion_actions",
            lambda: ads.mutate_conversion_actions(
                customer_id, [{"remove": a["resource_name"]} for a in leftovers]
            ),
        )
    remove_ops_start = len(to_create)
    removed_by_id = [t for t in to_remove if t.ads_conversion_action_id]
    for offset, tracking in enumerate(removed_by_id):
        error = errors.get(remove_ops_start + offset)
        still_there = (
            tracking.pk in ours and ours[tracking.pk]["id"] == tracking.ads_conversion_action_id
        )
        if error and still_there:
            outcome.failures[tracking.pk] = (
                f"Google Ads did not remove the conversion action: {error['message']}"
            )
        else:
            outcome.removed.add(tracking.pk)
    for tracking in to_remove:
        if not tracking.ads_conversion_action_id:
            outcome.removed.add(tracking.pk)
    return outcome


def goal_differences(desired: DesiredConversionAction, live: dict[str, Any]) -> dict[str, Any]:
    """The goal settings of an existing action that differ from what its tracking wants."""
    changes: dict[str, Any] = {}
    if bool(live.get("primary_for_goal")) != desired.primary_for_goal:
        changes["primary_for_goal"] = desired.primary_for_goal
    if live.get("category") and live["category"] != desired.category:
        changes["category"] = desired.category
    return changes


# The update mask in the JSON form json_format parses (lower camel case).
_MASK_NAMES = {"primary_for_goal": "primaryForGoal", "category": "category"}


def _update_goal_settings(
    ctx: RunContext,
    outcome: AdsOutcome,
    desired_actions: list[DesiredConversionAction],
    wanted: list[Tracking],
    ours: dict[uuid.UUID, dict[str, Any]],
) -> None:
    """One update for every action whose goal settings drifted; created ones are already right."""
    wanted_ids = {t.pk: t for t in wanted}
    updates: list[tuple[uuid.UUID, dict[str, Any]]] = []
    operations: list[dict[str, Any]] = []
    for desired in desired_actions:
        tracking = wanted_ids.get(desired.tracking_id)
        live = ours.get(desired.tracking_id)
        if tracking is None or live is None or desired.tracking_id in outcome.created:
            continue
        if live.get("id") != tracking.ads_conversion_action_id:
            continue
        changes = goal_differences(desired, live)
        if not changes:
            continue
        updates.append((desired.tracking_id, changes))
        operations.append(
            {
                "update": {"resource_name": live["resource_name"], **changes},
                "update_mask": ",".join(_MASK_NAMES[name] for name in sorted(changes)),
            }
        )
    if not operations:
        return
    outcome.plan["update"] = [
        {"tracking": str(tracking_id), **changes} for tracking_id, changes in updates
    ]
    customer_id = ctx.ads_customer_id
    answer = with_retries(
        "mutate_conversion_actions",
        lambda: ctx.clients.ads.mutate_conversion_actions(
            customer_id, operations, partial_failure=True
        ),
    )
    for error in answer.get("errors") or []:
        index = error.get("index")
        if index is not None and index < len(updates):
            outcome.failures[updates[index][0]] = (
                f"Google Ads did not update the conversion action: {error['message']}"
            )


def ads_rollback(ctx: RunContext, *, tracking_ids: set[uuid.UUID]) -> None:
    """Remove the actions this run created for trackings whose tags did not go live.

    They are forgotten on the trackings, so the next deployment creates them again. If Google
    refuses the removal, the ids stay: the next deployment finds and keeps them.
    """
    trackings = list(
        Tracking.all_objects.filter(pk__in=tracking_ids).exclude(ads_conversion_action_id="")
    )
    if not trackings or not ctx.ads_customer_id:
        return
    customer_id = ctx.ads_customer_id
    operations = [
        {"remove": _resource_name(customer_id, t.ads_conversion_action_id)} for t in trackings
    ]
    answer = with_retries(
        "mutate_conversion_actions",
        lambda: ctx.clients.ads.mutate_conversion_actions(
            customer_id, operations, partial_failure=True
        ),
    )
    refused = {e.get("index") for e in answer.get("errors") or []}
    removed = [t.pk for index, t in enumerate(trackings) if index not in refused]
    Tracking.all_objects.filter(pk__in=removed).update(
        ads_conversion_action_id="",
        ads_conversion_label="",
        updated_at=timezone.now(),
    )


def ads_validate(
    ctx: RunContext,
    *,
    wanted: list[Tracking],
    desired_actions: list[DesiredConversionAction],
    removing: list[Tracking],
) -> dict[str, Any]:
    """The dry run's Ads half: validate_only for the creates; nothing changes at Google."""
    to_create, _to_remove, plan = ads_plan(wanted, desired_actions, removing)
    if to_create and ctx.ads_customer_id:
        answer = with_retries(
            "mutate_conversion_actions",
            lambda: ctx.clients.ads.mutate_conversion_actions(
                ctx.ads_customer_id,
                [create_operation(a) for a in to_create],
                validate_only=True,
                partial_failure=True,
            ),
        )
        for error in answer.get("errors") or []:
            index = error.get("index")
            if index is not None and index < len(plan["create"]):
                plan["create"][index]["error"] = error.get("message", "")
    return plan
