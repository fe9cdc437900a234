"""Validate JSON bodies against discovery schemas, as Google's JSON-to-proto front end does.

`validate_request` refuses unknown fields, wrong JSON types and unknown enum values with a 400
naming the field (`tag.parameter[2].type`) and answers a normalised copy: enums in the discovery
spelling (GTM's lower camel; the UI's UPPER_SNAKE spelling is accepted on input), int64 as
strings, `null` dropped (proto3 reads it as "not set"). `response_problems` is the strict check the
emulator applies to its own answers and the tests apply to everything they read back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .discovery import schemas
from .errors import ApiError

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def upper_snake(value: str) -> str:
    """`youTubeVideo` -> `YOU_TUBE_VIDEO` (the GTM UI export spelling of a discovery enum)."""
    if not any(c.islower() for c in value):
        return value
    return _CAMEL_BOUNDARY.sub("_", value).upper()


def normalise_enum(value: str, allowed: list[str]) -> str | None:
    if value in allowed:
        return value
    for candidate in allowed:
        if upper_snake(candidate) == value and candidate != value:
            return candidate
    return None


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_error(field: str, expected: str, value: Any) -> ApiError:
    return ApiError(
        400,
        f"Invalid value at field '{field}' ({expected}), {_short(value)}",
        field=field,
    )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Validator:
    def __init__(self, api: str, strict: bool) -> None:
        self.schemas = schemas(api)
        self.strict = strict  # strict: responses (exact spellings, types as Google emits them)

    def value(self, schema: dict[str, Any], value: Any, path: str) -> Any:
        if "$ref" in schema:
            return self.object(schema["$ref"], value, path)
        kind = schema.get("type")
        if kind == "any":
            return value
        if kind == "object":
            if "additionalProperties" in schema:
                if not isinstance(value, dict):
                    raise _type_error(path, "map", value)
                item = schema["additionalProperties"]
                return {k: self.value(item, v, f"{path}[{k!r}]") for k, v in value.items()}
            if not isinstance(value, dict):
                raise _type_error(path, "object", value)
            return self.properties(schema.get("properties", {}), value, path)
        if kind == "array":
            if not isinstance(value, list):
                raise _type_error(path, "TYPE_ARRAY", value)
            item = schema.get("items", {})
            return [self.value(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if kind == "boolean":
            if not isinstance(value, bool):
                raise _type_error(path, "TYPE_BOOL", value)
            return value
        if kind == "integer":
            return self.integer(schema, value, path)
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _type_error(path, "TYPE_DOUBLE", value)
            return value
        if kind == "string":
            return self.string(schema, value, path)
        return value

    def integer(self, schema: dict[str, Any], value: Any, path: str) -> int:
        if isinstance(value, bool):
            raise _type_error(path, "TYPE_INT32", value)
        if isinstance(value, int):
            return value
        if not self.strict and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        raise _type_error(path, "TYPE_INT32", value)

    def string(self, schema: dict[str, Any], value: Any, path: str) -> str:
        fmt = schema.get("format")
        if fmt in ("int64", "uint64"):
            # proto3 JSON: 64-bit integers travel as strings; numbers are accepted on input.
            if isinstance(value, int) and not isinstance(value, bool) and not self.strict:
                return str(value)
            if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
                raise _type_error(path, "TYPE_INT64", value)
            return value
        if not isinstance(value, str):
            raise _type_error(path, "TYPE_STRING", value)
        enum = schema.get("enum")
        if enum:
            normalised = value if self.strict and value in enum else None
            if not self.strict:
                normalised = normalise_enum(value, enum)
            if normalised is None:
                allowed = ", ".join(e for e in enum if not e.endswith("Unspecified"))
                raise ApiError(
                    400,
                    f"Invalid value at field '{path}' (enum), {_short(value)}: "
                    f"expected one of {allowed}",
                    field=path,
                )
            return normalised
        return value

    def object(self, name: str, value: Any, path: str) -> dict[str, Any]:
        schema = self.schemas[name]
        if not isinstance(value, dict):
            raise _type_error(path or name, "TYPE_MESSAGE", value)
        return self.properties(schema.get("properties", {}), value, path)

    def properties(self, props: dict[str, Any], value: dict[str, Any], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, item in value.items():
            field = _join(path, key)
            if key not in props:
                where = f" at field '{path}'" if path else ""
                raise ApiError(
                    400,
                    f'Invalid JSON payload received. Unknown name "{key}"{where}: '
                    f"Cannot find field '{field}'.",
                    field=field,
                )
            if item is None:
                if self.strict:
                    raise _type_error(field, "null", item)
                continue
            out[key] = self.value(props[key], item, field)
        return out


def validate_request(api: str, schema_name: str, body: Any, root: str = "") -> dict[str, Any]:
    """A normalised copy of `body`, or ApiError(400) naming the first offending field."""
    return _Validator(api, strict=False).object(schema_name, body, root)


def response_problems(api: str, schema_name: str, body: Any) -> str | None:
    """None when `body` is exactly what the discovery schema allows, else what is wrong."""
    try:
        _Validator(api, strict=True).object(schema_name, body, "")
    except ApiError as exc:
        return exc.message
    return None


def required_fields(api: str, schema_name: str) -> list[str]:
    """Fields whose description says `Required.` (Analytics Admin marks them this way)."""
    props = schemas(api)[schema_name].get("properties", {})
    return [k for k, v in props.items() if v.get("description", "").startswith("Required.")]


def output_only_fields(api: str, schema_name: str) -> list[str]:
    props = schemas(api)[schema_name].get("properties", {})
    return [
        k
        for k, v in props.items()
        if v.get("readOnly") or v.get("description", "").startswith("Output only.")
    ]
