"""Tags, triggers, variables, folders and built-in variables of a workspace."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import ApiError, invalid_field, not_found
from ..handlers import Call, handles
from . import render, rules
from .store import (
    KINDS,
    Container,
    Workspace,
    get_container,
    get_workspace,
    new_fingerprint,
    split_path,
)

WS = "tagmanager.accounts.containers.workspaces"


def locate_workspace(path: str) -> tuple[Container, Workspace]:
    ids = split_path(path)
    container = get_container(ids[0], ids[1])
    return container, get_workspace(container, ids[2])


def check_fingerprint(given: str | None, current: str, what: str) -> None:
    if given is not None and given != current:
        raise ApiError(
            412,
            f"Fingerprint {given} of {what} does not match the current fingerprint {current}: "
            "it was changed since it was read.",
            status="FAILED_PRECONDITION",
            reason="conditionNotMet",
        )


def prepare(kind: str, body: dict[str, Any], prefix: str, *, allow_new: bool = False) -> dict:
    """The storable form of a request entity: server-owned fields dropped, rules enforced."""
    id_field = KINDS[kind][1]
    out = {k: copy.deepcopy(v) for k, v in body.items() if k not in rules.OUTPUT_FIELDS}
    out.pop(id_field, None)
    rules.check_entity(kind, out, prefix, allow_new=allow_new)
    return out


def check_unique_name(ws: Workspace, kind: str, body: dict[str, Any], prefix: str) -> None:
    id_field = KINDS[kind][1]
    for other in ws.entities[kind].values():
        if other["name"] == body["name"] and other[id_field] != body.get(id_field):
            raise invalid_field(f"{prefix}.name", f"the name {body['name']!r} is already in use")


def store_entity(ws: Workspace, kind: str, entity_id: str, body: dict[str, Any]) -> dict:
    id_field = KINDS[kind][1]
    stored = {id_field: entity_id, **body, "fingerprint": new_fingerprint()}
    ws.entities[kind][entity_id] = stored
    return stored


def _entity_at(path: str, kind: str) -> tuple[Container, Workspace, dict[str, Any]]:
    container, ws = locate_workspace(path)
    entity_id = path.rsplit("/", 1)[1]
    body = ws.entities[kind].get(entity_id)
    if body is None:
        raise not_found(path)
    return container, ws, body


def _make_handlers(kind: str) -> None:
    collection, id_field = KINDS[kind]
    base = f"{WS}.{collection}"

    @handles(f"{base}.list")
    def list_(call: Call) -> tuple[int, Any]:
        container, ws = locate_workspace(call.param("parent"))
        items = ws.entities[kind]
        ordered = sorted(items.values(), key=lambda b: int(b[id_field]))
        answer = [render.entity(container, ws, kind, b) for b in ordered]
        return 200, ({kind: answer} if answer else {})

    @handles(f"{base}.get")
    def get(call: Call) -> tuple[int, Any]:
        container, ws, body = _entity_at(call.param("path"), kind)
        return 200, render.entity(container, ws, kind, body)

    @handles(f"{base}.create")
    def create(call: Call) -> tuple[int, Any]:
        container, ws = locate_workspace(call.param("parent"))
        body = prepare(kind, call.body or {}, kind)
        check_unique_name(ws, kind, body, kind)
        stored = store_entity(ws, kind, container.allocate(kind), body)
        return 200, render.entity(container, ws, kind, stored)

    @handles(f"{base}.update")
    def update(call: Call) -> tuple[int, Any]:
        container, ws, current = _entity_at(call.param("path"), kind)
        check_fingerprint(call.param("fingerprint"), current["fingerprint"], call.param("path"))
        body = prepare(kind, call.body or {}, kind)
        body[id_field] = current[id_field]
        check_unique_name(ws, kind, body, kind)
        body.pop(id_field)
        stored = store_entity(ws, kind, current[id_field], body)
        return 200, render.entity(container, ws, kind, stored)

    @handles(f"{base}.delete")
    def delete(call: Call) -> tuple[int, Any]:
        _container, ws, current = _entity_at(call.param("path"), kind)
        del ws.entities[kind][current[id_field]]
        return 200, None

    @handles(f"{base}.revert")
    def revert(call: Call) -> tuple[int, Any]:
        path = call.param("path")
        container, ws = locate_workspace(path)
        entity_id = path.rsplit("/", 1)[1]
        current = ws.entities[kind].get(entity_id)
        base_version = container.version(ws.base_version_id)
        original = base_version.entities[kind].get(entity_id) if base_version else None
        if current is None and original is None:
            raise not_found(path)
        if current is not None:
            check_fingerprint(call.param("fingerprint"), current["fingerprint"], path)
        ws.conflicts.pop((kind, entity_id), None)
        if original is None:
            del ws.entities[kind][entity_id]
            return 200, {}
        ws.entities[kind][entity_id] = copy.deepcopy(original)
        return 200, {kind: render.entity(container, ws, kind, original)}


for _kind in KINDS:
    _make_handlers(_kind)


@handles(f"{WS}.built_in_variables.list")
def builtins_list(call: Call) -> tuple[int, Any]:
    container, ws = locate_workspace(call.param("parent"))
    answer = [render.builtin(container, ws, t) for t in sorted(ws.builtins)]
    return 200, ({"builtInVariable": answer} if answer else {})


def _types(call: Call) -> list[str]:
    types = call.param("type") or []
    if not types or "builtInVariableTypeUnspecified" in types:
        raise invalid_field("type", "at least one built-in variable type is required")
    return list(types)


@handles(f"{WS}.built_in_variables.create")
def builtins_create(call: Call) -> tuple[int, Any]:
    container, ws = locate_workspace(call.param("parent"))
    types = _types(call)
    for bi_type in types:
        ws.builtins[bi_type] = {"type": bi_type}
    return 200, {"builtInVariable": [render.builtin(container, ws, t) for t in types]}


@handles(f"{WS}.built_in_variables.delete")
def builtins_delete(call: Call) -> tuple[int, Any]:
    _container, ws = locate_workspace(call.param("path"))
    for bi_type in _types(call):
        if bi_type not in ws.builtins:
            raise not_found(f"built-in variable {bi_type} in {call.param('path')}")
    for bi_type in _types(call):
        del ws.builtins[bi_type]
    return 200, None


@handles(f"{WS}.built_in_variables.revert")
def builtins_revert(call: Call) -> tuple[int, Any]:
    container, ws = locate_workspace(call.param("path"))
    bi_type = call.param("type")
    if not bi_type or bi_type == "builtInVariableTypeUnspecified":
        raise invalid_field("type", "the built-in variable type is required")
    base_version = container.version(ws.base_version_id)
    enabled = bool(base_version and bi_type in base_version.builtins)
    if enabled:
        ws.builtins[bi_type] = {"type": bi_type}
    else:
        ws.builtins.pop(bi_type, None)
    return 200, {"enabled": enabled}
