"""The beat's fan-out run by a real Celery worker (a subprocess on the test Redis broker) against
the emulator: `stats.pull_all` queues one pull per connected customer, the worker stores the
numbers and judges yesterday, and a customer of another organization gets its own pull."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from stats.models import DailyStat, StatSource, TrackingVolume
from stats.tasks import pull_all
from tests.fixtures.trackings import connection_of, make_tracking, wait_for
from tests.google_emulator.reports_support import record_traffic
from trackings.models import TrackingStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_beat_pulls_every_connected_customer_through_a_worker(
    alice: Any, bob: Any, connect_customer: Any, celery_workers: Any, google_emulator: Any
) -> None:
    yesterday = timezone.now().date() - timedelta(days=1)
    trackings = []
    for tenant, count in ((alice, 11), (bob, 4)):
        # A GTM container serves one customer: Bob's gets a new one.
        choices = {} if tenant is alice else {"gtm_container_id": "create"}
        customer = connect_customer(tenant, **choices)
        prop = f"properties/{connection_of(customer).ga4_property_id}"
        event = f"purchase_{tenant.name}"
        trackings.append(make_tracking(customer, ga4_event_name=event, status=TrackingStatus.LIVE))
        record_traffic(
            google_emulator.http_url,
            ga4=[
                {
                    "property": prop,
                    "date": yesterday.isoformat(),
                    "event_name": event,
                    "count": count,
                }
            ],
        )
    celery_workers.start(purge=True)

    pull_all.delay()  # what the beat sends every 3 hours
    wait_for(
        lambda: TrackingVolume.objects.filter(tracking__in=trackings).count() == 2,
        what="both customers pulled and judged",
    )

    for tracking, count in zip(trackings, (11, 4), strict=True):
        row = DailyStat.objects.get(tracking=tracking, day=yesterday, source=StatSource.GA4)
        assert row.events == count
        assert DailyStat.objects.filter(tracking=tracking).count() == 30  # the backfill
        assert TrackingVolume.objects.get(tracking=tracking).judged_day == yesterday
