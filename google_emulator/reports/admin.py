"""GA4 Admin API v1beta parts that feed reports: key events (which events the `keyEvents`
metric counts) and Measurement Protocol secrets (which `/mp/collect` hits are accepted)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import ApiError, invalid_field, not_found
from ..handlers import Call, handles
from ..state import STATE
from .store import reports_store

_ADMIN = "analyticsadmin.properties"
# Events GA4 itself marks as key events and that cannot be deleted (Admin API reference:
# `deletable` is false for them).
_BUILT_IN_KEY_EVENTS = frozenset({"purchase"})


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _property(name: str) -> None:
    if name not in STATE.store("ga4").properties:
        raise not_found(name)


def _stream(name: str) -> None:
    parent = "/".join(name.split("/")[:2])
    _property(parent)
    if name not in STATE.store("ga4").streams.get(parent, {}):
        raise not_found(name)


@handles(f"{_ADMIN}.keyEvents.create")
def key_events_create(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _property(parent)
    body = call.body or {}
    event_name = body.get("eventName") or ""
    if not event_name:
        raise invalid_field("key_event.event_name", "a value is required")
    if body.get("countingMethod") in (None, "COUNTING_METHOD_UNSPECIFIED"):
        raise invalid_field("key_event.counting_method", "a counting method is required")
    store = reports_store()
    existing = store.key_events.setdefault(parent, {})
    if event_name in existing:
        raise ApiError(409, f"Key event {event_name} already exists.", status="ALREADY_EXISTS")
    key_event = {
        "name": f"{parent}/keyEvents/{store.next_key_event}",
        "eventName": event_name,
        "createTime": _now(),
        "deletable": event_name not in _BUILT_IN_KEY_EVENTS,
        "custom": True,
        "countingMethod": body["countingMethod"],
        **({"defaultValue": body["defaultValue"]} if body.get("defaultValue") else {}),
    }
    store.next_key_event += 1
    existing[event_name] = key_event
    return 200, dict(key_event)


@handles(f"{_ADMIN}.keyEvents.list")
def key_events_list(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _property(parent)
    found = [dict(k) for k in reports_store().key_events.get(parent, {}).values()]
    return 200, ({"keyEvents": found} if found else {})


def _key_event(name: str) -> tuple[str, dict[str, Any]]:
    parent = "/".join(name.split("/")[:2])
    _property(parent)
    for event_name, key_event in reports_store().key_events.get(parent, {}).items():
        if key_event["name"] == name:
            return event_name, key_event
    raise not_found(name)


@handles(f"{_ADMIN}.keyEvents.get")
def key_events_get(call: Call) -> tuple[int, Any]:
    return 200, dict(_key_event(call.param("name"))[1])


@handles(f"{_ADMIN}.keyEvents.delete")
def key_events_delete(call: Call) -> tuple[int, Any]:
    name = call.param("name")
    event_name, key_event = _key_event(name)
    if not key_event["deletable"]:
        raise ApiError(400, f"Key event {event_name} cannot be deleted.")
    del reports_store().key_events["/".join(name.split("/")[:2])][event_name]
    return 200, {}


_SECRETS = f"{_ADMIN}.dataStreams.measurementProtocolSecrets"


@handles(f"{_SECRETS}.create")
def secrets_create(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _stream(parent)
    display_name = (call.body or {}).get("displayName") or ""
    if not display_name:
        raise invalid_field("measurement_protocol_secret.display_name", "a value is required")
    store = reports_store()
    secret = {
        "name": f"{parent}/measurementProtocolSecrets/{store.next_secret}",
        "displayName": display_name,
        "secretValue": store.new_secret_value(),
    }
    store.next_secret += 1
    store.mp_secrets.setdefault(parent, {})[secret["name"]] = secret
    return 200, dict(secret)


@handles(f"{_SECRETS}.list")
def secrets_list(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _stream(parent)
    found = [dict(s) for s in reports_store().mp_secrets.get(parent, {}).values()]
    return 200, ({"measurementProtocolSecrets": found} if found else {})


def _secret(name: str) -> dict[str, str]:
    stream = name.split("/measurementProtocolSecrets/", maxsplit=1)[0]
    _stream(stream)
    found = reports_store().mp_secrets.get(stream, {}).get(name)
    if found is None:
        raise not_found(name)
    return found


@handles(f"{_SECRETS}.get")
def secrets_get(call: Call) -> tuple[int, Any]:
    return 200, dict(_secret(call.param("name")))


@handles(f"{_SECRETS}.delete")
def secrets_delete(call: Call) -> tuple[int, Any]:
    name = call.param("name")
    _secret(name)
    del reports_store().mp_secrets[name.split("/measurementProtocolSecrets/")[0]][name]
    return 200, {}
