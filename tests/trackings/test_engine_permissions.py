"""A Google account that may edit a GTM container but not publish it: the deployment fails with
`google_insufficient_permission` naming the permission OneClickTag needs, and nothing is left
half-done (no version published; a version made but not publishable is withdrawn, the live one
is the latest again). The emulator enforces GTM's container permissions (issue 8)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from google_emulator import seed
from integrations.google.clients import google_clients_for
from tests.fixtures.trackings import (
    connection_of,
    container_path,
    deploy,
    live_version,
    make_tracking,
)
from trackings.models import DeploymentStatus, Tracking, TrackingStatus

pytestmark = pytest.mark.django_db


def _permission(emulator: Any, customer: Any, level: str) -> None:
    body = {"grants": [{"email": seed.OWNER_EMAIL, "gtm": {container_path(customer): level}}]}
    answer = requests.post(f"{emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text


def _latest_id(customer: Any) -> str:
    gtm = google_clients_for(connection_of(customer)).gtm
    return str(gtm.latest_version_header(container_path(customer))["containerVersionId"])


@pytest.mark.parametrize(
    ("level", "missing"), [("edit", "lacks Approve and Publish"), ("approve", "not publish them")]
)
def test_without_publish_the_deployment_fails_naming_it_and_nothing_is_half_done(
    engine_customer: Any, google_emulator: Any, level: str, missing: str
) -> None:
    make_tracking(engine_customer)
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    live_before = live_version(engine_customer)["containerVersionId"]
    _permission(google_emulator, engine_customer, level)
    tracking = make_tracking(engine_customer, name="Needs publish")

    failed = deploy(engine_customer)

    assert failed.status == DeploymentStatus.FAILED
    assert failed.error_code == "google_insufficient_permission"
    assert "needs the Publish permission" in failed.error_message
    assert missing in failed.error_message
    assert "nothing was published" in failed.error_message.lower()
    assert live_version(engine_customer)["containerVersionId"] == live_before
    # The live version is the latest: no one's next workspace starts from our unpublished one.
    assert _latest_id(engine_customer) == live_before
    tracking.refresh_from_db()
    assert tracking.status != TrackingStatus.LIVE

    # Granted Publish, the next deployment goes through.
    _permission(google_emulator, engine_customer, "publish")
    assert deploy(engine_customer).status == DeploymentStatus.SUCCEEDED
    assert (
        Tracking.objects.filter(customer=engine_customer, status=TrackingStatus.LIVE).count() == 2
    )
