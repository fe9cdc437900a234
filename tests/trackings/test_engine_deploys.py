"""The engine, run in-process against the emulator: compile, Ads first, one bulk_update,
version, publish, verify."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import (
    ads_actions,
    deploy,
    live_version,
    make_tracking,
    parameters,
)
from trackings.compiler.types import entity_key
from trackings.models import ContainerVersion, DeploymentStatus, TrackingStatus

pytestmark = pytest.mark.django_db


def test_it_publishes_a_button_click_for_ga4_and_ads(engine_customer: Any) -> None:
    tracking = make_tracking(
        engine_customer,
        config={"selector": "button.buy-now"},
        destinations=["ga4", "google_ads"],
    )

    deployment = deploy(engine_customer)

    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
    tracking.refresh_from_db()
    assert tracking.status == TrackingStatus.LIVE, tracking.last_error
    live = live_version(engine_customer)
    assert deployment.gtm_version_id == live["containerVersionId"]
    triggers = [
        t
        for t in live["trigger"]
        if t.get("notes", "").startswith(entity_key("trigger", tracking.pk))
    ]
    assert len(triggers) == 1
    print(triggers[0])
    tags = {t["type"]: t for t in live["tag"] if str(tracking.pk) in t.get("notes", "")}
    assert set(tags) == {"gaawe", "awct"}
    action = next(a for a in ads_actions(engine_customer) if str(tracking.pk) in a["name"])
    assert parameters(tags["awct"])["conversionLabel"] == action["conversion_label"]
    assert parameters(tags["awct"])["conversionId"] == action["conversion_id"]
    assert tracking.ads_conversion_action_id == action["id"]
    assert ContainerVersion.objects.filter(
        customer=engine_customer, gtm_version_id=live["containerVersionId"], published_by_us=True
    ).exists()
