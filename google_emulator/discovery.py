"""The official discovery documents shipped in google-api-python-client, used as the contract.

Routing (`match`), parameter checks (`check_parameters`) and, in schema.py, request/response body
validation all read these documents, so the emulator accepts exactly the URLs and fields that the
client library builds from the same files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import googleapiclient

from .errors import ApiError, invalid_field

DOCUMENTS_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
# Short api name (used by faults and handlers) -> discovery document file.
DOCUMENTS = {
    "gtm": "tagmanager.v2.json",
    "ga4": "analyticsadmin.v1beta.json",
    "ga4data": "analyticsdata.v1beta.json",
}


@cache
def document(api: str) -> dict[str, Any]:
    with (DOCUMENTS_DIR / DOCUMENTS[api]).open(encoding="utf-8") as fh:
        return json.load(fh)


def schemas(api: str) -> dict[str, Any]:
    return document(api)["schemas"]


@dataclass(frozen=True)
class MethodSpec:
    api: str
    id: str
    http_method: str
    regex: re.Pattern[str]
    literal_length: int  # more literal characters = more specific, tried first
    parameters: dict[str, Any]
    request_schema: str | None
    response_schema: str | None
    scopes: tuple[str, ...]


def _iter_methods(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(resource.get("methods", {}).values())
    for child in resource.get("resources", {}).values():
        found.extend(_iter_methods(child))
    return found


def _path_regex(template: str, parameters: dict[str, Any]) -> tuple[re.Pattern[str], int]:
    """`tagmanager/v2/{+parent}/tags` -> a regex with a named group per path parameter."""
    out: list[str] = []
    literal = 0
    pos = 0
    for m in re.finditer(r"\{(\+?)(\w+)\}", template):
        chunk = template[pos : m.start()]
        out.append(re.escape(chunk))
        literal += len(chunk)
        reserved, name = m.group(1), m.group(2)
        pattern = parameters.get(name, {}).get("pattern")
        if pattern:
            body = pattern.removeprefix("^").removesuffix("$")
        else:
            body = ".+" if reserved else "[^/]+"
        out.append(f"(?P<{name}>{body})")
        pos = m.end()
    tail = template[pos:]
    out.append(re.escape(tail))
    literal += len(tail)
    return re.compile("^/" + "".join(out) + "$"), literal


@cache
def methods() -> tuple[MethodSpec, ...]:
    specs: list[MethodSpec] = []
    for api in DOCUMENTS:
        doc = document(api)
        for raw in _iter_methods(doc):
            params = raw.get("parameters", {})
            regex, literal = _path_regex(raw["path"], params)
            specs.append(
                MethodSpec(
                    api=api,
                    id=raw["id"],
                    http_method=raw["httpMethod"],
                    regex=regex,
                    literal_length=literal,
                    parameters=params,
                    request_schema=raw.get("request", {}).get("$ref"),
                    response_schema=raw.get("response", {}).get("$ref"),
                    scopes=tuple(raw.get("scopes", ())),
                )
            )
    specs.sort(key=lambda s: -s.literal_length)
    return tuple(specs)


def method_by_id(method_id: str) -> MethodSpec:
    for spec in methods():
        if spec.id == method_id:
            return spec
    raise KeyError(method_id)


def match(http_method: str, path: str) -> tuple[MethodSpec, dict[str, str]] | None:
    """The discovery method a request URL path belongs to, with its decoded path parameters."""
    decoded = unquote(path)
    for spec in methods():
        if spec.http_method != http_method:
            continue
        m = spec.regex.match(decoded)
        if m:
            return spec, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


def path_known(path: str) -> bool:
    decoded = unquote(path)
    return any(spec.regex.match(decoded) for spec in methods())


_BOOL = {"true": True, "false": False}


def check_parameters(
    spec: MethodSpec, path_params: dict[str, str], query: dict[str, list[str]]
) -> dict[str, Any]:
    """Validate query parameters against the method's declaration; answer typed values.

    Unknown parameters are refused like Google does (`Unknown name`), `repeated` ones come back as
    lists, booleans/integers are parsed, enums checked, required ones enforced.
    """
    values: dict[str, Any] = dict(path_params)
    standard = {
        "alt",
        "fields",
        "key",
        "oauth_token",
        "prettyPrint",
        "quotaUser",
        "userIp",
        "$.xgafv",
        "access_token",
        "callback",
        "upload_protocol",
        "uploadType",
    }
    for name, raw_values in query.items():
        if name in standard:
            continue
        decl = spec.parameters.get(name)
        if decl is None or decl.get("location") != "query":
            raise ApiError(
                400,
                f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                "parameter. Field '" + name + "' could not be found in request message.",
                field=name,
            )
        parsed = [_parse_query_value(name, decl, raw) for raw in raw_values]
        if decl.get("repeated"):
            values[name] = parsed
        else:
            if len(parsed) > 1:
                raise invalid_field(name, "the parameter is not repeated but was sent twice")
            values[name] = parsed[0]
    for name, decl in spec.parameters.items():
        if decl.get("required") and name not in values:
            raise invalid_field(name, "the required parameter is missing")
        pattern = decl.get("pattern") if decl.get("location") == "path" else None
        if pattern and name in values and not re.match(pattern, values[name]):
            raise invalid_field(name, f"{values[name]!r} does not match {pattern}")
    return values


def _parse_query_value(name: str, decl: dict[str, Any], raw: str) -> Any:
    kind = decl.get("type", "string")
    if kind == "boolean":
        if raw.lower() not in _BOOL:
            raise invalid_field(name, f"{raw!r} is not a boolean")
        return _BOOL[raw.lower()]
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            raise invalid_field(name, f"{raw!r} is not an integer")
        return int(raw)
    enum = decl.get("enum")
    if enum:
        from .schema import normalise_enum

        value = normalise_enum(raw, enum)
        if value is None:
            raise invalid_field(name, f"{raw!r} is not one of the allowed values")
        return value
    return raw
