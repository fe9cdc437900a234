from __future__ import annotations

from tests.trackings.api_support import TRACKINGS, create, make_customer
from trackings.models import Tracking


def names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


def test_it_filters_by_customer_type_status_health_and_destination(alice):
    one, two = make_customer(alice, name="One"), make_customer(alice, name="Two")
    create(alice, one, name="Click")
    create(
        alice,
        one,
        name="Lead",
        type="form_submit",
        config={"selector": "form"},
        destinations=["ga4", "google_ads"],
    )
    create(alice, two, name="Scroll", type="scroll_depth", config={"thresholds": [50]})
    Tracking.objects.filter(name="Scroll").update(status="live", health="drifted")

    assert names(alice.client.get(TRACKINGS, {"customer": str(one.pk)})) == ["Click", "Lead"]
    assert names(alice.client.get(TRACKINGS, {"type": "form_submit"})) == ["Lead"]
    assert names(alice.client.get(TRACKINGS, {"status": "live"})) == ["Scroll"]
    assert names(alice.client.get(TRACKINGS, {"health": "drifted"})) == ["Scroll"]
    assert names(alice.client.get(TRACKINGS, {"destination": "google_ads"})) == ["Lead"]
    assert names(alice.client.get(TRACKINGS, {"destination": "ga4"})) == [
        "Click", "Lead", "Scroll",
    ]  # fmt: skip


def test_search_looks_at_name_type_and_event_name(alice):
    customer = make_customer(alice)
    create(alice, customer, name="Hero CTA")
    create(alice, customer, name="Checkout", ga4_event_name="begin_checkout_click")
    create(alice, customer, name="Depth", type="scroll_depth", config={"thresholds": [50]})

    assert names(alice.client.get(TRACKINGS, {"search": "checkout"})) == ["Checkout"]
    assert names(alice.client.get(TRACKINGS, {"search": "scroll"})) == ["Depth"]
    assert names(alice.client.get(TRACKINGS, {"search": "hero"})) == ["Hero CTA"]


def test_bad_filter_values_are_validation_errors(alice):
    for params, field in (
        ({"customer": "nope"}, "customer"),
        ({"status": "sleeping"}, "status"),
        ({"destination": "facebook"}, "destination"),
    ):
        response = alice.client.get(TRACKINGS, params)
        assert response.status_code == 400, params
        assert field in response.json()["error"]["fields"]


def test_search_matches_every_term_inside_one_field_never_across_two(alice):
    # Asked as one LIKE on the fields joined by a separator (trackings/search.py): the answer
    # stays DRF's, every term inside the name, the type or the GA4 event name.
    customer = make_customer(alice)
    create(alice, customer, name="Hero", ga4_event_name="hero_tap")
    create(alice, customer, name="Footer link", type="link_click", config={"selector": "a"})

    def search(term: str) -> list[str]:
        return names(alice.client.get(TRACKINGS, {"search": term}))

    assert search("HERO button") == ["Hero"]  # two terms, two fields, any case
    assert search("o tap") == ["Hero"]
    assert search("link hero") == []  # each term must match
    assert search('"footer link"') == ["Footer link"]  # a phrase inside one field
    # Spanning the name's end and the type's start: no field holds it, with or without the
    # separator the joined text puts there (only a quoted phrase keeps it: outside quotes it is
    # white space that splits terms, as in DRF).
    assert search('"link link"') == []
    assert search('"link\x1flink_click"') == []
    assert search('"o\x1fbutton" hero') == []
    assert search("link\x1flink_click") == ["Footer link"]


def test_search_is_served_by_its_trigram_index(db):
    # The filter's expression is the index's (migration 0015): with sequential and plain index
    # scans priced out (a walk of another index, filtering), only a bitmap scan of an index
    # whose condition is this expression is left, and the planner takes it.
    from django.db import connection

    from trackings.search import searched_text

    query = (
        Tracking.all_objects.alias(searched=searched_text())
        .filter(searched__icontains="hero")
        .order_by()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = query.explain()
    assert "tracking_search_trgm" in plan, plan


def test_ordering_by_status_or_type_keeps_the_newest_first_within_a_value(alice):
    # The order of the (organization, status | type, -created_at, -id) indexes, read forwards
    # or backwards; the cursor walks it page by page.
    customer = make_customer(alice)
    for name in ("First", "Second", "Third"):
        create(alice, customer, name=name)
    create(alice, customer, name="Lead", type="form_submit", config={"selector": "form"})
    Tracking.objects.filter(name="Second").update(status="live")

    def walk(ordering: str) -> list[str]:
        seen, page = [], alice.client.get(TRACKINGS, {"ordering": ordering, "page_size": 1})
        while True:
            assert page.status_code == 200, page.json()
            seen += [row["name"] for row in page.json()["results"]]
            if not page.json()["next"]:
                return seen
            page = alice.client.get(page.json()["next"])

    assert walk("status") == ["Second", "Lead", "Third", "First"]  # live < pending
    assert walk("-status") == ["First", "Third", "Lead", "Second"]
    assert walk("type") == ["Third", "Second", "First", "Lead"]
    assert walk("-type") == ["Lead", "First", "Second", "Third"]
    assert walk("name") == ["First", "Lead", "Second", "Third"]
