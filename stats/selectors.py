"""Reads of the daily numbers for the stats endpoints: one query each.

A tracking's days read the unique key's index; a customer's days read `CustomerDailyStat` (one
row a day, kept by the pulls); a customer by tracking sums its trackings' rows through
`dailystat_org_cust_day_idx` (the summed columns are included in it). Days without rows come
back as zero rows here, in Python, so a chart gets every day of the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from stats.models import CustomerDailyStat, DailyStat

METRICS = ("events", "key_events", "conversions", "all_conversions", "conversions_value")
GROUP_BY_DAY = "day"
GROUP_BY_TRACKING = "tracking"


@dataclass(frozen=True)
class StatsPeriod:
    start: date
    end: date


def _sums() -> dict[str, Any]:
    return {
        "events": Coalesce(Sum("events"), 0),
        "key_events": Coalesce(Sum("key_events"), 0),
        "conversions": Coalesce(Sum("conversions"), Decimal(0)),
        "all_conversions": Coalesce(Sum("all_conversions"), Decimal(0)),
        "conversions_value": Coalesce(Sum("conversions_value"), Decimal(0)),
    }


def _zero() -> dict[str, Any]:
    return {
        "events": 0,
        "key_events": 0,
        "conversions": Decimal(0),
        "all_conversions": Decimal(0),
        "conversions_value": Decimal(0),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = _zero()
    for row in rows:
        for metric in METRICS:
            totals[metric] += row[metric]
    return totals


def local_today(time_zone: str) -> date:
    """Today where the customer is: GA4 and Ads count days in the property's and account's time
    zone, which OneClickTag sets from the customer's when it creates them."""
    try:
        zone = ZoneInfo(time_zone or "Etc/UTC")
    except (ZoneInfoNotFoundError, ValueError):
        # Stored zones are validated; an unsaved, refused one (an admin form) must not crash.
        zone = ZoneInfo("Etc/UTC")
    return timezone.now().astimezone(zone).date()


def _by_day(rows: list[dict[str, Any]], period: StatsPeriod, today: date) -> list[dict[str, Any]]:
    found = {row["day"]: row for row in rows}
    out = []
    day = period.start
    while day <= period.end:
        row = found.get(day) or {"day": day, **_zero()}
        # Google is still counting today (and the numbers of the last pull are hours old).
        out.append({**row, "partial": day >= today})
        day += timedelta(days=1)
    return out


def tracking_daily_stats(
    *, organization_id: Any, tracking_id: Any, period: StatsPeriod, today: date
) -> dict[str, Any]:
    rows = [
        dict(row)
        for row in DailyStat.objects.filter(
            organization_id=organization_id,
            tracking_id=tracking_id,
            day__gte=period.start,
            day__lte=period.end,
        )
        .values("day")
        .annotate(**_sums())
        .order_by("day")
    ]
    return {"totals": _totals(rows), "results": _by_day(rows, period, today)}


def customer_daily_stats(
    *, organization_id: Any, customer_id: Any, period: StatsPeriod, group_by: str, today: date
) -> dict[str, Any]:
    if group_by == GROUP_BY_DAY:
        days = [
            dict(row)
            for row in CustomerDailyStat.objects.filter(
                organization_id=organization_id,
                customer_id=customer_id,
                day__gte=period.start,
                day__lte=period.end,
            )
            .values("day", *METRICS)
            .order_by("day")
        ]
        return {"totals": _totals(days), "results": _by_day(days, period, today)}
    rows = [
        dict(row)
        for row in DailyStat.objects.filter(
            organization_id=organization_id,
            customer_id=customer_id,
            day__gte=period.start,
            day__lte=period.end,
        )
        .values("tracking_id")
        .annotate(**_sums())
        .order_by("tracking_id")
    ]
    results = [{"tracking": row.pop("tracking_id"), **row} for row in rows]
    return {"totals": _totals(results), "results": results}


def customer_day_sums(
    *, organization_id: Any, customer_id: Any, start: date, end: date
) -> list[dict[str, Any]]:
    """The customer's days summed from the tracking rows (what `CustomerDailyStat` keeps)."""
    return [
        dict(row)
        for row in DailyStat.objects.filter(
            organization_id=organization_id,
            customer_id=customer_id,
            day__gte=start,
            day__lte=end,
        )
        .values("day")
        .annotate(**_sums())
        .order_by("day")
    ]
