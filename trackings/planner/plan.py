"""plan_workspace: the desired container vs. what a GTM workspace holds -> one bulk update."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from trackings.compiler.entities import BUILT_IN_VARIABLES, VARIABLE_REFERENCE
from trackings.compiler.types import (
    MARKER_PREFIX,
    OWNER_PREFIX,
    REF_PREFIX,
    DesiredContainer,
    DesiredEntity,
)
from trackings.planner.normalize import lower_camel, same_entity

Action = Literal["create", "update", "delete"]

ID_FIELDS = {"tag": "tagId", "trigger": "triggerId", "variable": "variableId"}
ENTITY_TYPES = ("variable", "trigger", "tag")  # creation order: what others reference first

_MARKER = re.compile(rf"^{MARKER_PREFIX}:[a-z0-9][a-z0-9-]*:\S+$")


def marker_of(entity: Mapping[str, Any]) -> str | None:
    """Our key, if the entity's notes start with one (first non-empty line)."""
    for raw in str(entity.get("notes") or "").splitlines():
        line = raw.strip()
        if line:
            return line if _MARKER.match(line) else None
    return None


def owner_of(entity: Mapping[str, Any]) -> str | None:
    """The customer named on the line after our marker, or None (written before owners were)."""
    lines = [line.strip() for line in str(entity.get("notes") or "").splitlines() if line.strip()]
    if len(lines) >= 2 and lines[1].startswith(OWNER_PREFIX):
        return lines[1].removeprefix(OWNER_PREFIX)
    return None


def managed_key(entity: Mapping[str, Any], owner: str) -> str | None:
    """The entity's key if it is ours AND this customer's. An entity marked for another customer
    is as foreign as one a person made: seen, named around, never changed. One marked before
    owners were recorded is adopted (a container has had one owner since; see GoogleConnection's
    constraint) and gets the owner line at its next update."""
    # marker_of and owner_of in one reading of the notes: a deployment asks this of every
    # entity of the container several times.
    lines = [line for raw in str(entity.get("notes") or "").splitlines() if (line := raw.strip())]
    if not lines or not _MARKER.match(lines[0]):
        return None
    theirs = len(lines) >= 2 and lines[1].startswith(OWNER_PREFIX)
    if theirs and lines[1].removeprefix(OWNER_PREFIX) != owner:
        return None
    return lines[0]


@dataclass(frozen=True)
class PlannedChange:
    action: Action
    entity_type: str
    key: str
    name: str
    entity_id: str  # the existing id, or ``new_<n>`` for a create
    body: dict[str, Any]  # what bulk_update sends (ids and fingerprint included)


@dataclass
class WorkspacePlan:
    creates: list[PlannedChange] = field(default_factory=list)
    updates: list[PlannedChange] = field(default_factory=list)
    deletes: list[PlannedChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # keys
    built_in_variables: list[str] = field(default_factory=list)  # API types to enable
    # Every desired key -> its id after the bulk update (existing id or ``new_<n>``).
    ids: dict[str, str] = field(default_factory=dict)
    # Every desired key -> (entity type, the body it must have after the update), references
    # resolved to the ids above: what the engine checks the workspace's changes against.
    bodies: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.creates or self.updates or self.deletes or self.built_in_variables)

    def bulk_changes(self) -> list[dict[str, Any]]:
        """The ``changes`` of ONE ``workspaces.bulk_update`` request.

        Deletes first (so a freed name can be reused; tags before what they reference), then
        built-in variables, then creates and updates, variables before triggers before tags.
        """
        changes: list[dict[str, Any]] = [
            {change.entity_type: change.body, "changeStatus": "deleted"} for change in self.deletes
        ]
        changes += [
            {
                "builtInVariable": {"type": api_type, "name": BUILT_IN_VARIABLES[api_type]},
                "changeStatus": "added",
            }
            for api_type in self.built_in_variables
        ]
        writes = sorted(
            [*self.creates, *self.updates],
            key=lambda c: (ENTITY_TYPES.index(c.entity_type), c.action != "create", c.key),
        )
        changes += [
            {
                change.entity_type: change.body,
                "changeStatus": "added" if change.action == "create" else "updated",
            }
            for change in writes
        ]
        return changes

    def summary(self) -> dict[str, Any]:
        """The plan as the API shows it (``GET /customers/{id}/plan/`` -> ``gtm``)."""

        def rows(changes: list[PlannedChange]) -> list[dict[str, str]]:
            return [{"type": c.entity_type, "name": c.name, "key": c.key} for c in changes]

        creates = rows(self.creates) + [
            {"type": "builtInVariable", "name": BUILT_IN_VARIABLES[t], "key": t}
            for t in self.built_in_variables
        ]
        return {
            "create": creates,
            "update": rows(self.updates),
            "delete": rows(self.deletes),
            "unchanged": len(self.unchanged),
        }


def plan_workspace(
    desired: DesiredContainer, workspace: Mapping[str, list[dict[str, Any]]]
) -> WorkspacePlan:
    """Diff the desired container against the workspace's entities (from GTM's list calls).

    Only entities whose notes carry our marker for this customer (``desired.owner``) are ever
    updated or deleted; they are found by that marker, never by name, so a re-run after a crash
    adopts what an earlier attempt created.
    """
    plan = WorkspacePlan()
    ours: dict[tuple[str, str], dict[str, Any]] = {}
    foreign_names: dict[str, set[str]] = {t: set() for t in ENTITY_TYPES}
    for entity_type in ENTITY_TYPES:
        id_field = ID_FIELDS[entity_type]
        listed = sorted(workspace.get(entity_type, []), key=lambda e: _id_order(e, id_field))
        for item in listed:
            key = managed_key(item, desired.owner)
            if key is None:
                foreign_names[entity_type].add(str(item.get("name", "")))
            elif (entity_type, key) in ours:
                # A copy of one of ours (the UI's "Copy" keeps notes, or a lost response made us
                # create twice): keep the oldest, remove the rest so nothing fires twice.
                plan.deletes.append(_deletion(entity_type, key, item))
            else:
                ours[(entity_type, key)] = item

    entities = _with_free_names(desired.entities, foreign_names)
    wanted = {(e.entity_type, e.key) for e in entities}
    for (entity_type, key), item in sorted(ours.items()):
        if (entity_type, key) not in wanted:
            plan.deletes.append(_deletion(entity_type, key, item))

    counter = 0
    for entity in sorted(entities, key=lambda e: (ENTITY_TYPES.index(e.entity_type), e.key)):
        existing = ours.get((entity.entity_type, entity.key))
        if existing is None:
            counter += 1
            plan.ids[entity.key] = f"new_{counter}"
        else:
            plan.ids[entity.key] = str(existing[ID_FIELDS[entity.entity_type]])

    for entity in entities:
        id_field = ID_FIELDS[entity.entity_type]
        # An entity referring to no other (its `refs`, every `@ref:` of its body) is sent as
        # compiled: nothing planned here changes a body in place.
        body = _resolve(entity.body, plan.ids) if entity.refs else entity.body
        plan.bodies[entity.key] = (entity.entity_type, body)
        existing = ours.get((entity.entity_type, entity.key))
        if existing is None:
            new_id = plan.ids[entity.key]
            plan.creates.append(
                PlannedChange(
                    "create",
                    entity.entity_type,
                    entity.key,
                    entity.name,
                    new_id,
                    {id_field: new_id, **body},
                )
            )
        elif same_entity(body, existing):
            plan.unchanged.append(entity.key)
        else:
            full = {**_locator(existing, id_field), **body}
            if existing.get("parentFolderId"):
                # Updates replace the whole entity: keep it in the folder a person filed it in.
                full["parentFolderId"] = existing["parentFolderId"]
            plan.updates.append(
                PlannedChange(
                    "update",
                    entity.entity_type,
                    entity.key,
                    entity.name,
                    str(existing[id_field]),
                    full,
                )
            )

    enabled = {lower_camel(str(b.get("type", ""))) for b in workspace.get("builtInVariable", [])}
    plan.built_in_variables = sorted(set(desired.built_in_variables) - enabled)
    for changes in (plan.creates, plan.updates):
        changes.sort(key=lambda c: (ENTITY_TYPES.index(c.entity_type), c.key))
    return plan


def _id_order(entity: Mapping[str, Any], id_field: str) -> tuple[int, str]:
    raw = str(entity.get(id_field, ""))
    return (int(raw), raw) if raw.isdigit() else (2**63, raw)


def _locator(existing: Mapping[str, Any], id_field: str) -> dict[str, Any]:
    """What identifies an existing entity in a bulk update: its id, path and fingerprint."""
    return {k: existing[k] for k in (id_field, "path", "fingerprint") if existing.get(k)}


def _deletion(entity_type: str, key: str, entity: Mapping[str, Any]) -> PlannedChange:
    id_field = ID_FIELDS[entity_type]
    body = {**_locator(entity, id_field), "name": entity.get("name", "")}
    return PlannedChange(
        "delete", entity_type, key, str(entity.get("name", "")), str(entity[id_field]), body
    )


def _with_free_names(
    entities: list[DesiredEntity], foreign_names: Mapping[str, set[str]]
) -> list[DesiredEntity]:
    """Rename ours where a foreign entity holds the name: ``X`` -> ``X (OCT 2)``, … .

    Deterministic for a given workspace; variable renames are carried into ``{{…}}`` references.
    """
    taken = {t: set(names) for t, names in foreign_names.items()}
    for entity in entities:
        if entity.name not in foreign_names[entity.entity_type]:
            taken[entity.entity_type].add(entity.name)
    renamed: dict[str, dict[str, str]] = {t: {} for t in ENTITY_TYPES}
    for entity in entities:
        if entity.name in foreign_names[entity.entity_type]:
            n = 2
            while f"{entity.name} (OCT {n})" in taken[entity.entity_type]:
                n += 1
            new_name = f"{entity.name} (OCT {n})"
            taken[entity.entity_type].add(new_name)
            renamed[entity.entity_type][entity.name] = new_name
    if not any(renamed.values()):
        return entities
    variables = renamed["variable"]
    result = []
    for entity in entities:
        body = _rename_references(entity.body, variables) if variables else dict(entity.body)
        body["name"] = renamed[entity.entity_type].get(entity.name, entity.name)
        result.append(DesiredEntity(entity.entity_type, entity.key, body, entity.refs))
    return result


def _rename_references(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return VARIABLE_REFERENCE.sub(
            lambda m: "{{" + names.get(m.group(1), m.group(1)) + "}}", value
        )
    if isinstance(value, dict):
        return {k: _rename_references(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_references(v, names) for v in value]
    return value


def _resolve(value: Any, ids: Mapping[str, str]) -> Any:
    """Replace every ``@ref:<key>`` with the entity's id (existing or ``new_<n>``)."""
    if isinstance(value, str):
        if value.startswith(REF_PREFIX):
            key = value.removeprefix(REF_PREFIX)
            if key not in ids:
                raise ValueError(f"Reference to {key!r}, which is not among the desired entities.")
            return ids[key]
        return value
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    return value
