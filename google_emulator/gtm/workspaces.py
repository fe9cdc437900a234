"""Workspaces: CRUD, status, sync with merge conflicts, conflict resolution."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import ApiError, failed_precondition, invalid_field, not_found
from ..handlers import Call, handles
from . import render
from .entities import WS, check_fingerprint, locate_workspace, prepare, store_entity
from .store import (
    KINDS,
    MAX_WORKSPACES,
    Container,
    Workspace,
    get_container,
    new_fingerprint,
    split_path,
)

_SYNC_OK = {"mergeConflict": False, "syncError": False}


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.get("fingerprint") == b.get("fingerprint")


def _same_content(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    strip = lambda e: {k: v for k, v in e.items() if k != "fingerprint"}  # noqa: E731
    return strip(a) == strip(b)


def _entity(c: Container, ws: Workspace, kind: str, body: Any, status: str | None) -> dict:
    out: dict[str, Any] = {}
    if body is not None:
        out[kind] = render.entity(c, ws, kind, body)
    if status:
        out["changeStatus"] = status
    return out


def changes(c: Container, ws: Workspace) -> list[dict[str, Any]]:
    """The workspace's changes against its base version, as Entity objects."""
    base = c.version(ws.base_version_id)
    out: list[dict[str, Any]] = []
    for kind in KINDS:
        before = base.entities[kind] if base else {}
        after = ws.entities[kind]
        for entity_id in sorted(set(before) | set(after), key=lambda i: (len(i), i)):
            b, a = before.get(entity_id), after.get(entity_id)
            if b is None and a is not None:
                out.append(_entity(c, ws, kind, a, "added"))
            elif a is None and b is not None:
                out.append(_entity(c, ws, kind, b, "deleted"))
            elif not _same(a, b):
                out.append(_entity(c, ws, kind, a, "updated"))
    before_bi = set(base.builtins) if base else set()
    for bi_type in sorted(set(ws.builtins) ^ before_bi):
        status = "added" if bi_type in ws.builtins else "deleted"
        out.append({"builtInVariable": render.builtin(c, ws, bi_type), "changeStatus": status})
    return out


def conflicts(c: Container, ws: Workspace) -> list[dict[str, Any]]:
    out = []
    for (kind, _entity_id), (mine, theirs) in sorted(ws.conflicts.items()):
        out.append(
            {
                "entityInWorkspace": _entity(
                    c, ws, kind, mine, "updated" if mine is not None else "deleted"
                ),
                "entityInBaseVersion": _entity(c, ws, kind, theirs, None),
            }
        )
    return out


def sync(c: Container, ws: Workspace) -> None:
    """Bring the workspace onto the latest version, keeping its own changes (Google's merge)."""
    latest = c.version(c.latest_version_id)
    if latest is None or latest.version_id == ws.base_version_id:
        return
    base = c.version(ws.base_version_id)
    for kind in KINDS:
        before = base.entities[kind] if base else {}
        theirs_all, mine_all = latest.entities[kind], ws.entities[kind]
        for entity_id in set(before) | set(theirs_all) | set(mine_all):
            b, theirs, mine = (
                before.get(entity_id),
                theirs_all.get(entity_id),
                mine_all.get(entity_id),
            )
            mine_changed, theirs_changed = not _same(mine, b), not _same(theirs, b)
            if not mine_changed or (theirs_changed and _same_content(mine, theirs)):
                if theirs is None:
                    mine_all.pop(entity_id, None)
                else:
                    mine_all[entity_id] = copy.deepcopy(theirs)
            elif theirs_changed:
                ws.conflicts[(kind, entity_id)] = (copy.deepcopy(mine), copy.deepcopy(theirs))
    before_bi = set(base.builtins) if base else set()
    for bi_type in set(latest.builtins) ^ before_bi:
        mine_changed = (bi_type in ws.builtins) != (bi_type in before_bi)
        if not mine_changed:
            if bi_type in latest.builtins:
                ws.builtins[bi_type] = {"type": bi_type}
            else:
                ws.builtins.pop(bi_type, None)
    ws.base_version_id = latest.version_id


def refuse_while_conflicted(c: Container, ws: Workspace) -> None:
    if ws.conflicts:
        listed = ", ".join(f"{kind} {entity_id}" for kind, entity_id in sorted(ws.conflicts))
        raise ApiError(
            409,
            f"Workspace {c.path}/workspaces/{ws.workspace_id} has unresolved merge conflicts "
            f"({listed}); resolve them first.",
            status="ABORTED",
            reason="conflict",
        )


def _container(path: str) -> Container:
    ids = split_path(path)
    return get_container(ids[0], ids[1])


@handles(f"{WS}.list")
def workspaces_list(call: Call) -> tuple[int, Any]:
    c = _container(call.param("parent"))
    ordered = sorted(c.workspaces.values(), key=lambda w: int(w.workspace_id))
    return 200, {"workspace": [render.workspace(c, ws) for ws in ordered]}


@handles(f"{WS}.get")
def workspaces_get(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    return 200, render.workspace(c, ws)


def _workspace_fields(body: dict[str, Any]) -> tuple[str, str]:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid_field("workspace.name", "a non-empty value is required")
    return name, body.get("description", "")


@handles(f"{WS}.create")
def workspaces_create(call: Call) -> tuple[int, Any]:
    c = _container(call.param("parent"))
    name, description = _workspace_fields(call.body or {})
    if len(c.workspaces) >= MAX_WORKSPACES:
        raise failed_precondition(
            f"Workspace limit reached: container {c.path} already has {MAX_WORKSPACES} "
            "workspaces (the maximum for this container). Delete or version one first."
        )
    if any(ws.name == name for ws in c.workspaces.values()):
        raise invalid_field("workspace.name", f"a workspace named {name!r} already exists")
    return 200, render.workspace(c, c.new_workspace(name, description))


@handles(f"{WS}.update")
def workspaces_update(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    check_fingerprint(call.param("fingerprint"), ws.fingerprint, call.param("path"))
    ws.name, ws.description = _workspace_fields(call.body or {})
    ws.fingerprint = new_fingerprint()
    return 200, render.workspace(c, ws)


@handles(f"{WS}.delete")
def workspaces_delete(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    del c.workspaces[ws.workspace_id]
    return 200, None


@handles(f"{WS}.getStatus")
def workspaces_status(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    answer: dict[str, Any] = {}
    if found := changes(c, ws):
        answer["workspaceChange"] = found
    if found := conflicts(c, ws):
        answer["mergeConflict"] = found
    return 200, answer


@handles(f"{WS}.sync")
def workspaces_sync(call: Call) -> tuple[int, Any]:
    c, ws = locate_workspace(call.param("path"))
    sync(c, ws)
    found = conflicts(c, ws)
    answer: dict[str, Any] = {"syncStatus": {**_SYNC_OK, "mergeConflict": bool(found)}}
    if found:
        answer["mergeConflict"] = found
    return 200, answer


@handles(f"{WS}.resolve_conflict")
def workspaces_resolve_conflict(call: Call) -> tuple[int, Any]:
    _container, ws = locate_workspace(call.param("path"))
    body = call.body or {}
    kinds = [k for k in KINDS if k in body]
    if len(kinds) != 1:
        raise invalid_field("entity", "exactly one of tag, trigger, variable, folder is required")
    kind = kinds[0]
    id_field = KINDS[kind][1]
    entity_id = body[kind].get(id_field)
    key = (kind, entity_id)
    if key not in ws.conflicts:
        raise not_found(f"merge conflict for {kind} {entity_id} in workspace {ws.workspace_id}")
    mine, _theirs = ws.conflicts[key]
    if mine is not None:
        check_fingerprint(call.param("fingerprint"), mine["fingerprint"], f"{kind} {entity_id}")
    if body.get("changeStatus") == "deleted":
        ws.entities[kind].pop(entity_id, None)
    else:
        store_entity(ws, kind, entity_id, prepare(kind, body[kind], f"entity.{kind}"))
    del ws.conflicts[key]
    return 200, None
