"""GA4's naming rules are checked at the door (create, update, bulk): reserved event names and
prefixes, reserved parameter names and prefixes, name and length limits, the 25 parameters of an
event counted with those the tracking type adds. A 400 names the field; nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tenants.models import AuditEvent
from tests.trackings.api_support import BULK, TRACKINGS, body, create, make_customer
from trackings.compiler import ContainerSpec, compile_container
from trackings.desired import tracking_spec
from trackings.models import Deployment, Tracking

pytestmark = pytest.mark.django_db


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"], response.json()


@pytest.mark.parametrize(
    "name",
    [
        # Google's app list, the web list and the reserved prefixes.
        "ad_click",
        "app_install",
        "session_start_with_rollout",
        "first_visit",
        "user_engagement",
        "screen_view",
        "google_purchase",
        "ga_signup",
        "firebase_campaign",
        "query_id_lookup",
    ],
)
def test_a_reserved_event_name_is_refused_at_create(alice: Any, name: str) -> None:
    customer = make_customer(alice)

    response = alice.client.post(TRACKINGS, body(customer, ga4_event_name=name), format="json")

    _refused(response, "ga4_event_name")
    assert "reserve" in str(response.json()["error"]["fields"]["ga4_event_name"])
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "firebase_conversion",
        "google_thing",
        "ga_session",
        "_private",
        "gclid",
        "user_id",
        "session_id",
        "engagement_time_msec",
    ],
)
def test_a_reserved_parameter_name_is_refused_naming_the_parameter(alice: Any, name: str) -> None:
    customer = make_customer(alice)

    response = alice.client.post(
        TRACKINGS, body(customer, ga4_parameters={"plan": "pro", name: "x"}), format="json"
    )

    _refused(response, f"ga4_parameters.{name}")
    assert "ga4_parameters.plan" not in response.json()["error"]["fields"]
    assert not Tracking.objects.exists()


def test_a_parameter_may_carry_a_name_reserved_only_for_events(alice: Any) -> None:
    # `error` is a reserved event name, not a reserved parameter name.
    created = create(alice, make_customer(alice), ga4_parameters={"error": "timeout"})

    assert created["ga4_parameters"] == {"error": "timeout"}


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"p" * 41: "x"}, "ga4_parameters." + "p" * 41),
        ({"plan": "x" * 101}, "ga4_parameters.plan"),
        ({"plan": 10**100}, "ga4_parameters.plan"),
        ({"page_title": "x" * 301}, "ga4_parameters.page_title"),
        ({"page_location": "https://a.example/" + "x" * 1000}, "ga4_parameters.page_location"),
        ({f"p{i}": "v" for i in range(26)}, "ga4_parameters"),
    ],
)
def test_name_length_value_length_and_count_limits_are_refused(
    alice: Any, parameters: dict[str, Any], field: str
) -> None:
    customer = make_customer(alice)

    response = alice.client.post(
        TRACKINGS, body(customer, ga4_parameters=parameters), format="json"
    )

    _refused(response, field)
    assert not Tracking.objects.exists()


def test_the_limits_themselves_are_accepted(alice: Any) -> None:
    customer = make_customer(alice)
    parameters: dict[str, Any] = {f"p{i:02}": "v" * 100 for i in range(23)}
    parameters["q" * 40] = 1
    parameters["page_location"] = "https://a.example/" + "x" * 900

    created = create(alice, customer, ga4_event_name="e" * 40, ga4_parameters=parameters)

    assert created["ga4_event_name"] == "e" * 40
    assert len(created["ga4_parameters"]) == 25


def test_parameters_the_type_adds_count_toward_the_25(alice: Any) -> None:
    customer = make_customer(alice)
    # link_click sends link_url itself: 25 of the client's make 26 in the tag.
    parameters = {f"p{i:02}": "v" for i in range(25)}

    response = alice.client.post(
        TRACKINGS,
        body(
            customer,
            type="link_click",
            config={"selector": "a.cta"},
            ga4_parameters=parameters,
        ),
        format="json",
    )

    _refused(response, "ga4_parameters")
    assert "26 event parameters" in str(response.json())
    # Overriding the type's own parameter does not add one.
    overriding = {**{f"p{i:02}": "v" for i in range(24)}, "link_url": "{{Click URL}}"}
    accepted = create(
        alice,
        customer,
        type="link_click",
        config={"selector": "a.cta"},
        ga4_parameters=overriding,
    )
    assert len(accepted["ga4_parameters"]) == 25


@pytest.mark.parametrize(
    ("event", "refused"),
    [("google.purchase", True), ("gtm.click", False), ("session-start", True), ("9-lives", False)],
)
def test_a_custom_event_name_is_checked_as_the_compiler_sends_it(
    alice: Any, event: str, refused: bool
) -> None:
    customer = make_customer(alice)

    response = alice.client.post(
        TRACKINGS,
        body(customer, type="custom_event", config={"event": event}),
        format="json",
    )

    if refused:
        _refused(response, "ga4_event_name")
        return
    assert response.status_code == 202, response.json()
    tracking = Tracking.objects.get()
    # What was validated is what the compiled tag sends.
    desired = compile_container(
        [tracking_spec(tracking)],
        ContainerSpec(measurement_id="G-X", ads_conversion_id=None, public_id="", owner="o"),
    )
    (tag,) = [e for e in desired.entities if e.body.get("type") == "gaawe"]
    sent = next(p["value"] for p in tag.body["parameter"] if p.get("key") == "eventName")
    assert sent == tracking.ga4_event_name == response.json()["ga4_event_name"]


def test_an_update_to_a_reserved_name_is_refused_and_changes_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    created = create(alice, customer, ga4_parameters={"plan": "pro"})
    url = f"{TRACKINGS}{created['id']}/"

    renamed = alice.client.patch(url, {"ga4_event_name": "first_open"}, format="json")
    reparametered = alice.client.patch(
        url, {"ga4_parameters": {"firebase_conversion": "1"}}, format="json"
    )

    _refused(renamed, "ga4_event_name")
    _refused(reparametered, "ga4_parameters.firebase_conversion")
    tracking = Tracking.objects.get()
    assert tracking.version == 1
    assert tracking.ga4_parameters == {"plan": "pro"}
    assert not AuditEvent.objects.filter(action="tracking.update").exists()


def test_a_bulk_item_with_a_reserved_name_creates_nothing(alice: Any) -> None:
    customer = make_customer(alice)
    items = [body(customer, name=f"Fine {i}") for i in range(3)]
    items[1] = body(customer, ga4_parameters={"google_id": "x"})
    items[2] = body(customer, ga4_event_name="os_update")

    response = alice.client.post(BULK, {"trackings": items}, format="json")

    assert response.status_code == 400, response.json()
    fields = response.json()["error"]["fields"]
    assert "trackings.1.ga4_parameters.google_id" in fields
    assert "trackings.2.ga4_event_name" in fields
    assert not Tracking.objects.exists()
    assert not Deployment.objects.exists()
