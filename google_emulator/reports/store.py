"""The traffic reports are computed from: GA4 event counts and Google Ads conversions per day.

Registered with ``STATE`` as store ``"reports"`` (so `/_emulator/reset` empties it and the state
file keeps it). Every count carries the moment it becomes visible to reports: Google processes
hits before they show ("today is incomplete"); `processing_delay_seconds` of `/_emulator/config`
sets how long (default 0: at once). Counts about days before today (the account's or property's
time zone) that the control endpoint records are history and visible at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ..state import STATE

STORE_NAME = "reports"


@dataclass
class AdsConversions:
    conversions: float = 0.0
    all_conversions: float = 0.0
    conversions_value: float = 0.0


@dataclass
class ReportsStore:
    # (property "properties/1", ISO date, event name) -> [(visible_at unix seconds, count)]
    ga4_events: dict[tuple[str, str, str], list[tuple[float, int]]] = field(default_factory=dict)
    # (customer id, conversion action id, ISO date) -> [(visible_at, conversions)]
    ads_conversions: dict[tuple[str, int, str], list[tuple[float, AdsConversions]]] = field(
        default_factory=dict
    )
    # Key events (Admin API `properties.keyEvents`): property -> event name -> KeyEvent body.
    key_events: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    # Measurement Protocol secrets: stream name -> secret name -> secret body.
    mp_secrets: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    # GA4 Data API core tokens spent: (property, "day:<Pacific date>" | "hour:<UTC hour>") -> n
    ga4_tokens: dict[tuple[str, str], int] = field(default_factory=dict)
    next_key_event: int = 1
    next_secret: int = 1

    def record_ga4(
        self, *, property_name: str, day: dt.date, event_name: str, count: int, visible_at: float
    ) -> None:
        key = (property_name, day.isoformat(), event_name)
        self.ga4_events.setdefault(key, []).append((visible_at, count))

    def record_ads(
        self,
        *,
        customer_id: str,
        action_id: int,
        day: dt.date,
        value: AdsConversions,
        visible_at: float,
    ) -> None:
        key = (customer_id, action_id, day.isoformat())
        self.ads_conversions.setdefault(key, []).append((visible_at, value))

    def ga4_counts(self, property_name: str) -> dict[tuple[str, str], int]:
        """(ISO date, event name) -> events visible now."""
        now = time.time()
        out: dict[tuple[str, str], int] = {}
        for (prop, day, name), entries in self.ga4_events.items():
            if prop != property_name:
                continue
            total = sum(count for visible_at, count in entries if visible_at <= now)
            if total:
                out[(day, name)] = total
        return out

    def ads_totals(self, customer_id: str) -> dict[tuple[int, str], AdsConversions]:
        """(conversion action id, ISO date) -> conversions visible now."""
        now = time.time()
        out: dict[tuple[int, str], AdsConversions] = {}
        for (customer, action_id, day), entries in self.ads_conversions.items():
            if customer != customer_id:
                continue
            total = AdsConversions()
            for visible_at, value in entries:
                if visible_at <= now:
                    total.conversions += value.conversions
                    total.all_conversions += value.all_conversions
                    total.conversions_value += value.conversions_value
            out[(action_id, day)] = total
        return out

    def new_secret_value(self) -> str:
        return secrets.token_urlsafe(16)


def _carry_ids_over(old: ReportsStore, new: ReportsStore) -> None:
    """After a reset, key event and secret ids go on from where they were (never reused)."""
    new.next_key_event = max(new.next_key_event, old.next_key_event)
    new.next_secret = max(new.next_secret, old.next_secret)


STATE.register_store(STORE_NAME, ReportsStore, carry_over=_carry_ids_over)


def reports_store() -> ReportsStore:
    store: ReportsStore = STATE.store(STORE_NAME)
    return store


def today_in(time_zone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(time_zone)).date()


def visible_at(day: dt.date, time_zone: str, *, history: bool) -> float:
    """When a count about `day` shows in reports: at once for history (a day before today),
    after the configured processing delay otherwise."""
    if history and day < today_in(time_zone):
        return 0.0
    return time.time() + STATE.config.processing_delay_seconds
