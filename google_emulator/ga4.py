"""Google Analytics Admin API v1beta: accounts, properties and web data streams."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from . import seed
from .errors import failed_precondition, invalid_field, not_found
from .handlers import Call, handles
from .schema import output_only_fields, required_fields
from .state import STATE

_PROPERTY = "GoogleAnalyticsAdminV1betaProperty"
_STREAM = "GoogleAnalyticsAdminV1betaDataStream"
_FILTER = re.compile(r"^(parent|ancestor):(accounts/\d+)$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@dataclass
class Ga4Store:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    streams: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # by property
    measurement_ids: set[str] = field(default_factory=set)
    next_property: int = int(seed.GA4_PROPERTY.split("/")[1]) + 1
    next_stream: int = 5000000001

    def new_measurement_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        while True:
            value = "G-" + "".join(secrets.choice(alphabet) for _ in range(10))
            if value not in self.measurement_ids:
                self.measurement_ids.add(value)
                return value


def seeded_store() -> Ga4Store:
    store = Ga4Store()
    created = _now()
    store.accounts[seed.GA4_ACCOUNT] = {
        "name": seed.GA4_ACCOUNT,
        "displayName": seed.GA4_ACCOUNT_NAME,
        "regionCode": "US",
        "createTime": created,
        "updateTime": created,
    }
    store.properties[seed.GA4_PROPERTY] = {
        "name": seed.GA4_PROPERTY,
        "propertyType": "PROPERTY_TYPE_ORDINARY",
        "parent": seed.GA4_ACCOUNT,
        "displayName": seed.GA4_PROPERTY_NAME,
        "timeZone": seed.GA4_PROPERTY_TIME_ZONE,
        "currencyCode": seed.GA4_PROPERTY_CURRENCY,
        "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",
        "account": seed.GA4_ACCOUNT,
        "createTime": created,
        "updateTime": created,
    }
    store.streams[seed.GA4_PROPERTY] = {}
    return store


def _carry_ids_over(old: Ga4Store, new: Ga4Store) -> None:
    """After a reset, property, stream and measurement ids go on; none is handed out twice."""
    new.next_property = max(new.next_property, old.next_property)
    new.next_stream = max(new.next_stream, old.next_stream)
    new.measurement_ids |= old.measurement_ids


STATE.register_store("ga4", seeded_store, carry_over=_carry_ids_over)


def _store() -> Ga4Store:
    store: Ga4Store = STATE.store("ga4")
    return store


def _property(name: str) -> dict[str, Any]:
    found = _store().properties.get(name)
    if found is None:
        raise not_found(name)
    return found


def _input(schema: str, body: dict[str, Any], root: str) -> dict[str, Any]:
    """Drop output-only fields (Google ignores them) and enforce the `Required.` ones."""
    clean = {k: v for k, v in body.items() if k not in output_only_fields("ga4", schema)}
    for name in required_fields("ga4", schema):
        if clean.get(name) in (None, ""):
            raise invalid_field(f"{root}.{name}", "a value is required")
    return clean


_ADMIN = "analyticsadmin"


@handles(f"{_ADMIN}.accounts.list")
def accounts_list(call: Call) -> tuple[int, Any]:
    return 200, {"accounts": [dict(a) for a in _store().accounts.values()]}


@handles(f"{_ADMIN}.accounts.get")
def accounts_get(call: Call) -> tuple[int, Any]:
    found = _store().accounts.get(call.param("name"))
    if found is None:
        raise not_found(call.param("name"))
    return 200, dict(found)


@handles(f"{_ADMIN}.properties.list")
def properties_list(call: Call) -> tuple[int, Any]:
    raw = call.param("filter")
    if not raw:
        raise invalid_field("filter", "a filter like parent:accounts/123 is required")
    m = _FILTER.match(raw.strip())
    if m is None:
        raise invalid_field("filter", f"{raw!r} is not parent:accounts/<id> or ancestor:...")
    account = m.group(2)
    found = [dict(p) for p in _store().properties.values() if p["parent"] == account]
    return 200, ({"properties": found} if found else {})


@handles(f"{_ADMIN}.properties.get")
def properties_get(call: Call) -> tuple[int, Any]:
    return 200, dict(_property(call.param("name")))


@handles(f"{_ADMIN}.properties.create")
def properties_create(call: Call) -> tuple[int, Any]:
    body = _input(_PROPERTY, call.body or {}, "property")
    store = _store()
    parent = body.get("parent")
    if not parent:
        raise invalid_field("property.parent", "the parent account is required")
    if parent not in store.accounts:
        raise not_found(parent)
    if body["timeZone"] not in _time_zones():
        raise invalid_field("property.timeZone", f"{body['timeZone']!r} is not a time zone")
    currency = body.get("currencyCode", "USD")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise invalid_field("property.currencyCode", f"{currency!r} is not an ISO 4217 code")
    kind = body.get("propertyType", "PROPERTY_TYPE_ORDINARY")
    if kind != "PROPERTY_TYPE_ORDINARY":
        raise invalid_field("property.propertyType", "only ordinary properties can be created")
    if body.get("industryCategory") == "INDUSTRY_CATEGORY_UNSPECIFIED":
        body.pop("industryCategory")
    name = f"properties/{store.next_property}"
    store.next_property += 1
    created = _now()
    prop = {
        **body,
        "name": name,
        "propertyType": kind,
        "currencyCode": currency,
        "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",
        "account": parent,
        "createTime": created,
        "updateTime": created,
    }
    store.properties[name] = prop
    store.streams[name] = {}
    return 200, dict(prop)


@handles(f"{_ADMIN}.properties.dataStreams.list")
def streams_list(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _property(parent)
    found = [dict(s) for s in _store().streams[parent].values()]
    return 200, ({"dataStreams": found} if found else {})


@handles(f"{_ADMIN}.properties.dataStreams.get")
def streams_get(call: Call) -> tuple[int, Any]:
    name = call.param("name")
    parent = "/".join(name.split("/")[:2])
    _property(parent)
    found = _store().streams[parent].get(name)
    if found is None:
        raise not_found(name)
    return 200, dict(found)


@handles(f"{_ADMIN}.properties.dataStreams.create")
def streams_create(call: Call) -> tuple[int, Any]:
    parent = call.param("parent")
    _property(parent)
    body = _input(_STREAM, call.body or {}, "data_stream")
    if body["type"] == "DATA_STREAM_TYPE_UNSPECIFIED":
        raise invalid_field("data_stream.type", "a stream type is required")
    if body["type"] != "WEB_DATA_STREAM":
        # App streams need a Firebase app behind them, which this emulator does not have.
        raise failed_precondition("Only WEB_DATA_STREAM streams can be created here.")
    web = body.get("webStreamData")
    if not web:
        raise invalid_field("data_stream.webStreamData", "required for WEB_DATA_STREAM")
    if not body.get("displayName"):
        raise invalid_field("data_stream.displayName", "required for web data streams")
    uri = web.get("defaultUri", "")
    if uri and not re.fullmatch(r"https?://[^\s/]+[^\s]*", uri):
        raise invalid_field("data_stream.webStreamData.defaultUri", f"{uri!r} is not a URL")
    store = _store()
    name = f"{parent}/dataStreams/{store.next_stream}"
    store.next_stream += 1
    created = _now()
    stream = {
        "name": name,
        "type": "WEB_DATA_STREAM",
        "displayName": body["displayName"],
        "webStreamData": {
            **({"defaultUri": uri} if uri else {}),
            "measurementId": store.new_measurement_id(),
        },
        "createTime": created,
        "updateTime": created,
    }
    store.streams[parent][name] = stream
    return 200, dict(stream)
