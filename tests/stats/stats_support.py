"""Daily numbers written straight into the table, for the API and alarm tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from stats.models import DailyStat, StatSource
from stats.services import customer_days_rebuild
from trackings.models import Tracking

TODAY = timezone.now().date()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def seed_ga4(tracking: Tracking, counts: dict[date, int], *, key_events: int = 0) -> None:
    DailyStat.objects.bulk_create(
        DailyStat(
            organization_id=tracking.organization_id,
            customer_id=tracking.customer_id,
            tracking=tracking,
            day=day,
            source=StatSource.GA4,
            events=count,
            key_events=min(key_events, count),
        )
        for day, count in counts.items()
    )
    _rebuild(tracking, list(counts))


def seed_ads(tracking: Tracking, conversions: dict[date, tuple[str, str]]) -> None:
    """day -> (conversions, value) as decimal strings."""
    DailyStat.objects.bulk_create(
        DailyStat(
            organization_id=tracking.organization_id,
            customer_id=tracking.customer_id,
            tracking=tracking,
            day=day,
            source=StatSource.GOOGLE_ADS,
            conversions=Decimal(count),
            all_conversions=Decimal(count),
            conversions_value=Decimal(value),
        )
        for day, (count, value) in conversions.items()
    )
    _rebuild(tracking, list(conversions))


def _rebuild(tracking: Tracking, days: list[date]) -> None:
    """What a pull does after writing its rows: the customer's days are summed again."""
    if days:
        customer_days_rebuild(
            organization_id=tracking.organization_id,
            customer_id=tracking.customer_id,
            start=min(days),
            end=max(days),
        )


def as_numbers(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["events"],
        row["key_events"],
        row["conversions"],
        row["all_conversions"],
        row["conversions_value"],
    )
