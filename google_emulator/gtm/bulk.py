"""`workspaces.bulk_update`: many adds/updates/deletes in one atomic call.

New entities carry placeholder ids `new_1`, `new_2`, … (per kind) that other changes of the same
call may reference (`firingTriggerId`, `parentFolderId`, trigger references); the answer carries the
real ids. A stale fingerprint in any change aborts the whole call (409) and nothing is applied.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..errors import ApiError, invalid_field
from ..handlers import Call, handles
from . import render
from .entities import WS, locate_workspace, prepare
from .store import KINDS, new_fingerprint
from .workspaces import refuse_while_conflicted

_NEW_ID = re.compile(r"new_[1-9]\d*")
_UNSUPPORTED = ("client", "customTemplate", "gtagConfig", "transformation", "zone")
_TRIGGER_REFS = ("firingTriggerId", "blockingTriggerId", "enablingTriggerId", "disablingTriggerId")


def _kind_of(change: dict[str, Any], field: str) -> str:
    present = [k for k in (*KINDS, "builtInVariable", *_UNSUPPORTED) if k in change]
    if len(present) != 1:
        raise invalid_field(field, "each change carries exactly one entity")
    if present[0] in _UNSUPPORTED:
        raise invalid_field(f"{field}.{present[0]}", "this entity kind is not supported here")
    return present[0]


def _map_refs(body: dict[str, Any], ids: dict[str, dict[str, str]], field: str) -> None:
    """Replace `new_N` placeholders by the real ids allocated in this call."""

    def real(kind: str, value: str, where: str) -> str:
        if not _NEW_ID.fullmatch(value):
            return value
        if value not in ids[kind]:
            raise invalid_field(where, f"{value!r} is not a {kind} added in this bulk update")
        return ids[kind][value]

    for key in _TRIGGER_REFS:
        if key in body:
            body[key] = [real("trigger", v, f"{field}.{key}[{i}]") for i, v in enumerate(body[key])]
    if "parentFolderId" in body:
        body["parentFolderId"] = real("folder", body["parentFolderId"], f"{field}.parentFolderId")

    def walk(node: Any, where: str) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")
        elif isinstance(node, dict):
            if node.get("type") == "triggerReference" and isinstance(node.get("value"), str):
                node["value"] = real("trigger", node["value"], f"{where}.value")
            for key in ("list", "map", "parameter"):
                if key in node:
                    walk(node[key], f"{where}.{key}")

    walk(body.get("parameter", []), f"{field}.parameter")


@handles(f"{WS}.bulk_update")
def bulk_update(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    refuse_while_conflicted(c, ws)
    changes = (call.body or {}).get("changes", [])
    if not changes:
        raise invalid_field("changes", "at least one change is required")
    entities = copy.deepcopy(ws.entities)
    builtins = copy.deepcopy(ws.builtins)
    new_ids: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    touched: set[tuple[str, str]] = set()
    plan: list[tuple[int, str, str, str, dict[str, Any]]] = []  # i, kind, status, id, body

    for i, change in enumerate(changes):
        field = f"changes[{i}]"
        kind = _kind_of(change, field)
        status = change.get("changeStatus")
        if status not in ("added", "updated", "deleted"):
            raise invalid_field(f"{field}.changeStatus", "must be added, updated or deleted")
        raw = change[kind]
        if kind == "builtInVariable":
            bi_type = raw.get("type")
            if bi_type in (None, "builtInVariableTypeUnspecified") or status == "updated":
                raise invalid_field(f"{field}.builtInVariable", "add or delete a built-in type")
            plan.append((i, kind, status, bi_type, {}))
            continue
        id_field = KINDS[kind][1]
        entity_id = raw.get(id_field)
        if status == "added":
            if entity_id is not None and not _NEW_ID.fullmatch(entity_id):
                raise invalid_field(
                    f"{field}.{kind}.{id_field}", "a new entity's id must be new_<n> or absent"
                )
            real_id = c.allocate(kind)
            if entity_id is not None:
                if entity_id in new_ids[kind]:
                    raise invalid_field(f"{field}.{kind}.{id_field}", f"{entity_id} used twice")
                new_ids[kind][entity_id] = real_id
            entity_id = real_id
        else:
            if not entity_id:
                raise invalid_field(
                    f"{field}.{kind}.{id_field}", f"an {status} {kind} needs its {id_field}"
                )
            current = entities[kind].get(entity_id)
            if current is None:
                raise ApiError(
                    404,
                    f"Not found: {field}.{kind}.{id_field} {entity_id!r} is not in the workspace.",
                    field=f"{field}.{kind}.{id_field}",
                )
            given = raw.get("fingerprint")
            if given is not None and given != current["fingerprint"]:
                raise ApiError(
                    409,
                    f"Fingerprint conflict at {field}.{kind}: {given} is stale (current "
                    f"{current['fingerprint']}); nothing was applied.",
                    status="ABORTED",
                    reason="conflict",
                    field=f"{field}.{kind}.fingerprint",
                )
        if (kind, entity_id) in touched:
            raise invalid_field(f"{field}.{kind}", f"{kind} {entity_id} is changed twice")
        touched.add((kind, entity_id))
        body = prepare(kind, raw, f"{field}.{kind}", allow_new=True) if status != "deleted" else {}
        plan.append((i, kind, status, entity_id, body))

    answer: list[dict[str, Any]] = []
    for i, kind, status, entity_id, body in plan:
        if kind == "builtInVariable":
            if status == "added":
                builtins[entity_id] = {"type": entity_id}
            elif builtins.pop(entity_id, None) is None:
                raise invalid_field(f"changes[{i}].builtInVariable.type", "it is not enabled")
            answer.append(
                {"builtInVariable": render.builtin(c, ws, entity_id), "changeStatus": status}
            )
            continue
        if status == "deleted":
            gone = entities[kind].pop(entity_id)
            answer.append({kind: render.entity(c, ws, kind, gone), "changeStatus": status})
            continue
        _map_refs(body, new_ids, f"changes[{i}].{kind}")
        id_field = KINDS[kind][1]
        stored = {id_field: entity_id, **body, "fingerprint": new_fingerprint()}
        entities[kind][entity_id] = stored
        answer.append({kind: render.entity(c, ws, kind, stored), "changeStatus": status})

    for i, kind, status, entity_id, _body in plan:
        if kind == "builtInVariable" or status == "deleted":
            continue
        name = entities[kind][entity_id]["name"]
        clash = [e for e, b in entities[kind].items() if b["name"] == name and e != entity_id]
        if clash:
            raise invalid_field(f"changes[{i}].{kind}.name", f"the name {name!r} is already in use")

    ws.entities, ws.builtins = entities, builtins
    return 200, {"changes": answer}
