"""Ads goals: each type's category and primary/secondary default, a tracking's override, and no
enabled conversion action left without its tag when the GTM step fails."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    ads_actions,
    calls_by_api,
    connection_of,
    deploy,
    live_version,
    make_tracking,
    parameters,
)
from tests.trackings.api_support import TRACKINGS, body, make_customer
from trackings.models import DeploymentStatus, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db

BULK_UPDATE = "tagmanager.accounts.containers.workspaces.bulk_update"


def ours(customer: Any) -> dict[str, dict[str, Any]]:
    """The customer's conversion actions that are not removed, by the tracking id in the name."""
    return {
        tracking_id: action
        for action in ads_actions(customer)
        if action["status"] != "REMOVED"
        for tracking_id in [action["name"].rsplit("[", 1)[-1].rstrip("]")]
    }


def test_each_type_gets_its_category_and_micro_events_are_secondary(engine_customer: Any):
    lead = make_tracking(
        engine_customer,
        type="form_submit",
        config={"selector": "form#contact"},
        destinations=["ga4", "google_ads"],
        ads_primary=True,
    )
    scroll = make_tracking(
        engine_customer,
        type="scroll_depth",
        config={"thresholds": [75]},
        destinations=["ga4", "google_ads"],
    )
    bidding_on_video = make_tracking(
        engine_customer, type="video_play", config={}, destinations=["google_ads"], ads_primary=True
    )

    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED

    actions = ours(engine_customer)
    assert (actions[str(lead.pk)]["category"], actions[str(lead.pk)]["primary_for_goal"]) == (
        "SUBMIT_LEAD_FORM",
        True,
    )
    assert (actions[str(scroll.pk)]["category"], actions[str(scroll.pk)]["primary_for_goal"]) == (
        "ENGAGEMENT",
        False,
    )
    assert actions[str(bidding_on_video.pk)]["primary_for_goal"] is True


def test_a_person_changing_the_goal_in_ads_is_put_back_with_one_more_call(
    engine_customer: Any, google_emulator: Any
):
    scroll = make_tracking(
        engine_customer,
        type="scroll_depth",
        config={"thresholds": [50]},
        destinations=["google_ads"],
    )
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    scroll.refresh_from_db()
    connection = connection_of(engine_customer)
    resource = f"customers/{connection.ads_customer_id}/conversionActions/"
    google_clients_for(connection).ads.mutate_conversion_actions(
        connection.ads_customer_id,
        [
            {
                "update": {
                    "resource_name": resource + scroll.ads_conversion_action_id,
                    "primary_for_goal": True,
                },
                "update_mask": "primaryForGoal",
            }
        ],
    )
    assert ours(engine_customer)[str(scroll.pk)]["primary_for_goal"] is True
    before = calls_by_api(google_emulator.stats())

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED
    assert ours(engine_customer)[str(scroll.pk)]["primary_for_goal"] is False
    assert deployment.plan["ads"]["update"] == [
        {"tracking": str(scroll.pk), "primary_for_goal": False}
    ]
    # Search + the one update; nothing to create or remove. (ours() above searched once.)
    assert calls_by_api(google_emulator.stats())["ads"] - before["ads"] == 2 + 1


def test_a_failed_gtm_step_leaves_no_enabled_action_without_its_tag(
    engine_customer: Any, google_emulator: Any
):
    tracking = make_tracking(
        engine_customer,
        type="form_submit",
        config={"selector": "form#contact"},
        destinations=["ga4", "google_ads"],
    )
    google_emulator.configure(
        {"faults": [{"api": "gtm", "method": BULK_UPDATE, "status": 500, "count": 100}]}
    )

    deployment = deploy(engine_customer)

    google_emulator.configure({"faults": []})
    assert deployment.status == DeploymentStatus.FAILED
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.FAILED
    assert (tracking.ads_conversion_action_id, tracking.ads_conversion_label) == ("", "")
    # Every run created the action and removed it again once GTM had failed.
    created = [a for a in ads_actions(engine_customer) if str(tracking.pk) in a["name"]]
    assert created
    assert {a["status"] for a in created} == {"REMOVED"}

    # The next deployment creates it again, with its tag.
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    tracking.refresh_from_db()
    enabled = ours(engine_customer)[str(tracking.pk)]
    assert enabled["id"] == tracking.ads_conversion_action_id
    awct = [t for t in live_version(engine_customer)["tag"] if t["type"] == "awct"]
    assert [parameters(t)["conversionLabel"] for t in awct] == [enabled["conversion_label"]]


def test_a_tracking_says_key_event_and_ads_primary_or_takes_its_types(alice: Any):
    customer = make_customer(alice)
    lead = alice.client.post(
        TRACKINGS,
        body(
            customer,
            type="form_submit",
            config={"selector": "form#contact"},
            destinations=["ga4", "google_ads"],
        ),
        format="json",
    ).json()
    assert (lead["key_event"], lead["ads_primary"]) == (True, True)
    scroll = alice.client.post(
        TRACKINGS,
        body(
            customer,
            type="scroll_depth",
            config={"thresholds": [50]},
            destinations=["ga4", "google_ads"],
            ads_primary=True,
        ),
        format="json",
    ).json()
    assert (scroll["key_event"], scroll["ads_primary"]) == (False, True)

    refused = alice.client.post(
        TRACKINGS,
        body(customer, destinations=["ga4"], ads_primary=True, key_event="sometimes"),
        format="json",
    )
    assert refused.status_code == 400
    assert "key_event" in refused.json()["error"]["fields"]
    refused = alice.client.post(
        TRACKINGS, body(customer, destinations=["ga4"], ads_primary=True), format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "ads_primary": ["Only with google_ads among the destinations."]
    }
    assert Tracking.objects.count() == 2

    changed = alice.client.patch(
        f"{TRACKINGS}{lead['id']}/", {"key_event": False, "version": 1}, format="json"
    )
    assert changed.status_code == 202, changed.json()
    assert changed.json()["key_event"] is False

    types = {t["key"]: t for t in alice.client.get("/api/v1/tracking-types/").json()["results"]}
    assert (types["purchase"]["key_event"], types["purchase"]["ads_primary"]) == (True, True)
    assert (types["scroll_depth"]["key_event"], types["scroll_depth"]["ads_primary"]) == (
        False,
        False,
    )
