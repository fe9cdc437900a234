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
