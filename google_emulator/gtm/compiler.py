"""What GTM's compiler refuses when a workspace becomes a version: dangling references.

A tag firing on (or blocked by) a trigger that does not exist, a `{{Name}}` that is neither a user
variable nor an enabled built-in, a setup/teardown tag or folder that does not exist. Google only
answers `compilerError: true` (workspaces.create_version reference page); what the emulator found
is shown only on `GET /_emulator/gtm/compiler-errors?path=<workspace>` (never in an API answer),
so a test or an operator can see which reference is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .builtins import ALWAYS_AVAILABLE, BUILTIN_TRIGGER_IDS, builtin_name
from .store import KINDS, Builtins, Entities

_REF = re.compile(r"\{\{([^{}]+)\}\}")


def _strings(value: Any, field: str) -> Iterator[tuple[str, str]]:
    """Every string inside a parameter-ish structure, with where it sits."""
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{field}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{field}.{key}")


def _param_values(param: Any, field: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(param, list):
        for i, item in enumerate(param):
            yield from _param_values(item, f"{field}[{i}]")
    elif isinstance(param, dict):
        if "type" in param and ("key" in param or "value" in param or "list" in param):
            yield field, param
        for key in ("list", "map"):
            if key in param:
                yield from _param_values(param[key], f"{field}.{key}")


def _problem(kind: str, body: dict[str, Any], field: str, reference: Any, what: str) -> dict:
    entity_id = body[KINDS[kind][1]]
    return {
        "type": kind,
        "id": entity_id,
        "name": body.get("name", ""),
        "field": field,
        "reference": reference,
        "message": f"{kind} {body.get('name', '')!r} ({entity_id}) {field} references {what} "
        f"{reference!r}, which does not exist",
    }


def compile_errors(entities: Entities, builtins: Builtins) -> list[dict[str, Any]]:
    trigger_ids = set(entities["trigger"]) | BUILTIN_TRIGGER_IDS
    folder_ids = set(entities["folder"])
    tag_names = {t["name"] for t in entities["tag"].values()}
    variable_names = {v["name"] for v in entities["variable"].values()}
    variable_names |= {builtin_name(t) for t in builtins} | ALWAYS_AVAILABLE
    problems: list[dict[str, Any]] = []
    for kind in ("tag", "trigger", "variable", "folder"):
        for body in sorted(entities[kind].values(), key=lambda b: int(b[KINDS[kind][1]])):
            parent = body.get("parentFolderId")
            if parent is not None and parent not in folder_ids:
                problems.append(_problem(kind, body, "parentFolderId", parent, "folder"))
            for key in ("firingTriggerId", "blockingTriggerId", "enablingTriggerId",
                        "disablingTriggerId"):  # fmt: skip
                for i, ref in enumerate(body.get(key, [])):
                    if ref not in trigger_ids:
                        problems.append(_problem(kind, body, f"{key}[{i}]", ref, "trigger"))
            for key in ("setupTag", "teardownTag"):
                for i, ref in enumerate(body.get(key, [])):
                    if ref.get("tagName") not in tag_names:
                        field = f"{key}[{i}].tagName"
                        problems.append(_problem(kind, body, field, ref.get("tagName"), "tag"))
            for key, value in body.items():
                if key in ("name", "notes", "type", "fingerprint") or key.endswith("Id"):
                    continue
                for field, param in _param_values(value, key):
                    ptype, pvalue = param.get("type"), param.get("value")
                    if ptype == "triggerReference" and pvalue not in trigger_ids:
                        problems.append(_problem(kind, body, field, pvalue, "trigger"))
                    if ptype == "tagReference" and pvalue not in tag_names:
                        problems.append(_problem(kind, body, field, pvalue, "tag"))
                for field, text in _strings(value, key):
                    for name in _REF.findall(text):
                        if name not in variable_names:
                            problems.append(_problem(kind, body, field, name, "variable"))
    return problems


def workspace_compiler_errors(path: str) -> list[dict[str, Any]]:
    """The debug endpoint's answer: what the compiler would refuse in this workspace now."""
    from .entities import locate_workspace

    _container, ws = locate_workspace(path)
    return compile_errors(ws.entities, ws.builtins)
