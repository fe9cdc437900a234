"""With 20% of GTM and Ads calls failing (5xx), every tracking still ends live, once.

Two kinds of failure: a plain fault refuses the call; a lost answer (`"after": true`) applies
the write and only then answers the error, so the product's retry meets its own earlier write.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    ads_actions,
    connection_of,
    deploy,
    live_version,
    make_tracking,
)
from trackings.engine.apply_ads import tracking_id_in_name
from trackings.models import DeploymentStatus, Tracking, TrackingStatus
from trackings.planner import marker_of

pytestmark = pytest.mark.django_db


def test_100_trackings_end_live_without_duplicates_under_injected_faults(
    engine_customer: Any, google_emulator: Any, settings: Any
) -> None:
    # Retried calls spend quota too; this test is about faults, so the bucket is not the limit.
    settings.GTM_QUOTA_PER_100S = 1000
    trackings = [
        make_tracking(
            engine_customer,
            name=f"Button {index}",
            config={"selector": f"#buy-{index}"},
            destinations=["ga4", "google_ads"],
        )
        for index in range(100)
    ]
    google_emulator.configure(
        {
            "gtm_quota": {"per_100s": 10000, "per_day": 100000},
            "faults": [
                {"api": "gtm", "method": "*", "status": 503, "rate": 0.2},
                {"api": "ads", "method": "*", "status": 503, "rate": 0.2},
            ],
        }
    )

    deployment = deploy(engine_customer)

    google_emulator.configure({"faults": []})
    errors = google_emulator.stats().get("errors") or {}
    assert sum(errors.values()) > 0, "no fault was injected"
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    _assert_all_live_once(engine_customer, trackings)


GTM_WRITES = (
    "tagmanager.accounts.containers.workspaces.create",
    "tagmanager.accounts.containers.workspaces.bulk_update",
    "tagmanager.accounts.containers.workspaces.sync",
    "tagmanager.accounts.containers.workspaces.create_version",
    "tagmanager.accounts.containers.versions.publish",
)
ADS_MUTATE = "google.ads.googleads.v26.services.ConversionActionService/MutateConversionActions"


def test_100_trackings_end_live_without_duplicates_when_answers_to_writes_are_lost(
    engine_customer: Any, google_emulator: Any, settings: Any
) -> None:
    # Ten deployments of ten trackings each: enough writes for the 20% draw to hit every kind.
    settings.GTM_QUOTA_PER_100S = 1000
    lost = {"status": 503, "rate": 0.2, "after": True}
    google_emulator.configure(
        {
            "gtm_quota": {"per_100s": 10000, "per_day": 100000},
            "faults": [{"api": "gtm", "method": method} | lost for method in GTM_WRITES]
            # The seeded 20% draw spares the dozen Ads mutates of this run: lose the first
            # answer for sure, then draw.
            + [{"api": "ads", "method": ADS_MUTATE, "status": 503, "count": 1, "after": True}]
            + [{"api": "ads", "method": ADS_MUTATE} | lost, {"api": "ga4", "method": "*"} | lost],
        }
    )
    trackings = []
    for batch in range(10):
        trackings += [
            make_tracking(
                engine_customer,
                name=f"Button {batch}-{index}",
                config={"selector": f"#buy-{batch}-{index}"},
                destinations=["ga4", "google_ads"],
            )
            for index in range(10)
        ]
        deployment = deploy(engine_customer)
        assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message

    google_emulator.configure({"faults": []})
    errors = google_emulator.stats().get("errors") or {}
    # Each of these answers was lost after its write had landed.
    assert errors.get("tagmanager.accounts.containers.workspaces.bulk_update", 0) > 0, errors
    assert errors.get("tagmanager.accounts.containers.versions.publish", 0) > 0, errors
    assert errors.get(ADS_MUTATE, 0) > 0, errors
    _assert_all_live_once(engine_customer, trackings)


def _assert_all_live_once(engine_customer: Any, trackings: list[Tracking]) -> None:
    assert (
        Tracking.objects.filter(pk__in=[t.pk for t in trackings])
        .exclude(status=TrackingStatus.LIVE)
        .count()
        == 0
    )
    live = live_version(engine_customer)
    markers = Counter(
        marker_of(entity)
        for kind in ("tag", "trigger", "variable")
        for entity in live.get(kind) or []
        if marker_of(entity)
    )
    assert [key for key, count in markers.items() if count > 1] == []
    for tracking in trackings:
        assert markers[f"oneclicktag:trigger:{tracking.pk}"] == 1
        assert markers[f"oneclicktag:ga4-tag:{tracking.pk}"] == 1
        assert markers[f"oneclicktag:ads-tag:{tracking.pk}"] == 1
    owners = Counter(
        tracking_id_in_name(action["name"])
        for action in ads_actions(engine_customer)
        if action["status"] != "REMOVED"
    )
    assert {t.pk for t in trackings} <= set(owners)
    assert max(owners.values()) == 1


GA4_WRITES = (
    "analyticsadmin.properties.customDimensions.create",
    "analyticsadmin.properties.keyEvents.create",
)


def test_lost_answers_to_ga4_writes_still_end_live_with_one_dimension_and_key_event(
    engine_customer: Any, google_emulator: Any
) -> None:
    form = make_tracking(
        engine_customer,
        type="form_submit",
        config={"selector": "form.lead"},
        ga4_event_name="generate_lead",
        key_event=True,
        ga4_parameters={"plan": "pro"},
    )
    google_emulator.configure(
        {
            "faults": [
                {"api": "ga4", "method": method, "status": 503, "count": 1, "after": True}
                for method in GA4_WRITES
            ]
        }
    )

    deployment = deploy(engine_customer)

    google_emulator.configure({"faults": []})
    errors = google_emulator.stats().get("errors") or {}
    assert all(errors.get(method) == 1 for method in GA4_WRITES), errors  # no 409 on retry
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    form.refresh_from_db()
    assert form.status == TrackingStatus.LIVE, form.status
    connection = connection_of(engine_customer)
    ga4 = google_clients_for(connection).ga4
    prop = f"properties/{connection.ga4_property_id}"
    assert [d["parameterName"] for d in ga4.list_custom_dimensions(prop)] == ["plan"]
    assert [k["eventName"] for k in ga4.list_key_events(prop)] == ["generate_lead"]
