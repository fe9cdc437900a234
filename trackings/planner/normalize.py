"""Comparing a desired entity with what GTM holds, ignoring what is not ours to compare.

Decisions (documented because they decide when the planner sends an update):
- Server-owned fields are ignored: ids, path, fingerprint, account/container/workspace ids,
  tagManagerUrl, parentFolderId (a person may file our entities in a folder; that is harmless).
- Enums compare in one spelling: exports and older clients say ``CUSTOM_EVENT``/``TEMPLATE``,
  the API ``customEvent``/``template``; both are turned to lower camel.
- Keyed parameters (``parameter`` and ``map`` items) compare as a set by key: GTM keeps the
  order it was given, but order carries no meaning there. List items, conditions and values keep
  their order. Trigger id lists compare as sets.
- Absent and empty are the same (``formatValue: {}``, ``notes: ""``, ``paused: false``).
"""

from __future__ import annotations

import re
from typing import Any

SERVER_FIELDS = frozenset(
    {
        "path",
        "accountId",
        "containerId",
        "workspaceId",
        "tagManagerUrl",
        "fingerprint",
        "parentFolderId",
        "tagId",
        "triggerId",
        "variableId",
    }
)
ENUM_FIELDS = frozenset({"type", "tagFiringOption", "consentStatus", "changeStatus"})
ID_LIST_FIELDS = frozenset(
    {"firingTriggerId", "blockingTriggerId", "enablingTriggerId", "disablingTriggerId"}
)
KEYED_LISTS = frozenset({"parameter", "map"})

_UPPER_SNAKE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


def lower_camel(value: str) -> str:
    """``YOU_TUBE_VIDEO`` -> ``youTubeVideo``; values already in lower camel are unchanged."""
    if not _UPPER_SNAKE.match(value):
        return value
    head, *rest = value.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def _empty(value: Any) -> bool:
    return value is None or value is False or value in ("", [], {})


def _normal(value: Any, field: str = "") -> Any:
    # Plain values are kept without a call (most of an entity's leaves): planning a thousand
    # trackings normalizes tens of thousands of them several times.
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key in SERVER_FIELDS:
                continue
            if isinstance(item, (dict, list)) or key in ENUM_FIELDS:
                normal = _normal(item, key)
            else:
                normal = item
            if _empty(normal):
                continue
            result[key] = normal
        return result
    if isinstance(value, list):
        items = [_normal(item) if isinstance(item, (dict, list)) else item for item in value]
        if field in ID_LIST_FIELDS:
            return sorted(str(item) for item in items)
        if field in KEYED_LISTS and all(isinstance(i, dict) and "key" in i for i in items):
            return sorted(items, key=lambda item: str(item["key"]))
        return items
    if isinstance(value, str) and field in ENUM_FIELDS:
        return lower_camel(value)
    return value


def normalized(entity: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of a tag, trigger or variable."""
    result = _normal(entity)
    assert isinstance(result, dict)
    return result


def _without_server_fields(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in SERVER_FIELDS}


def same_entity(desired: dict[str, Any], existing: dict[str, Any]) -> bool:
    # GTM answers an entity as it was written, plus its ids and fingerprint: equal once those
    # are left out, the two normalize alike, and the walk through both is not needed.
    if _without_server_fields(desired) == _without_server_fields(existing):
        return True
    return normalized(desired) == normalized(existing)
