"""Ours is ours: nothing reaches a version we publish unless we wrote it.

Two checks (a version holds everything its workspace held, and `create_version` first merges
in the latest version):

- before `create_version`, the workspace's changes (`getStatus`, one GTM call) must be exactly
  what we wrote: our marked entities with the bodies we planned, deletions of ours we no longer
  want, built-in variables we enabled. A person's draft, a foreign entity deleted or edited, one
  of ours edited by hand after we wrote it: the deployment stops, naming them, and nothing is
  published;
- before `publish`, the version create_version answers (with every entity) must hold, beside
  ours, exactly the entities live: otherwise someone's unpublished version was merged in and
  would go out with ours; it is not published (trackings.engine.apply_gtm `_vet`: no call
  unless the answer differs from the version we last saw live).
"""

from __future__ import annotations

from typing import Any

from trackings.engine.context import DeploymentFailed, RunContext, with_retries
from trackings.planner.normalize import lower_camel, same_entity
from trackings.planner.plan import ID_FIELDS, WorkspacePlan, managed_key

ENTITY_KINDS = ("tag", "trigger", "variable")
# What a workspace change can carry besides our three kinds (all of them foreign to us).
OTHER_KINDS = ("builtInVariable", "folder", "client", "transformation", "zone", "customTemplate")


def _describe(kind: str, entity: dict[str, Any], change_status: str = "") -> str:
    name = entity.get("name") or entity.get("type") or "?"
    return f"{kind} '{name}'" + (f" ({change_status})" if change_status else "")


def foreign_differences(latest: dict[str, Any], live: dict[str, Any], owner: str) -> list[str]:
    """Entities not ours (this customer's) that differ between two versions."""
    differences = []
    for kind in ENTITY_KINDS:
        id_field = ID_FIELDS[kind]

        def theirs(version: dict[str, Any], kind: str = kind, field: str = id_field) -> dict:
            return {
                str(e.get(field)): e
                for e in version.get(kind) or []
                if managed_key(e, owner) is None
            }

        before, after = theirs(live), theirs(latest)
        for entity_id in sorted(set(before) | set(after)):
            old, new = before.get(entity_id), after.get(entity_id)
            if old is None and new is not None:
                differences.append(_describe(kind, new, "added"))
            elif new is None and old is not None:
                differences.append(_describe(kind, old, "deleted"))
            elif old is not None and new is not None and not same_entity(old, new):
                differences.append(_describe(kind, new, "changed"))
    return differences


def _with_real_ids(value: Any, real: dict[str, str]) -> Any:
    if isinstance(value, str):
        return real.get(value, value)
    if isinstance(value, dict):
        return {k: _with_real_ids(v, real) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_real_ids(v, real) for v in value]
    return value


def unaccounted_changes(
    changes: list[dict[str, Any]],
    plan: WorkspacePlan,
    *,
    built_ins: set[str],
    owner: str,
    any_built_in: bool = False,
) -> list[str]:
    """The workspace changes we cannot account for, described for a person.

    `built_ins`: the built-in variable types we want, or found enabled live or in the workspace
    as we know it (they change nothing live); `any_built_in`: every enabled built-in is
    accepted (nothing is live: a container never versioned lists Google's defaults as
    changes)."""
    # The ids GTM gave to what we created (`new_<n>` in our plan -> the real id).
    real: dict[str, str] = {}
    for change in changes:
        for kind in ENTITY_KINDS:
            entity = change.get(kind)
            key = managed_key(entity, owner) if isinstance(entity, dict) else None
            planned = plan.ids.get(key or "")
            if key and planned and planned.startswith("new_"):
                real[planned] = str(entity.get(ID_FIELDS[kind]))  # type: ignore[union-attr]
    foreign = []
    for change in changes:
        status = lower_camel(str(change.get("changeStatus") or ""))
        found = [k for k in (*ENTITY_KINDS, *OTHER_KINDS) if k in change]
        if not found:
            continue
        kind = found[0]
        entity = change[kind] or {}
        if kind == "builtInVariable":
            if status == "added" and (
                any_built_in or lower_camel(str(entity.get("type", ""))) in built_ins
            ):
                continue
            foreign.append(_describe(kind, entity, status))
            continue
        if kind not in ENTITY_KINDS:
            foreign.append(_describe(kind, entity, status))
            continue
        key = managed_key(entity, owner)
        wanted = plan.bodies.get(key or "")
        if key is not None and status == "deleted" and key not in plan.bodies:
            continue  # one of ours we no longer want
        if (
            key is not None
            and status != "deleted"
            and wanted is not None
            and wanted[0] == kind
            and same_entity(_with_real_ids(wanted[1], real), entity)
        ):
            continue
        foreign.append(_describe(kind, entity, status))
    return foreign


def ownership_check(
    ctx: RunContext,
    workspace_path: str,
    plan: WorkspacePlan,
    *,
    built_ins: set[str],
    any_built_in: bool = False,
) -> None:
    """One getStatus: stop before versioning unless every change is one we made."""
    status = with_retries(
        "get_workspace_status", lambda: ctx.clients.gtm.get_workspace_status(workspace_path)
    )
    foreign = unaccounted_changes(
        list((status or {}).get("workspaceChange") or []),
        plan,
        built_ins=built_ins,
        owner=str(ctx.customer.pk),
        any_built_in=any_built_in,
    )
    if foreign:
        listed = ", ".join(foreign[:10])
        more = f" and {len(foreign) - 10} more" if len(foreign) > 10 else ""
        raise DeploymentFailed(
            "gtm_foreign_changes",
            f"Our GTM workspace holds changes OneClickTag did not make: {listed}{more}. Nothing "
            "was published. Move them to a workspace of your own (or discard them) in Tag "
            f"Manager, or delete the workspace {workspace_path.rsplit('/', 1)[-1]}; then deploy "
            "again.",
        )
