"""`POST /_emulator/traffic`: record GA4 events and Google Ads conversions for a date, in bulk
(tests and demos seed history with it; live-like hits go through `/mp/collect`).

    {"ga4": [{"property": "properties/4000001", "date": "2026-12-01",
              "event_name": "add_to_cart", "count": 12}],
     "ads": [{"customer_id": "2220000002", "conversion_action_id": "6100000001",
              "date": "2026-12-01", "conversions": 3, "all_conversions": 4,
              "conversions_value": 120.5}]}

All or nothing: a bad entry is a 400 naming it and nothing is recorded. Days before today (the
property's or account's time zone) are history and show in reports at once; today's counts wait
for the configured processing delay like hits do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..state import STATE, ConfigError
from .store import AdsConversions, reports_store, visible_at


def _date(raw: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ConfigError(field, "must be a date YYYY-MM-DD") from None


def _number(raw: Any, field: str, *, integer: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
        raise ConfigError(field, "must be a number >= 0")
    if integer and not isinstance(raw, int):
        raise ConfigError(field, "must be an integer >= 0")
    return float(raw)


def _only(item: Any, field: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ConfigError(field, "must be an object")
    unknown = set(item) - allowed
    if unknown:
        raise ConfigError(f"{field}.{sorted(unknown)[0]}", "unknown field")
    missing = required - set(item)
    if missing:
        raise ConfigError(f"{field}.{sorted(missing)[0]}", "is required")
    return item


def traffic_record(body: Any) -> dict[str, int]:
    if not isinstance(body, dict) or set(body) - {"ga4", "ads"}:
        raise ConfigError("body", "must be {ga4: [...], ads: [...]}")
    ga4_items, ads_items = body.get("ga4") or [], body.get("ads") or []
    if not isinstance(ga4_items, list) or not isinstance(ads_items, list):
        raise ConfigError("body", "ga4 and ads must be lists")
    with STATE.lock:
        properties = STATE.store("ga4").properties
        ads = STATE.store("ads")
        ga4_rows = []
        for i, raw in enumerate(ga4_items):
            field = f"ga4[{i}]"
            item = _only(
                raw,
                field,
                {"property", "date", "event_name", "count"},
                {"property", "date", "event_name", "count"},
            )
            prop = properties.get(item["property"])
            if prop is None:
                raise ConfigError(f"{field}.property", "no such property")
            if not isinstance(item["event_name"], str) or not item["event_name"]:
                raise ConfigError(f"{field}.event_name", "must be an event name")
            day = _date(item["date"], f"{field}.date")
            count = int(_number(item["count"], f"{field}.count", integer=True))
            ga4_rows.append((item["property"], day, item["event_name"], count, prop["timeZone"]))
        ads_rows = []
        for i, raw in enumerate(ads_items):
            field = f"ads[{i}]"
            item = _only(
                raw,
                field,
                {
                    "customer_id",
                    "conversion_action_id",
                    "date",
                    "conversions",
                    "all_conversions",
                    "conversions_value",
                },
                {"customer_id", "conversion_action_id", "date", "conversions"},
            )
            account = ads.account(str(item["customer_id"]))
            if account is None:
                raise ConfigError(f"{field}.customer_id", "no such Ads account")
            action_id = (
                int(str(item["conversion_action_id"]))
                if str(item["conversion_action_id"]).isdigit()
                else -1
            )
            if action_id not in ads.actions_of(account.customer_id):
                raise ConfigError(
                    f"{field}.conversion_action_id", "no such conversion action in the account"
                )
            conversions = _number(item["conversions"], f"{field}.conversions")
            value = AdsConversions(
                conversions=conversions,
                # Google counts every conversion in all_conversions too.
                all_conversions=_number(
                    item.get("all_conversions", conversions), f"{field}.all_conversions"
                ),
                conversions_value=_number(
                    item.get("conversions_value", 0), f"{field}.conversions_value"
                ),
            )
            if value.all_conversions < value.conversions:
                raise ConfigError(f"{field}.all_conversions", "cannot be below conversions")
            day = _date(item["date"], f"{field}.date")
            ads_rows.append((account.customer_id, action_id, day, value, account.time_zone))
        store = reports_store()
        for prop_name, day, event_name, count, zone in ga4_rows:
            store.record_ga4(
                property_name=prop_name,
                day=day,
                event_name=event_name,
                count=count,
                visible_at=visible_at(day, zone, history=True),
            )
        for customer_id, action_id, day, value, zone in ads_rows:
            store.record_ads(
                customer_id=customer_id,
                action_id=action_id,
                day=day,
                value=value,
                visible_at=visible_at(day, zone, history=True),
            )
    return {"ga4": len(ga4_rows), "ads": len(ads_rows)}
