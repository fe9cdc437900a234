"""GA4 Measurement Protocol: `POST /mp/collect` and its validation server `/debug/mp/collect`.

As Google documents it (developers.google.com/analytics/devguides/collection/protocol/ga4:
"sending events", "reference", "validating events"): the query carries `measurement_id` and
`api_secret` (a secret of that web stream, Admin API `measurementProtocolSecrets`); the JSON body
carries `client_id` and up to 25 `events` `{name, params}`. `/mp/collect` always answers 2xx and
silently drops what it cannot use (unknown stream or secret, a malformed body, invalid events);
`/debug/mp/collect` answers the `validationMessages` instead and records nothing. Event names are
at most 40 characters, start with a letter and hold letters, digits and underscores; reserved
names and prefixes are refused; at most 25 params per event. Events may be backdated up to 72
hours with `timestamp_micros`. Recorded events count on the day of their timestamp in the
property's time zone and show in reports after the processing delay.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import Any
from zoneinfo import ZoneInfo

from ..http.messages import Request, Response, json_response
from ..state import STATE
from .store import reports_store, visible_at

MAX_EVENTS = 25
MAX_PARAMS = 25
MAX_NAME_LENGTH = 40
MAX_PARAM_NAME_LENGTH = 40
MAX_PARAM_VALUE_LENGTH = 100
MAX_BODY_BYTES = 130_000
BACKDATE_LIMIT = dt.timedelta(hours=72)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
RESERVED_EVENT_NAMES = frozenset(
    {
        "ad_activeview",
        "ad_click",
        "ad_exposure",
        "ad_query",
        "ad_reward",
        "adunit_exposure",
        "app_background",
        "app_clear_data",
        "app_exception",
        "app_remove",
        "app_store_refund",
        "app_store_subscription_cancel",
        "app_store_subscription_convert",
        "app_store_subscription_renew",
        "app_uninstall",
        "app_update",
        "app_upgrade",
        "dynamic_link_app_open",
        "dynamic_link_app_update",
        "dynamic_link_first_open",
        "error",
        "firebase_campaign",
        "firebase_in_app_message_action",
        "firebase_in_app_message_dismiss",
        "firebase_in_app_message_impression",
        "first_open",
        "first_visit",
        "in_app_purchase",
        "notification_dismiss",
        "notification_foreground",
        "notification_open",
        "notification_receive",
        "notification_send",
        "os_update",
        "screen_view",
        "session_start",
        "user_engagement",
    }
)
PATHS = ("/mp/collect", "/debug/mp/collect")


def _message(path: str, description: str, code: str) -> dict[str, str]:
    return {"fieldPath": path, "description": description, "validationCode": code}


def _stream_of(measurement_id: str) -> tuple[str, str] | None:
    """(property, stream name) of the web stream with this measurement id."""
    for prop, streams in STATE.store("ga4").streams.items():
        for name, stream in streams.items():
            if stream.get("webStreamData", {}).get("measurementId") == measurement_id:
                return prop, name
    return None


def _name_problem(name: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return "VALUE_REQUIRED"
    if len(name) > MAX_NAME_LENGTH:
        return "VALUE_OUT_OF_BOUNDS"
    if name in RESERVED_EVENT_NAMES or name.startswith(RESERVED_PREFIXES):
        return "NAME_RESERVED"
    if not _NAME.match(name):
        return "NAME_INVALID"
    return None


def _validate(body: Any, now: float) -> tuple[list[dict[str, str]], list[tuple[str, float]]]:
    """Validation messages, and the (event name, unix time) pairs worth recording."""
    if not isinstance(body, dict):
        return [_message("", "The body is not a JSON object.", "VALUE_INVALID")], []
    messages: list[dict[str, str]] = []
    if not isinstance(body.get("client_id"), str) or not body.get("client_id"):
        messages.append(_message("client_id", "client_id is required.", "VALUE_REQUIRED"))
    events = body.get("events")
    if not isinstance(events, list) or not events:
        messages.append(_message("events", "At least one event is required.", "VALUE_REQUIRED"))
        return messages, []
    if len(events) > MAX_EVENTS:
        messages.append(
            _message("events", f"At most {MAX_EVENTS} events per request.", "EXCEEDED_MAX_ENTITIES")
        )
        return messages, []
    base = body.get("timestamp_micros")
    accepted: list[tuple[str, float]] = []
    for i, event in enumerate(events):
        path = f"events[{i}]"
        if not isinstance(event, dict):
            messages.append(_message(path, "An event is an object.", "VALUE_INVALID"))
            continue
        problem = _name_problem(event.get("name"))
        if problem:
            messages.append(
                _message(f"{path}.name", f"Event name {event.get('name')!r} is {problem}.", problem)
            )
            continue
        params = event.get("params") or {}
        if not isinstance(params, dict):
            messages.append(_message(f"{path}.params", "params is an object.", "VALUE_INVALID"))
            continue
        if len(params) > MAX_PARAMS:
            messages.append(_message(f"{path}.params", "Too many params.", "EXCEEDED_MAX_ENTITIES"))
            continue
        bad_param = next(
            (
                key
                for key, value in params.items()
                if len(key) > MAX_PARAM_NAME_LENGTH
                or (isinstance(value, str) and len(value) > MAX_PARAM_VALUE_LENGTH)
            ),
            None,
        )
        if bad_param is not None:
            messages.append(
                _message(f"{path}.params.{bad_param}", "Too long.", "VALUE_OUT_OF_BOUNDS")
            )
            continue
        stamp = event.get("timestamp_micros", base)
        when = now
        if stamp is not None:
            try:
                when = int(stamp) / 1_000_000
            except (TypeError, ValueError):
                messages.append(
                    _message(f"{path}.timestamp_micros", "Not a number.", "VALUE_INVALID")
                )
                continue
            if when < now - BACKDATE_LIMIT.total_seconds() or when > now + 60:
                messages.append(
                    _message(
                        f"{path}.timestamp_micros",
                        "Events may be backdated up to 72 hours.",
                        "VALUE_OUT_OF_BOUNDS",
                    )
                )
                continue
        accepted.append((event["name"], when))
    return messages, accepted


def handle(req: Request) -> Response:
    debug = req.path == "/debug/mp/collect"
    method = "measurement_protocol.debug_collect" if debug else "measurement_protocol.collect"
    if req.method != "POST":
        STATE.record_call(method, True)
        return Response(405, b"", {"Allow": "POST"})
    messages: list[dict[str, str]] = []
    accepted: list[tuple[str, float]] = []
    found = None
    if len(req.body) > MAX_BODY_BYTES:
        messages.append(_message("", "The body is larger than 130kB.", "VALUE_OUT_OF_BOUNDS"))
    else:
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            body = None
        messages, accepted = _validate(body, time.time())
        measurement_id = req.first("measurement_id") or ""
        secret = req.first("api_secret") or ""
        with STATE.lock:
            found = _stream_of(measurement_id)
            secrets = reports_store().mp_secrets.get(found[1], {}) if found else {}
            if found is None:
                messages.append(
                    _message("measurement_id", "Unknown measurement_id.", "VALUE_INVALID")
                )
            elif not any(s["secretValue"] == secret for s in secrets.values()):
                messages.append(_message("api_secret", "Unknown api_secret.", "VALUE_INVALID"))
    STATE.record_call(method, False)
    if debug:
        return json_response(200, {"validationMessages": messages})
    refused = {"measurement_id", "api_secret", "client_id", ""}
    if found is not None and not any(m["fieldPath"] in refused for m in messages):
        with STATE.lock:
            prop = STATE.store("ga4").properties[found[0]]
            zone = ZoneInfo(prop["timeZone"])
            store = reports_store()
            for name, when in accepted:
                day = dt.datetime.fromtimestamp(when, zone).date()
                store.record_ga4(
                    property_name=found[0],
                    day=day,
                    event_name=name,
                    count=1,
                    visible_at=visible_at(day, prop["timeZone"], history=False),
                )
    return Response(204)
