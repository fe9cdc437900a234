"""Field-level differences between two versions of an entity, for a person reviewing a plan.

Both sides are compared in the planner's normalized form (trackings.planner.normalize: server
fields dropped, enums in one spelling, keyed parameters by key), so a difference shown is one
the planner would send an update for. A keyed parameter is one field (`parameter.eventName`),
everything else a top-level field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trackings.planner.normalize import KEYED_LISTS, normalized


def _keyed_value(item: Mapping[str, Any]) -> Any:
    """A parameter's value as a person reads it: the bare value of a template or boolean, the
    whole item (without its key) for lists and maps."""
    rest = {k: v for k, v in item.items() if k != "key"}
    if set(rest) <= {"type", "value"} and "value" in rest:
        return rest["value"]
    return rest


def entity_fields(entity: Mapping[str, Any] | None) -> dict[str, Any]:
    """The entity as reviewable fields: `{"name": ..., "parameter.eventName": ..., ...}`."""
    if entity is None:
        return {}
    fields: dict[str, Any] = {}
    for name, value in normalized(dict(entity)).items():
        keyed = (
            name in KEYED_LISTS
            and isinstance(value, list)
            and all(isinstance(item, dict) and "key" in item for item in value)
        )
        if keyed:
            for item in value:
                fields[f"{name}.{item['key']}"] = _keyed_value(item)
        else:
            fields[name] = value
    return fields


def field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """Every field whose value differs, sorted by field: `{"field", "before", "after"}`, None
    for a side that does not have it (a create has no before, a delete no after)."""
    old, new = entity_fields(before), entity_fields(after)
    return [
        {"field": name, "before": old.get(name), "after": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]
