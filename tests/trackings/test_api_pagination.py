"""Paging through long tie runs of `?ordering=` (issue 15: up to 200k trackings an
organization): the keyset cursor of oneclicktag/core/pagination.py, over HTTP and PostgreSQL.

DRF's cursor kept the first ordering field's value and an offset among equal values, capped
at 1,000: past 1,000 trackings of one status, pages repeated or skipped rows."""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from tests.trackings.api_support import TRACKINGS, make_customer
from trackings.models import Tracking

# More than DRF's offset cutoff (1,000) in one status, one type and one name.
RUN = 1_250
PAGE = 200


def bulk_trackings(tenant: Any, *, count: int, status: str, name: str, type: str) -> None:
    customer = make_customer(tenant, connected=False, name=f"{name} {status}")
    Tracking.objects.bulk_create(
        Tracking(
            organization=tenant.organization,
            customer=customer,
            name=name,
            type=type,
            status=status,
        )
        for _ in range(count)
    )


def spread_creation_times(tenant: Any) -> None:
    """About 500 distinct creation times a few milliseconds apart, to the microsecond, most
    shared by two or three rows (ties broken by id); bulk_create gave them all one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE trackings_tracking SET created_at = timestamptz '2026-11-01 08:00:00+00' "
            "+ (abs(hashtext(id::text)) %% 500) * interval '3137 microseconds' "
            "WHERE organization_id = %s",
            [tenant.organization.pk],
        )


@pytest.fixture
def long_runs(alice, bob):
    """Alice: 1,250 live `button_click` trackings named "Same", and 40 others spread over
    three statuses, two types and two names on both sides of them. Bob (another tenant): 60
    live "Same" button clicks, which none of Alice's pages may show."""
    bulk_trackings(alice, count=RUN, status="live", name="Same", type="button_click")
    bulk_trackings(alice, count=15, status="draft", name="Alpha", type="form_submit")
    bulk_trackings(alice, count=15, status="pending", name="Zulu", type="link_click")
    bulk_trackings(alice, count=10, status="failed", name="Same", type="form_submit")
    bulk_trackings(bob, count=60, status="live", name="Same", type="button_click")
    spread_creation_times(alice)
    spread_creation_times(bob)
    return alice


def ids_in_order(tenant: Any, *ordering: str) -> list[str]:
    rows = Tracking.objects.filter(organization=tenant.organization).order_by(*ordering)
    return [str(pk) for pk in rows.values_list("id", flat=True)]


def get(client, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()


def walk(client, ordering: str) -> list[list[str]]:
    """Every page's ids, following `next` from the first page."""
    pages: list[list[str]] = []
    page = get(client, TRACKINGS, {"ordering": ordering, "page_size": PAGE})
    assert page["previous"] is None
    while len(pages) < 20:  # DRF's cursor went round in circles here
        pages.append([row["id"] for row in page["results"]])
        if page["next"] is None:
            return pages
        page = get(client, page["next"])
        assert page["previous"] is not None
    raise AssertionError("more pages than rows")


def walk_back(client, ordering: str, pages: int) -> list[list[str]]:
    """From the last page, every page's ids following `previous`, in the order seen."""
    page = get(client, TRACKINGS, {"ordering": ordering, "page_size": PAGE})
    for _ in range(pages - 1):
        page = get(client, page["next"])
    seen = [[row["id"] for row in page["results"]]]
    while page["previous"] is not None:
        assert len(seen) < 20, "more pages than rows"
        page = get(client, page["previous"])
        assert page["next"] is not None
        seen.append([row["id"] for row in page["results"]])
    return seen


# The ordering asked for, and the whole ordering the page follows (the view's ties).
ORDERINGS = {
    "status": ("status", "-created_at", "-id"),
    "-status": ("-status", "created_at", "id"),
    "type": ("type", "-created_at", "-id"),
    "-type": ("-type", "created_at", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "-created_at": ("-created_at", "-id"),
}


@pytest.mark.parametrize("ordering", list(ORDERINGS))
def test_a_tie_run_longer_than_a_thousand_is_paged_through_both_ways(long_runs, ordering):
    alice = long_runs
    expected = ids_in_order(alice, *ORDERINGS[ordering])
    assert len(expected) == RUN + 40

    forward = walk(alice.client, ordering)

    assert [len(page) for page in forward] == [PAGE] * 6 + [len(expected) - 6 * PAGE]
    # Every row once, in the order of the whole ordering; none of Bob's.
    assert [pk for page in forward for pk in page] == expected
    backward = walk_back(alice.client, ordering, len(forward))
    assert backward == forward[::-1]


def test_datetimes_keep_their_microseconds_in_the_cursor(long_runs):
    alice = long_runs
    first = get(alice.client, TRACKINGS, {"page_size": 3})
    last = first["results"][-1]
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert payload["v"] == [
        Tracking.objects.get(pk=last["id"]).created_at.isoformat(),
        last["id"],
    ]
    assert payload["v"][0].endswith("+00:00")
    assert "." in payload["v"][0]


def test_another_organizations_rows_never_come_even_from_its_cursor(long_runs, bob):
    alice = long_runs
    bobs = set(ids_in_order(bob, "id"))
    alices = set(ids_in_order(alice, "id"))
    # Bob's page under `?ordering=status`: its boundary row is Bob's.
    bob_page = get(bob.client, TRACKINGS, {"ordering": "status", "page_size": 20})
    assert {row["id"] for row in bob_page["results"]} <= bobs

    # Alice asking with Bob's cursors (next and previous) sees her rows only.
    for link in (bob_page["next"], get(bob.client, bob_page["next"])["previous"]):
        page = get(alice.client, link)
        assert page["results"], link
        assert {row["id"] for row in page["results"]} <= alices
    # And Bob with Alice's.
    alice_page = get(alice.client, TRACKINGS, {"ordering": "status", "page_size": PAGE})
    page = get(bob.client, alice_page["next"])
    assert {row["id"] for row in page["results"]} <= bobs


def _cursor(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_bad_or_tampered_cursor_is_a_400_naming_cursor(long_runs):
    alice = long_runs
    good = get(alice.client, TRACKINGS, {"ordering": "status", "page_size": 5})["next"]
    token = good.split("cursor=")[1].split("&")[0]
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert payload["o"] == ["status", "-created_at", "-id"]
    status, created_at, pk = payload["v"]

    def tampered(**changes: Any) -> str:
        return _cursor({**payload, **changes})

    bad = {
        "not base64": "%%%",
        "not json": _cursor(b"\xff\xfe not json"),
        "json, not an object": _cursor([1, 2, 3]),
        "a key missing": _cursor({"o": payload["o"], "v": payload["v"]}),
        "another ordering": tampered(o=["name", "id"]),
        "too few values": tampered(v=[status, created_at]),
        "a created_at that is no datetime": tampered(v=[status, "yesterday", pk]),
        "a datetime without its zone": tampered(v=[status, "2026-11-01T08:00:00.5", pk]),
        "an id that is no uuid": tampered(v=[status, created_at, "42"]),
        "a null that the column never holds": tampered(v=[None, created_at, pk]),
        "a number for a text": tampered(v=[7, created_at, pk]),
        "a NUL in a text": tampered(v=["li\u0000ve", created_at, pk]),
        "a direction that is no boolean": tampered(r="yes"),
    }
    for case, cursor in bad.items():
        response = alice.client.get(TRACKINGS, {"ordering": "status", "cursor": cursor})
        assert response.status_code == 400, case
        assert "cursor" in response.json()["error"]["fields"], case
    # A cursor of `?ordering=status` is no cursor of the default ordering.
    assert alice.client.get(TRACKINGS, {"cursor": token}).status_code == 400
    # The untampered one still reads.
    assert alice.client.get(TRACKINGS, {"ordering": "status", "cursor": token}).status_code == 200


def test_a_cursor_with_values_no_row_has_pages_from_there(long_runs):
    # A well-formed position between rows (of a row deleted since, say) is where the page
    # starts: the rows after it, no error.
    alice = long_runs
    moment = datetime.datetime(2026, 11, 1, 8, 0, 0, 1000, tzinfo=datetime.UTC)
    payload = {
        "o": ["status", "-created_at", "-id"],
        "v": ["live", moment.isoformat(), str(uuid.uuid4())],
        "r": False,
    }
    page = get(alice.client, TRACKINGS, {"ordering": "status", "cursor": _cursor(payload)})
    after = Tracking.objects.filter(organization=alice.organization).filter(
        Q(status__gt="live") | Q(status="live", created_at__lt=moment)
    )
    expected = [
        str(pk)
        for pk in after.order_by("status", "-created_at", "-id").values_list("id", flat=True)
    ]
    assert [row["id"] for row in page["results"]] == expected[:50]


@pytest.mark.parametrize("ordering", ["status", "-status", "name", "-created_at"])
def test_a_page_after_a_cursor_costs_the_queries_of_the_first(long_runs, ordering):
    alice = long_runs
    with CaptureQueriesContext(connection) as first:
        page = get(alice.client, TRACKINGS, {"ordering": ordering, "page_size": PAGE})
    with CaptureQueriesContext(connection) as after:
        later = get(alice.client, page["next"])
    with CaptureQueriesContext(connection) as before:
        get(alice.client, later["previous"])
    # The user with their memberships, and the page (tests/trackings/test_api_list_queries.py).
    assert len(first) == len(after) == len(before) == 2
    assert all("OFFSET" not in query["sql"] for query in [*after, *before])
