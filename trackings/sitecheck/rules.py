"""What the sandbox needs from the compiled container: each tracking's trigger as conditions it
can evaluate, the listener scripts, and what the check does on the page (click, submit).

Pure: compiled entities in, plain data out (JSON for trackings/sitecheck/sandbox.js).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from trackings.compiler.entities import VARIABLE_REFERENCE
from trackings.compiler.types import DesiredContainer, entity_key

# The GTM auto-event each trigger type waits for (the sandbox pushes them as GTM would).
_TRIGGER_EVENTS = {
    "click": "gtm.click",
    "linkClick": "gtm.linkClick",
    "formSubmission": "gtm.formSubmit",
}
# GTM's built-in variables, by the name a condition writes in {{…}}.
_BUILT_INS: dict[str, dict[str, Any]] = {
    "Click Element": {"kind": "element"},
    "Form Element": {"kind": "element"},
    "Click URL": {"kind": "url"},
    "Form URL": {"kind": "url"},
    "Click Classes": {"kind": "classes"},
    "Form Classes": {"kind": "classes"},
    "Click ID": {"kind": "id"},
    "Form ID": {"kind": "id"},
    "Click Target": {"kind": "target"},
    "Click Text": {"kind": "text"},
    "Event": {"kind": "event"},
    "_event": {"kind": "event"},
    "Page URL": {"kind": "page_url"},
    "Page Path": {"kind": "page_path"},
    "Page Hostname": {"kind": "page_host", "strip_www": False},
    "Referrer": {"kind": "referrer"},
}


class Unsupported(Exception):
    """A trigger the sandbox cannot evaluate (a variable it does not know)."""


@dataclass(frozen=True)
class SandboxRule:
    tracking_id: UUID
    # "click" or "submit": what the check does to the matched element; None: it only looks.
    action: str | None
    event: str
    conditions: list[dict[str, Any]]
    check_validation: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "tracking": str(self.tracking_id),
            "event": self.event,
            "conditions": self.conditions,
            "check_validation": self.check_validation,
        }


def sandbox_rule(
    desired: DesiredContainer, tracking_id: UUID, config: Mapping[str, Any], *, whole_page: bool
) -> SandboxRule | None:
    """The tracking's main trigger as the sandbox evaluates it, or None when the check cannot
    act it out (not a click or a form, or a variable it does not know). `whole_page`: the
    tracking's page condition is left out (it names no single page; the check used the
    website's)."""
    trigger = _entity(desired, entity_key("trigger", tracking_id))
    if trigger is None:
        return None
    body = trigger.body
    kind = body.get("type")
    variables = _variables(desired)
    try:
        if kind in _TRIGGER_EVENTS:
            event = _TRIGGER_EVENTS[kind]
        elif kind == "customEvent":
            event = _custom_event(body)
        else:
            return None
        conditions = [
            _condition(c, variables)
            for c in body.get("filter", [])
            if not (whole_page and _is_page_condition(c))
        ]
    except Unsupported:
        return None
    action = _action(kind, config)
    if action is None:
        return None
    return SandboxRule(
        tracking_id=tracking_id,
        action=action,
        event=event,
        conditions=conditions,
        check_validation=_flag(body.get("checkValidation")),
    )


def listener_scripts(desired: DesiredContainer) -> list[str]:
    """The JavaScript of every listener tag (Custom HTML) the container has."""
    scripts = []
    for entity in desired.entities:
        if entity.entity_type == "tag" and entity.key.startswith(entity_key("listener", "")):
            html = _parameter(entity.body, "html")
            match = re.fullmatch(r"\s*<script>(.*)</script>\s*", html, flags=re.DOTALL)
            if match:
                scripts.append(match.group(1))
    return scripts


def _action(kind: str, config: Mapping[str, Any]) -> str | None:
    if not config.get("selector"):
        # Nothing named to click or fill (a tel: link rule, an embed): the check only looks.
        return None
    if kind in ("click", "linkClick"):
        return "click"
    if kind == "formSubmission":
        return "submit"
    if kind == "customEvent" and config.get("submission") == "ajax":
        # The form's own script sends it; the success is its event.
        return "submit"
    return None


def _entity(desired: DesiredContainer, key: str) -> Any:
    for entity in desired.entities:
        if entity.key == key:
            return entity
    return None


def _variables(desired: DesiredContainer) -> dict[str, dict[str, Any]]:
    """Our user-defined variables by name, as the sandbox resolves them."""
    known: dict[str, dict[str, Any]] = {}
    for entity in desired.entities:
        if entity.entity_type != "variable":
            continue
        body = entity.body
        kind = body.get("type")
        if kind == "v":
            known[entity.name] = {"kind": "dlv", "key": _parameter(body, "name")}
        elif kind == "u" and _parameter(body, "component") == "QUERY":
            known[entity.name] = {"kind": "query", "key": _parameter(body, "queryKey")}
        elif kind == "u" and _parameter(body, "component") == "HOST":
            source = _parameter(body, "customUrlSource")
            if source == "{{Click URL}}":
                known[entity.name] = {"kind": "click_host"}
            elif not source:
                known[entity.name] = {"kind": "page_host", "strip_www": True}
        elif kind == "jsm" and "document.title" in _parameter(body, "javascript"):
            known[entity.name] = {"kind": "title"}
    return known


def _custom_event(body: Mapping[str, Any]) -> str:
    for condition in body.get("customEventFilter", []):
        if condition.get("type") == "equals" and _parameter(condition, "arg0") == "{{_event}}":
            return _parameter(condition, "arg1")
    raise Unsupported("custom event without an event name")


def _condition(condition: Mapping[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": condition["type"],
        "left": _operand(_parameter(condition, "arg0"), variables),
        "right": _operand(_parameter(condition, "arg1"), variables),
        "negate": _flag(_param_dict(condition, "negate")),
        "ignore_case": _flag(_param_dict(condition, "ignore_case")),
    }


def _operand(value: str, variables: dict[str, Any]) -> Any:
    match = VARIABLE_REFERENCE.fullmatch(value)
    if match is None:
        if VARIABLE_REFERENCE.search(value):
            raise Unsupported(f"a value with a variable inside: {value}")
        return value
    name = match.group(1)
    if name in _BUILT_INS:
        return _BUILT_INS[name]
    if name in variables:
        return variables[name]
    raise Unsupported(f"variable {name}")


def _is_page_condition(condition: Mapping[str, Any]) -> bool:
    return _parameter(condition, "arg0") in ("{{Page Path}}", "{{Page URL}}")


def _param_dict(body: Mapping[str, Any], key: str) -> Any:
    for parameter in body.get("parameter", []):
        if parameter.get("key") == key:
            return parameter
    return None


def _parameter(body: Mapping[str, Any], key: str) -> str:
    parameter = _param_dict(body, key)
    return str(parameter.get("value", "")) if parameter else ""


def _flag(parameter: Any) -> bool:
    return bool(parameter) and str(parameter.get("value")) == "true"
