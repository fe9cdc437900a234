"""GA4 key events follow the trackings: created, kept and removed with them, counted calls, and
never one a person made."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import connection_of, deploy, make_tracking
from trackings.engine.ga4 import GA4_MAX_KEY_EVENTS
from trackings.models import DeploymentStatus, TrackingStatus

pytestmark = pytest.mark.django_db

KEY_EVENTS = "analyticsadmin.properties.keyEvents."


def key_events(customer: Any) -> dict[str, dict[str, Any]]:
    connection = connection_of(customer)
    found = google_clients_for(connection).ga4.list_key_events(
        f"properties/{connection.ga4_property_id}"
    )
    return {k["eventName"]: k for k in found}


def key_event_calls(google_emulator: Any) -> dict[str, int]:
    calls = google_emulator.stats().get("calls") or {}
    return {
        method.removeprefix(KEY_EVENTS): int(n)
        for method, n in calls.items()
        if method.startswith(KEY_EVENTS)
    }


def lead(customer: Any, event: str = "generate_lead", **fields: Any) -> Any:
    return make_tracking(
        customer,
        type="form_submit",
        config={"selector": f"form.{event}"},
        ga4_event_name=event,
        key_event=fields.pop("key_event", True),
        **fields,
    )


def test_key_events_are_created_kept_and_removed_with_the_trackings(
    engine_customer: Any, google_emulator: Any
):
    form = lead(engine_customer)
    make_tracking(
        engine_customer,
        type="scroll_depth",
        config={"thresholds": [50]},
        ga4_event_name="scroll_depth",
        key_event=False,
    )
    before = key_event_calls(google_emulator)
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED, first.error_message
    assert key_event_calls(google_emulator) == {
        "list": before.get("list", 0) + 1,
        "create": before.get("create", 0) + 1,
    }
    assert first.plan["ga4"]["key_events"] == {"create": ["generate_lead"], "delete": []}
    # Key events: list + create; custom dimensions: list + create (percent_scrolled).
    assert first.google_calls["ga4"] == 4
    live = key_events(engine_customer)
    assert set(live) == {"generate_lead"}
    assert connection_of(engine_customer).ga4_key_events_created == [live["generate_lead"]["name"]]

    # Nothing changed: the two lists, nothing else.
    second = deploy(engine_customer)
    assert second.status == DeploymentStatus.SUCCEEDED
    assert second.google_calls["ga4"] == 2

    form.key_event = False
    form.status = TrackingStatus.PENDING
    form.save(update_fields=["key_event", "status"])
    third = deploy(engine_customer)
    assert third.status == DeploymentStatus.SUCCEEDED
    assert third.plan["ga4"] == {"key_events": {"create": [], "delete": ["generate_lead"]}}
    assert third.google_calls["ga4"] == 3
    assert key_events(engine_customer) == {}
    assert connection_of(engine_customer).ga4_key_events_created == []


def test_a_key_event_a_person_made_is_never_ours(engine_customer: Any, google_emulator: Any):
    connection = connection_of(engine_customer)
    ga4 = google_clients_for(connection).ga4
    property_name = f"properties/{connection.ga4_property_id}"
    theirs = ga4.create_key_event(property_name, event_name="sign_up")
    ga4.create_key_event(property_name, event_name="newsletter_open")
    signup = lead(engine_customer, "sign_up")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    # Already a key event: not created again, not taken over.
    assert key_events(engine_customer)["sign_up"]["name"] == theirs["name"]
    assert connection_of(engine_customer).ga4_key_events_created == []

    signup.key_event = False
    signup.status = TrackingStatus.PENDING
    signup.save(update_fields=["key_event", "status"])
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert set(key_events(engine_customer)) == {"sign_up", "newsletter_open"}


def test_a_key_event_of_ours_a_person_deleted_comes_back(engine_customer: Any):
    lead(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    connection = connection_of(engine_customer)
    ga4 = google_clients_for(connection).ga4
    ga4.delete_key_event(key_events(engine_customer)["generate_lead"]["name"])

    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live = key_events(engine_customer)
    assert set(live) == {"generate_lead"}
    assert connection_of(engine_customer).ga4_key_events_created == [live["generate_lead"]["name"]]


def test_more_key_events_than_ga4_holds_fail_before_any_ga4_call(
    engine_customer: Any, google_emulator: Any
):
    trackings = [lead(engine_customer, f"lead_{n}") for n in range(GA4_MAX_KEY_EVENTS + 1)]
    before = key_event_calls(google_emulator)

    deployment = deploy(engine_customer)

    assert key_event_calls(google_emulator) == before
    assert deployment.status == DeploymentStatus.PARTIALLY_FAILED
    # Only the custom dimensions' list: no key event call at all.
    assert deployment.google_calls["ga4"] == 1
    for tracking in trackings:
        tracking.refresh_from_db()
        assert tracking.status == TrackingStatus.FAILED
        assert "31 GA4 key events; a GA4 property holds 30" in tracking.last_error


def dimensions(customer: Any) -> dict[str, dict[str, Any]]:
    connection = connection_of(customer)
    found = google_clients_for(connection).ga4.list_custom_dimensions(
        f"properties/{connection.ga4_property_id}"
    )
    return {d["parameterName"]: d for d in found}


def test_the_parameters_tags_send_are_registered_and_ours_archived_when_unused(
    engine_customer: Any,
):
    connection = connection_of(engine_customer)
    google_clients_for(connection).ga4.create_custom_dimension(
        f"properties/{connection.ga4_property_id}",
        parameter_name="form_name",
        description="Made by a person",
    )
    form = lead(engine_customer, ga4_parameters={"form_name": "contact", "plan": "pro"})
    make_tracking(
        engine_customer,
        type="scroll_depth",
        config={"thresholds": [50]},
        ga4_event_name="scroll_depth",
    )
    first = deploy(engine_customer)
    assert first.status == DeploymentStatus.SUCCEEDED, first.error_message
    assert first.plan["ga4"]["custom_dimensions"] == {
        "create": ["percent_scrolled", "plan"],
        "archive": [],
    }
    live = dimensions(engine_customer)
    assert set(live) == {"form_name", "percent_scrolled", "plan"}
    assert live["plan"]["scope"] == "EVENT"
    assert live["form_name"]["description"] == "Made by a person"

    form.ga4_parameters = {}
    form.status = TrackingStatus.PENDING
    form.save(update_fields=["ga4_parameters", "status"])
    second = deploy(engine_customer)
    assert second.status == DeploymentStatus.SUCCEEDED
    assert second.plan["ga4"]["custom_dimensions"] == {"create": [], "archive": ["plan"]}
    # The person's form_name stays though no tracking sends it any more.
    assert set(dimensions(engine_customer)) == {"form_name", "percent_scrolled"}
