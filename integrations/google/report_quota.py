"""Quota of the reporting APIs, counted before each call like the GTM bucket (quota.py).

- GA4 Data API: core tokens per property, an hour and a Pacific day (settings
  `GA4_DATA_TOKENS_PER_HOUR`, `GA4_DATA_TOKENS_PER_DAY`). A request's cost is known only from
  Google's answer (`propertyQuota`, which we always ask for), so the tally is what Google said
  was consumed; Google's own `remaining` wins when it is lower. A property that is used up is
  refused here, without a call, until its hour or day turns.
- Google Ads: operations a Pacific day per developer token (`GOOGLE_ADS_OPERATIONS_PER_DAY`);
  each Search is one operation, taken before the call.

Counters live in the shared cache (Redis in production: `incr` is atomic across workers).
Refusals raise `GoogleQuotaExceeded` with the seconds until the window turns: tasks reschedule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from integrations.google.errors import GoogleQuotaExceeded
from integrations.google.quota import quota_day

HOUR_SECONDS = 3600


def _hour() -> tuple[str, float]:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H"), HOUR_SECONDS - (now.minute * 60 + now.second)


def _keys(property_id: str) -> tuple[str, float, str, float]:
    day, day_left = quota_day()
    hour, hour_left = _hour()
    prefix = f"ga4data-quota:{settings.GOOGLE_CLOUD_PROJECT}:{property_id}"
    return f"{prefix}:day:{day}", day_left, f"{prefix}:hour:{hour}", hour_left


def ga4_data_quota_check(*, property_id: str) -> None:
    """Refuse at once when the property's tokens of this hour or day are used up."""
    day_key, day_left, hour_key, hour_left = _keys(property_id)
    used = cache.get_many([day_key, hour_key])
    if int(used.get(day_key) or 0) >= int(settings.GA4_DATA_TOKENS_PER_DAY):
        raise GoogleQuotaExceeded(
            "The GA4 Data API tokens of this property are used up for today.",
            retry_after_seconds=day_left,
            api="ga4",
            daily=True,
        )
    if int(used.get(hour_key) or 0) >= int(settings.GA4_DATA_TOKENS_PER_HOUR):
        raise GoogleQuotaExceeded(
            "The GA4 Data API tokens of this property are used up for this hour.",
            retry_after_seconds=hour_left,
            api="ga4",
        )


def _add(key: str, amount: int, ttl: float) -> int:
    cache.add(key, 0, int(ttl) + 60)
    try:
        return int(cache.incr(key, amount))
    except ValueError:  # expired between add and incr
        cache.set(key, amount, int(ttl) + 60)
        return amount


def ga4_data_quota_record(*, property_id: str, property_quota: dict[str, Any] | None) -> None:
    """Count what Google says the request consumed; trust its `remaining` when lower."""
    quota = property_quota or {}
    day_key, day_left, hour_key, hour_left = _keys(property_id)
    for key, ttl, name, limit in (
        (day_key, day_left, "tokensPerDay", int(settings.GA4_DATA_TOKENS_PER_DAY)),
        (hour_key, hour_left, "tokensPerHour", int(settings.GA4_DATA_TOKENS_PER_HOUR)),
    ):
        status = quota.get(name) or {}
        used = _add(key, int(status.get("consumed") or 1), ttl)
        remaining = status.get("remaining")
        if remaining is not None and limit - used > int(remaining):
            # Someone else (another app on the property) spends its tokens too.
            cache.set(key, limit - int(remaining), int(ttl) + 60)


def ga4_data_tokens_used(*, property_id: str) -> dict[str, int]:
    day_key, _, hour_key, _ = _keys(property_id)
    used = cache.get_many([day_key, hour_key])
    return {"day": int(used.get(day_key) or 0), "hour": int(used.get(hour_key) or 0)}


def ads_operations_acquire(*, count: int = 1) -> None:
    """Take `count` Ads operations of today's developer-token quota, or refuse until tomorrow."""
    day, day_left = quota_day()
    key = f"ads-ops:{settings.GOOGLE_CLOUD_PROJECT}:{day}"
    used = _add(key, count, day_left)
    if used > int(settings.GOOGLE_ADS_OPERATIONS_PER_DAY):
        cache.decr(key, count)
        raise GoogleQuotaExceeded(
            "The Google Ads operations of the developer token are used up for today.",
            retry_after_seconds=max(1.0, day_left),
            api="ads",
            daily=True,
        )


def ads_operations_used() -> int:
    day, _ = quota_day()
    return int(cache.get(f"ads-ops:{settings.GOOGLE_CLOUD_PROJECT}:{day}") or 0)
