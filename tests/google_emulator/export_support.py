"""Writing a real GTM UI export into a workspace through bulk_update, and comparing it back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from google_emulator.gtm.builtins import BUILTIN_TRIGGER_IDS
from google_emulator.schema import upper_snake
from tests.reference import GTM_EXPORTS_DIR

EXPORTS_DIR = GTM_EXPORTS_DIR
KINDS = {
    "folder": "folderId",
    "trigger": "triggerId",
    "variable": "variableId",
    "tag": "tagId",
}
# Fields the API derives (or the UI export adds) that say where an entity lives, not what it is.
LOCATION_FIELDS = {
    "accountId",
    "containerId",
    "workspaceId",
    "path",
    "tagManagerUrl",
    "fingerprint",
}
TRIGGER_REFS = ("firingTriggerId", "blockingTriggerId", "enablingTriggerId", "disablingTriggerId")


def export_files() -> list[Path]:
    return sorted(EXPORTS_DIR.glob("*.json"))


def load_version(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text())["containerVersion"])


def bulk_changes(version: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict]]:
    """The export's entities as `added` changes with new_N ids; also export id -> new_N maps."""
    placeholders: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
    for kind, id_field in KINDS.items():
        for n, entity in enumerate(version.get(kind, []), start=1):
            placeholders[kind][entity[id_field]] = f"new_{n}"
    changes: list[dict[str, Any]] = []
    for kind, id_field in KINDS.items():
        for entity in version.get(kind, []):
            body = copy.deepcopy(entity)
            body[id_field] = placeholders[kind][entity[id_field]]
            for key in TRIGGER_REFS:
                if key in body:
                    body[key] = [placeholders["trigger"].get(t, t) for t in body[key]]
            if "parentFolderId" in body:
                body["parentFolderId"] = placeholders["folder"].get(
                    body["parentFolderId"], body["parentFolderId"]
                )
            changes.append({kind: body, "changeStatus": "added"})
    return changes, placeholders


def _enum_form(node: Any) -> Any:
    """Mechanical UPPER_SNAKE for every `type`-like enum so both spellings compare equal."""
    if isinstance(node, list):
        return [_enum_form(item) for item in node]
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("type", "tagFiringOption", "consentStatus", "caseConversionType",
                       "convertToNumber") and isinstance(value, str):  # fmt: skip
                out[key] = upper_snake(value)
            else:
                out[key] = _enum_form(value)
        return out
    return node


def normalise(kind: str, entity: dict[str, Any], real_to_export: dict[str, dict]) -> dict:
    """An entity without location fields, with ids mapped back to the export's ids."""
    body = {k: copy.deepcopy(v) for k, v in entity.items() if k not in LOCATION_FIELDS}
    id_field = KINDS[kind]
    body[id_field] = real_to_export[kind].get(body[id_field], body[id_field])
    for key in TRIGGER_REFS:
        if key in body:
            body[key] = [real_to_export["trigger"].get(t, t) for t in body[key]]
    if "parentFolderId" in body:
        body["parentFolderId"] = real_to_export["folder"].get(
            body["parentFolderId"], body["parentFolderId"]
        )
    return dict(_enum_form(body))


def export_normalised(kind: str, entity: dict[str, Any]) -> dict[str, Any]:
    return dict(_enum_form({k: v for k, v in entity.items() if k not in LOCATION_FIELDS}))


def missing_references(version: dict[str, Any]) -> set[str]:
    """Trigger ids a tag names that the export does not contain (built-in triggers aside)."""
    triggers = {t["triggerId"] for t in version.get("trigger", [])} | BUILTIN_TRIGGER_IDS
    return {
        ref
        for tag in version.get("tag", [])
        for key in ("firingTriggerId", "blockingTriggerId")
        for ref in tag.get(key, [])
        if ref not in triggers
    }
