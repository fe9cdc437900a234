"""The tracking keeps its own copy of the volume alarm's state (`Tracking.volume_status`),
written where the stats app judges it: `?volume_status=` reads one index range in the list's
order instead of joining and sorting every judged tracking of the organization."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stats.models import TrackingVolume
from stats.services import customer_volumes_judge
from tests.fixtures.google import make_customer
from tests.fixtures.migrations import migrate, migrated_to
from tests.fixtures.trackings import make_tracking
from trackings.models import Tracking, TrackingStatus, VolumeStatus

from .stats_support import days_ago, seed_ga4


def _judged_silent(customer: Any) -> Any:
    tracking = make_tracking(customer, ga4_event_name="purchase", status=TrackingStatus.LIVE)
    seed_ga4(tracking, {days_ago(n): 25 for n in range(30, 1, -1)} | {days_ago(1): 0})
    return tracking


def test_judging_writes_the_trackings_copy_and_recovery_clears_it(alice: Any, bob: Any) -> None:
    silent = _judged_silent(make_customer(alice))
    bobs = make_tracking(make_customer(bob), ga4_event_name="purchase", status=TrackingStatus.LIVE)
    assert silent.volume_status == VolumeStatus.LEARNING

    customer_volumes_judge(customer=silent.customer, day=days_ago(1))
    silent.refresh_from_db()
    assert (
        silent.volume_status
        == VolumeStatus.SILENT
        == TrackingVolume.objects.get(tracking=silent).status
    )
    seed_ga4(silent, {days_ago(0): 25})
    customer_volumes_judge(customer=silent.customer, day=days_ago(0))
    silent.refresh_from_db()
    assert silent.volume_status == VolumeStatus.NORMAL
    # Another tenant's tracking was not judged, and its copy was not touched.
    bobs.refresh_from_db()
    assert bobs.volume_status == VolumeStatus.LEARNING


def test_the_filter_is_a_range_of_the_volume_index_with_no_join(alice: Any) -> None:
    customer = make_customer(alice)
    silent = _judged_silent(customer)
    for n in range(30):
        make_tracking(customer, name=f"Quiet {n}", status=TrackingStatus.LIVE)
    customer_volumes_judge(customer=customer, day=days_ago(1))

    with CaptureQueriesContext(connection) as captured:
        page = alice.client.get("/api/v1/trackings/", {"volume_status": "silent"}).json()
    assert [t["id"] for t in page["results"]] == [str(silent.pk)]
    (sql,) = [q["sql"] for q in captured.captured_queries if "trackings_tracking" in q["sql"]]
    assert "stats_trackingvolume" not in sql
    with connection.cursor() as cursor:
        # A small table PostgreSQL would rather read whole; priced out, the plan a large
        # organization gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (COSTS OFF) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tracking_org_volume_idx" in plan, plan
    assert "Sort" not in plan.split("tracking_org_volume_idx")[0], plan


def test_a_new_tracking_is_learning_and_outside_the_volume_index(alice: Any) -> None:
    tracking = make_tracking(make_customer(alice))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'tracking_org_volume_idx'"
        )
        (definition,) = cursor.fetchone()
    assert tracking.volume_status == VolumeStatus.LEARNING
    # Creates write nothing into it: every tracking starts `learning`.
    assert "NOT ((volume_status)::text = 'learning'::text)" in definition, definition


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_each_judged_state(alice: Any) -> None:
    customer = make_customer(alice)
    silent, normal, unjudged = (make_tracking(customer, name=n) for n in ("S", "N", "U"))
    before = [("stats", "0003_customer_daily_stat"), ("trackings", "0020_tracking_volume_status")]
    with migrated_to(before) as apps:
        Volume = apps.get_model("stats", "TrackingVolume")
        for tracking, status in ((silent, "silent"), (normal, "normal")):
            Volume.objects.create(
                tracking_id=tracking.pk, organization_id=alice.organization.pk, status=status
            )
        migrate([("stats", "0004_tracking_volume_status_copied")])
        states = dict(Tracking.all_objects.values_list("pk", "volume_status"))
        assert states == {silent.pk: "silent", normal.pk: "normal", unjudged.pk: "learning"}
