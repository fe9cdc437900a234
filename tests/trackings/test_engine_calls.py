"""GTM and Ads calls per deployment do not grow with the number of trackings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import calls_by_api, deploy, make_tracking
from trackings.models import DeploymentStatus, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db


def test_deploying_1_10_and_100_new_trackings_takes_the_same_calls(
    engine_customer: Any, google_emulator: Any
) -> None:
    spent: dict[int, dict[str, int]] = {}
    for count in (1, 10, 100):
        for index in range(count):
            make_tracking(
                engine_customer,
                name=f"Button {count}-{index}",
                config={"selector": f"#buy-{count}-{index}"},
                destinations=["ga4", "google_ads"],
            )
        before = calls_by_api(google_emulator.stats())
        deployment = deploy(engine_customer)
        after = calls_by_api(google_emulator.stats())
        assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message
        spent[count] = {api: after[api] - before[api] for api in ("gtm", "ads")}
        # What the deployment says it spent is what Google (the emulator) saw.
        assert deployment.google_calls["gtm"] == spent[count]["gtm"]
        assert deployment.google_calls["ads"] == spent[count]["ads"]

    assert spent[1] == spent[10] == spent[100], spent
    assert spent[1]["gtm"] <= 8
    assert spent[1]["ads"] <= 2
    assert (
        Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE).count() == 111
    )
