"""What Tag Manager's server requires beyond the discovery schema (400 naming the field).

The schema says which fields exist and their types; Google additionally refuses nameless or
typeless entities, unspecified enum values, parameters whose value does not fit their type,
custom-event triggers without exactly one `{{_event}}` filter, wait-for-tags/validation options on
triggers that cannot have them, and non-numeric trigger ids.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import invalid_field
from .types import check_tag_type, check_trigger_type

_INT = re.compile(r"-?\d+")
_REF = re.compile(r"\{\{[^{}]+\}\}")
_NEW_ID = re.compile(r"new_[1-9]\d*")
# Tag and variable types are lower-case template codes: `gaawe`, `html`, `v`, `cvt_123_45`.
_TYPE_CODE = re.compile(r"[a-z][a-z0-9_]*")
# Trigger fields that take a Parameter, and the trigger types allowed to carry them.
_FORM_LINK_ONLY = ("waitForTags", "checkValidation", "waitForTagsTimeout")
_CONDITION_LISTS = ("filter", "autoEventFilter", "customEventFilter")
# Fields the server assigns; clients may send them back (from a read) but they are ignored.
OUTPUT_FIELDS = ("path", "accountId", "containerId", "workspaceId", "tagManagerUrl", "fingerprint")


def _require_text(body: dict[str, Any], key: str, prefix: str) -> None:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise invalid_field(f"{prefix}.{key}", "a non-empty value is required")


def check_parameter(param: dict[str, Any], field: str, *, keyed: bool) -> None:
    kind = param.get("type")
    if kind in (None, "typeUnspecified"):
        raise invalid_field(f"{field}.type", "the parameter type is required")
    if keyed and not param.get("key"):
        raise invalid_field(f"{field}.key", "a top-level parameter needs a key")
    value = param.get("value")
    if kind in ("list", "map"):
        if value is not None:
            raise invalid_field(f"{field}.value", f"a {kind} parameter carries '{kind}', not value")
        for i, item in enumerate(param.get(kind, [])):
            # Items of a map are keyed; list items are not (they are usually maps themselves).
            check_parameter(item, f"{field}.{kind}[{i}]", keyed=kind == "map")
        other = "map" if kind == "list" else "list"
        if other in param:
            raise invalid_field(f"{field}.{other}", f"a {kind} parameter cannot carry '{other}'")
        return
    if "list" in param or "map" in param:
        raise invalid_field(field, f"a {kind} parameter cannot carry list or map")
    if value is None:
        return  # an empty template/boolean/integer is stored as absent by Google too
    if kind == "boolean" and value not in ("true", "false") and not _REF.fullmatch(value):
        raise invalid_field(f"{field}.value", f"{value!r} is not 'true' or 'false'")
    if kind == "integer" and not _INT.fullmatch(value) and not _REF.fullmatch(value):
        raise invalid_field(f"{field}.value", f"{value!r} is not an integer")


def _check_parameters(params: list[dict[str, Any]], field: str) -> None:
    seen: set[str] = set()
    for i, param in enumerate(params):
        check_parameter(param, f"{field}[{i}]", keyed=True)
        key = param["key"]
        if key in seen:
            raise invalid_field(f"{field}[{i}].key", f"duplicate parameter key {key!r}")
        seen.add(key)


def _check_conditions(conditions: list[dict[str, Any]], field: str) -> None:
    for i, cond in enumerate(conditions):
        here = f"{field}[{i}]"
        if cond.get("type") in (None, "conditionTypeUnspecified"):
            raise invalid_field(f"{here}.type", "the condition type is required")
        params = cond.get("parameter", [])
        keys = [p.get("key") for p in params]
        if "arg0" not in keys or "arg1" not in keys:
            raise invalid_field(f"{here}.parameter", "a condition needs arg0 and arg1")
        _check_parameters(params, f"{here}.parameter")


def _check_trigger_ids(ids: list[str], field: str, *, allow_new: bool) -> None:
    for i, value in enumerate(ids):
        if not value.isdigit() and not (allow_new and _NEW_ID.fullmatch(value)):
            raise invalid_field(f"{field}[{i}]", f"{value!r} is not a trigger id")


def _require_type_code(body: dict[str, Any], prefix: str) -> None:
    _require_text(body, "type", prefix)
    if not _TYPE_CODE.fullmatch(body["type"]):
        raise invalid_field(f"{prefix}.type", f"{body['type']!r} is not a template type code")


def check_tag(body: dict[str, Any], prefix: str, *, allow_new: bool = False) -> None:
    _require_text(body, "name", prefix)
    _require_type_code(body, prefix)
    _check_parameters(body.get("parameter", []), f"{prefix}.parameter")
    check_tag_type(body, prefix)
    for key in ("firingTriggerId", "blockingTriggerId"):
        _check_trigger_ids(body.get(key, []), f"{prefix}.{key}", allow_new=allow_new)
    if body.get("tagFiringOption") == "tagFiringOptionUnspecified":
        raise invalid_field(f"{prefix}.tagFiringOption", "must be set to a real option")
    for key in ("priority", "monitoringMetadata"):
        if key in body:
            check_parameter(body[key], f"{prefix}.{key}", keyed=False)
    consent = body.get("consentSettings", {})
    if "consentType" in consent:
        check_parameter(
            consent["consentType"], f"{prefix}.consentSettings.consentType", keyed=False
        )
    for key in ("setupTag", "teardownTag"):
        for i, ref in enumerate(body.get(key, [])):
            if not ref.get("tagName"):
                raise invalid_field(f"{prefix}.{key}[{i}].tagName", "the tag name is required")


def check_trigger(body: dict[str, Any], prefix: str) -> None:
    _require_text(body, "name", prefix)
    kind = body.get("type")
    if kind in (None, "eventTypeUnspecified"):
        raise invalid_field(f"{prefix}.type", "the trigger type is required")
    for key in _CONDITION_LISTS:
        _check_conditions(body.get(key, []), f"{prefix}.{key}")
    custom = body.get("customEventFilter", [])
    if kind == "customEvent":
        if len(custom) != 1:
            raise invalid_field(
                f"{prefix}.customEventFilter", "a customEvent trigger needs exactly one filter"
            )
        arg0 = next(p.get("value") for p in custom[0]["parameter"] if p.get("key") == "arg0")
        if arg0 != "{{_event}}":
            raise invalid_field(
                f"{prefix}.customEventFilter[0].parameter", "arg0 must be {{_event}}"
            )
    elif custom:
        raise invalid_field(f"{prefix}.customEventFilter", "only customEvent triggers have one")
    if kind not in ("linkClick", "formSubmission"):
        for key in _FORM_LINK_ONLY:
            if key in body:
                raise invalid_field(
                    f"{prefix}.{key}", "only valid for Form Submission and Link Click triggers"
                )
    if kind == "timer":
        for key in ("interval", "eventName", "autoEventFilter"):
            if not body.get(key):
                raise invalid_field(f"{prefix}.{key}", "a timer trigger requires it")
    for key, value in body.items():
        if isinstance(value, dict) and key not in _CONDITION_LISTS:
            check_parameter(value, f"{prefix}.{key}", keyed=False)
    _check_parameters(body.get("parameter", []), f"{prefix}.parameter")
    check_trigger_type(body, prefix)


def check_variable(body: dict[str, Any], prefix: str, *, allow_new: bool = False) -> None:
    _require_text(body, "name", prefix)
    _require_type_code(body, prefix)
    _check_parameters(body.get("parameter", []), f"{prefix}.parameter")
    for key in ("enablingTriggerId", "disablingTriggerId"):
        _check_trigger_ids(body.get(key, []), f"{prefix}.{key}", allow_new=allow_new)
    fmt = body.get("formatValue", {})
    for key, value in fmt.items():
        if isinstance(value, dict):
            check_parameter(value, f"{prefix}.formatValue.{key}", keyed=False)


def check_folder(body: dict[str, Any], prefix: str) -> None:
    _require_text(body, "name", prefix)


def check_entity(kind: str, body: dict[str, Any], prefix: str, *, allow_new: bool = False) -> None:
    if kind == "tag":
        check_tag(body, prefix, allow_new=allow_new)
    elif kind == "variable":
        check_variable(body, prefix, allow_new=allow_new)
    elif kind == "trigger":
        check_trigger(body, prefix)
    else:
        check_folder(body, prefix)
    parent = body.get("parentFolderId")
    if (
        parent is not None
        and not parent.isdigit()
        and not (allow_new and _NEW_ID.fullmatch(parent))
    ):
        raise invalid_field(f"{prefix}.parentFolderId", f"{parent!r} is not a folder id")
