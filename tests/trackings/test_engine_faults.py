"""With 20% of GTM and Ads calls failing (5xx), every tracking still ends live, once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.fixtures.trackings import ads_actions, deploy, live_version, make_tracking
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
