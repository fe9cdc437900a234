"""GA4 Admin API v1beta `properties.customDimensions`: create, list, get, patch, archive.

Rules, from the discovery document shipped in google-api-python-client (schema
GoogleAnalyticsAdminV1betaCustomDimension): `parameterName` is required and immutable,
alphanumeric and underscore starting with a letter, at most 24 characters for user-scoped and 40
for event-scoped dimensions; `displayName` is required, at most 82 characters, alphanumeric plus
space and underscore starting with a letter; `description` at most 150 characters; `scope` is
required (EVENT, USER or ITEM) and immutable; `disallowAdsPersonalization` is only supported on
user-scoped dimensions. A second dimension with the same parameter name and scope is 409
ALREADY_EXISTS. Limits per standard property (support.google.com/analytics/answer/10075209,
"Custom dimensions and metrics"): 50 event-scoped, 25 user-scoped, 10 item-scoped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, failed_precondition, invalid_field, not_found
from .handlers import Call, handles
from .state import STATE

_METHODS = "analyticsadmin.properties.customDimensions"
_PARAMETER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_DISPLAY = re.compile(r"[A-Za-z][A-Za-z0-9_ ]*")
MAX_PARAMETER = {"USER": 24, "EVENT": 40, "ITEM": 40}
LIMITS = {"EVENT": 50, "USER": 25, "ITEM": 10}
_MUTABLE = {"displayName", "description", "disallowAdsPersonalization"}


@dataclass
class DimensionsStore:
    # property -> dimension name -> body (archived ones are dropped)
    dimensions: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 1


def _carry_ids_over(old: DimensionsStore, new: DimensionsStore) -> None:
    new.next_id = max(new.next_id, old.next_id)


STATE.register_store("ga4_dimensions", DimensionsStore, carry_over=_carry_ids_over)


def _store() -> DimensionsStore:
    store: DimensionsStore = STATE.store("ga4_dimensions")
    return store


def _property(name: str) -> dict[str, dict[str, Any]]:
    if name not in STATE.store("ga4").properties:
        raise not_found(name)
    return _store().dimensions.setdefault(name, {})


def _check_mutable(body: dict[str, Any], scope: str) -> None:
    display = body.get("displayName")
    if not display:
        raise invalid_field("custom_dimension.display_name", "a value is required")
    if len(display) > 82 or not _DISPLAY.fullmatch(display):
        raise invalid_field(
            "custom_dimension.display_name",
            "at most 82 characters, alphanumeric, space and underscore, starting with a letter",
        )
    if len(body.get("description") or "") > 150:
        raise invalid_field("custom_dimension.description", "at most 150 characters")
    if body.get("disallowAdsPersonalization") and scope != "USER":
        raise invalid_field(
            "custom_dimension.disallow_ads_personalization",
            "only supported by user-scoped custom dimensions",
        )


@handles(f"{_METHODS}.create")
def dimensions_create(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    existing = _property(parent)
    body = call.body or {}
    scope = body.get("scope") or "DIMENSION_SCOPE_UNSPECIFIED"
    if scope == "DIMENSION_SCOPE_UNSPECIFIED":
        raise invalid_field("custom_dimension.scope", "a scope is required")
    parameter = body.get("parameterName") or ""
    if not parameter:
        raise invalid_field("custom_dimension.parameter_name", "a value is required")
    if len(parameter) > MAX_PARAMETER[scope] or not _PARAMETER.fullmatch(parameter):
        raise invalid_field(
            "custom_dimension.parameter_name",
            f"at most {MAX_PARAMETER[scope]} characters for {scope} scope, alphanumeric and "
            "underscore, starting with a letter",
        )
    _check_mutable(body, scope)
    same_scope = [d for d in existing.values() if d["scope"] == scope]
    if any(d["parameterName"] == parameter for d in same_scope):
        raise ApiError(
            409,
            f"A custom dimension with parameter name {parameter} already exists.",
            status="ALREADY_EXISTS",
        )
    if len(same_scope) >= LIMITS[scope]:
        raise failed_precondition(
            f"The property has reached its limit of {LIMITS[scope]} {scope}-scoped custom "
            "dimensions."
        )
    store = _store()
    name = f"{parent}/customDimensions/{store.next_id}"
    store.next_id += 1
    dimension = {
        "name": name,
        "parameterName": parameter,
        "displayName": body["displayName"],
        "scope": scope,
        **({"description": body["description"]} if body.get("description") else {}),
        **({"disallowAdsPersonalization": True} if body.get("disallowAdsPersonalization") else {}),
    }
    existing[name] = dimension
    return 200, dict(dimension)


@handles(f"{_METHODS}.list")
def dimensions_list(call: Call) -> tuple[int, Any]:
    found = [dict(d) for d in _property(call.param("parent")).values()]
    return 200, ({"customDimensions": found} if found else {})


def _dimension(name: str) -> dict[str, Any]:
    found = _property("/".join(name.split("/")[:2])).get(name)
    if found is None:
        raise not_found(name)
    return found


@handles(f"{_METHODS}.get")
def dimensions_get(call: Call) -> tuple[int, Any]:
    return 200, dict(_dimension(call.param("name")))


@handles(f"{_METHODS}.patch")
def dimensions_patch(call: Call) -> tuple[int, Any]:
    dimension = _dimension(call.param("name"))
    mask = [p.strip() for p in (call.param("updateMask") or "").split(",") if p.strip()]
    if not mask:
        raise invalid_field("update_mask", "a field mask is required")
    immutable = [p for p in mask if p not in _MUTABLE and p != "*"]
    if immutable:
        raise invalid_field("update_mask", f"{immutable[0]} cannot be changed")
    fields = _MUTABLE if "*" in mask else set(mask)
    body = call.body or {}
    updated = {**dimension, **{k: body[k] for k in fields if k in body}}
    _check_mutable(updated, dimension["scope"])
    dimension.clear()
    dimension.update({k: v for k, v in updated.items() if v not in (None, "", False)})
    return 200, dict(dimension)


@handles(f"{_METHODS}.archive")
def dimensions_archive(call: Call) -> tuple[int, Any]:
    name = call.param("name")
    _dimension(name)
    del _property("/".join(name.split("/")[:2]))[name]
    return 200, {}
