"""The keyset cursor (oneclicktag/core/pagination.py) on an ordering field that can be NULL, and
the plan PostgreSQL makes of a page deep in a tie run: the list's index, no OFFSET, no read from
the start of the run. The trackings' orderings over HTTP: tests/trackings/test_api_pagination.py."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oneclicktag.core.pagination import Position, decode_position, encode_position, order_keys
from tenants.models import ApiKey, Role
from tests.trackings.test_api_pagination import PAGE, TRACKINGS, get
from trackings.models import Tracking

API_KEYS = "/api/v1/api-keys/"


def keys_used(tenant: Any, times: list[datetime.datetime | None]) -> None:
    ApiKey.objects.bulk_create(
        ApiKey(
            organization=tenant.organization,
            name=f"key {index}",
            role=Role.VIEWER,
            prefix=f"{tenant.name[:3]}{index:05d}",
            secret_hash="-",
            last_used_at=used,
        )
        for index, used in enumerate(times)
    )


def walk_both_ways(client, url: str, params: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every id following `next` from the first page, and following `previous` back from the
    last one (in the order of the list)."""
    pages = []
    page = get(client, url, params)
    while True:
        pages.append([row["id"] for row in page["results"]])
        if page["next"] is None:
            break
        assert len(pages) < 40, "more pages than rows"
        page = get(client, page["next"])
    back = [[row["id"] for row in page["results"]]]
    while page["previous"] is not None:
        assert len(back) < 40, "more pages than rows"
        page = get(client, page["previous"])
        back.append([row["id"] for row in page["results"]])
    assert back[::-1] == pages
    return [pk for page in pages for pk in page], [pk for page in back[::-1] for pk in page]


@pytest.mark.parametrize("ordering", ["last_used_at", "-last_used_at"])
def test_an_ordering_field_that_can_be_null_pages_nulls_where_postgresql_sorts_them(
    alice, bob, ordering
):
    # Never used (NULL), used at one same time (a tie), used at times a microsecond apart.
    moment = datetime.datetime(2026, 11, 2, 9, 30, 0, 123456, tzinfo=datetime.UTC)
    times: list[datetime.datetime | None] = [None] * 7 + [moment] * 6
    times += [moment + datetime.timedelta(microseconds=step) for step in range(1, 8)]
    keys_used(alice, times)
    keys_used(bob, [None] * 4 + [moment] * 4)
    expected = [
        str(pk)
        for pk in ApiKey.objects.filter(organization=alice.organization)
        .order_by(ordering, ordering.replace("last_used_at", "id"))
        .values_list("id", flat=True)
    ]

    forward, _ = walk_both_ways(alice.client, API_KEYS, {"ordering": ordering, "page_size": 3})

    # Alice's 20 keys (and the owner's none: the fixture made no key) exactly once, in order.
    assert forward == expected
    assert len(expected) == len(times)


def test_a_cursor_round_trips_every_value_exactly():
    keys = order_keys(Tracking, ("status", "-created_at", "-id"))
    values = (
        "live",
        datetime.datetime(2026, 11, 1, 8, 0, 0, 1, tzinfo=datetime.UTC),
        Tracking._meta.pk.to_python("0b8f3e0e-3c35-4f4e-9d6b-2a1f6f6d7a10"),
    )
    for reverse in (False, True):
        cursor = encode_position(keys, Position(values, reverse))
        assert decode_position(keys, cursor) == Position(values, reverse)
    nullable = order_keys(ApiKey, ("last_used_at", "id"))
    position = Position((None, values[2]), False)
    assert decode_position(nullable, encode_position(nullable, position)) == position


def test_a_page_deep_in_a_long_status_run_is_a_range_of_the_status_index(alice):
    """EXPLAIN ANALYZE of the page query 1,200 rows into a run of 1,250 live trackings: the
    (organization, status, -created_at, -id) index serves it, read from the cursor on (DRF's
    cursor read the run from its start and skipped the rows before the cursor by OFFSET)."""
    from tests.trackings.test_api_pagination import bulk_trackings, spread_creation_times

    bulk_trackings(alice, count=1_250, status="live", name="Same", type="button_click")
    bulk_trackings(alice, count=300, status="pending", name="Other", type="link_click")
    spread_creation_times(alice)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE trackings_tracking")
    page = get(alice.client, TRACKINGS, {"ordering": "status", "page_size": PAGE})
    for _ in range(5):
        page = get(alice.client, page["next"])
    with CaptureQueriesContext(connection) as captured:
        page = get(alice.client, page["next"])
    assert [row["status"] for row in page["results"]] == ["live"] * 50 + ["pending"] * 150
    sql = captured.captured_queries[-1]["sql"]
    assert "OFFSET" not in sql

    with connection.cursor() as cursor:
        # A few thousand rows are a table PostgreSQL would rather read whole; priced out, the
        # plan is the one a large organization gets.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # One branch per run of the ordering, each a range of the status index cut at the page:
    # the live rows after the cursor's (status = live AND (created_at, id) < ...), then the
    # statuses after live. Neither reads the 1,200 rows before the cursor.
    lines = plan.splitlines()
    branches = [i for i, line in enumerate(lines) if "using tracking_org_status_idx" in line]
    assert len(branches) == 2, plan
    for index in branches:
        assert int(lines[index].split("actual rows=")[1].split()[0]) <= PAGE + 1, plan
        assert "Index Cond" in lines[index + 1], plan
        assert "Filter" not in lines[index + 2], plan
    assert "ROW(created_at, id) < ROW(" in plan, plan
