"""The tracking-type catalog: every type GOOGLE.md lists, its config schema and destinations.

Public API: ``TrackingType``, ``all_tracking_types()``, ``get_tracking_type(key)``,
``validate_tracking_config(type_key, config)`` and ``config_with_defaults(type_key, config)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from trackings.catalog import behavioural, commerce, engagement, interactions, social
from trackings.catalog.base import GA4, GOOGLE_ADS, MANY_PER_CLICK, ONE_PER_CLICK, TrackingType
from trackings.catalog.js_regex import js_regex_problem

__all__ = [
    "CATEGORIES",
    "GA4",
    "GOOGLE_ADS",
    "MANY_PER_CLICK",
    "ONE_PER_CLICK",
    "TrackingType",
    "all_tracking_types",
    "config_with_defaults",
    "get_tracking_type",
    "validate_tracking_config",
]

CATEGORIES = (
    "interactions",
    "forms",
    "ecommerce",
    "lead_generation",
    "engagement",
    "navigation",
    "social",
    "content",
    "custom",
    "behavioural",
    "niche",
)

_TYPES: tuple[TrackingType, ...] = tuple(
    sorted(
        [
            *interactions.TYPES,
            *commerce.TYPES,
            *engagement.TYPES,
            *social.TYPES,
            *behavioural.TYPES,
        ],
        key=lambda t: (CATEGORIES.index(t.category), t.key),
    )
)
_BY_KEY = {t.key: t for t in _TYPES}


def all_tracking_types() -> list[TrackingType]:
    """Every type, grouped by category in the catalog's order."""
    return list(_TYPES)


def get_tracking_type(key: str) -> TrackingType:
    """The type with this key; ``KeyError`` when there is none."""
    return _BY_KEY[key]


@cache
def _validator(type_key: str) -> Draft202012Validator:
    return Draft202012Validator(_BY_KEY[type_key].config_schema)


@cache
def _fast_validator(type_key: str) -> jsonschema_rs.Draft202012Validator:
    return jsonschema_rs.Draft202012Validator(dict(_BY_KEY[type_key].config_schema))


def _plainly_valid(type_key: str, config: Mapping[str, Any]) -> bool:
    """Valid by jsonschema-rs (Rust, fifty times faster: a tenth of a bulk create of 100 was
    Python's jsonschema), for a config both validators read alike. Their regular expressions
    differ on some characters (Python's `\\s` takes U+001C to U+001F, Rust's does not; Python's
    `$` matches before a final newline), so only a config of printable ASCII text, finite
    numbers within 64 bits, booleans and nulls is taken on Rust's word; any other, and every
    invalid one, is judged by Python's jsonschema, whose errors are the messages."""
    return _plain(config) and _fast_validator(type_key).is_valid(config)


_INT64 = range(-(2**63), 2**63)


def _plain(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not (item.isascii() and item.isprintable()):
                return False
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if item not in _INT64:
                return False
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                return False
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        else:
            return False
    return True


def _path(parts: Any) -> str:
    return ".".join(["config", *(str(p) for p in parts)])


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    """(field path, message) pairs a person can act on, for one schema error."""
    instance = error.instance
    if error.validator == "required" and isinstance(instance, Mapping):
        return [
            (_path([*error.absolute_path, name]), "This field is required.")
            for name in error.validator_value
            if name not in instance
        ]
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = error.schema.get("properties", {})
        return [
            (_path([*error.absolute_path, name]), "Unknown field.")
            for name in instance
            if name not in known
        ]
    if error.validator == "anyOf" and all(
        set(option) == {"required"} for option in error.validator_value
    ):
        names = [option["required"][0] for option in error.validator_value]
        message = "Give at least one of: " + ", ".join(names) + "."
        return [(_path([*error.absolute_path, name]), message) for name in names]
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [(_path(error.absolute_path), f"Must be one of: {allowed}.")]
    return [(_path(error.absolute_path), _SIMPLE_MESSAGES.get(error.validator, _raw)(error))]


def _raw(error: ValidationError) -> str:
    return error.message


_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "array": "a list",
    "object": "an object",
}
_SIMPLE_MESSAGES: dict[str, Any] = {
    "type": lambda e: f"Must be {_TYPE_NAMES.get(e.validator_value, e.validator_value)}.",
    "minimum": lambda e: f"Must be at least {e.validator_value}.",
    "maximum": lambda e: f"Must be at most {e.validator_value}.",
    "minItems": lambda e: f"Give at least {e.validator_value}.",
    "maxItems": lambda e: f"Give at most {e.validator_value}.",
    "uniqueItems": lambda e: "Items must not repeat.",
    "minLength": lambda e: "Must not be blank.",
    "maxLength": lambda e: f"Must be at most {e.validator_value} characters.",
    # Patterns: selectors must hold a non-space character; names a limited alphabet.
    "pattern": lambda e: (
        "Must not be blank."
        if e.validator_value == r"\S"
        else (f"Has an invalid format (expected {e.validator_value}).")
    ),
}


def validate_tracking_config(type_key: str, config: Any) -> dict[str, list[str]]:
    """Field path (``config.selector``) -> messages; empty when the config is valid."""
    if type_key not in _BY_KEY:
        return {"type": [f"Unknown tracking type '{type_key}'."]}
    if not isinstance(config, Mapping):
        return {"config": ["Must be an object."]}
    errors: dict[str, list[str]] = {}
    if not _plainly_valid(type_key, config):
        for error in sorted(_validator(type_key).iter_errors(config), key=lambda e: e.json_path):
            for path, message in _messages(error):
                if message not in errors.setdefault(path, []):
                    errors[path].append(message)
    for path, problem in _bad_regexes(config, ["config"]):
        errors.setdefault(path, []).append(problem)
    return errors


def _bad_regexes(node: Any, path: list[str]) -> Iterator[tuple[str, str]]:
    """URL conditions with operator ``regex`` whose value is not a regular expression.

    GTM evaluates the pattern in the browser, so JavaScript's engine judges it (js_regex).
    """
    if isinstance(node, Mapping):
        value = node.get("value")
        if node.get("operator") == "regex" and isinstance(value, str):
            problem = js_regex_problem(value)
            if problem:
                yield ".".join([*path, "value"]), problem
        for key, child in node.items():
            yield from _bad_regexes(child, [*path, str(key)])


def config_with_defaults(type_key: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with the schema's top-level defaults filled in (valid configs only)."""
    schema = _BY_KEY[type_key].config_schema
    merged = dict(config)
    for name, prop in schema.get("properties", {}).items():
        if name not in merged and "default" in prop:
            merged[name] = prop["default"]
    return merged
