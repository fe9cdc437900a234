"""The whole journey through the public API against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.oauth import SCOPES
from tests.fixtures.google import make_customer, run_oauth_flow

pytestmark = pytest.mark.django_db


def test_an_admin_connects_lists_and_chooses_through_the_api(
    alice: Any, google_emulator: Any
) -> None:
    customer = make_customer(alice)
    base = f"/api/v1/customers/{customer.pk}/google/"
    assert alice.client.get(base).json()["status"] == "not_connected"

    callback = run_oauth_flow(alice.client, customer)
    assert callback.status_code == 200, callback.content
    assert callback.json()["status"] == "connected"

    status = alice.client.get(base).json()
    assert status["status"] == "connected"
    assert status["google_email"] == seed.OWNER_EMAIL
    assert "https://www.googleapis.com/auth/tagmanager.publish" in status["scopes"]
    assert "https://www.googleapis.com/auth/tagmanager.edit.containerversions" in status["scopes"]
    assert status["missing_scopes"] == []
    assert len(status["scopes"]) >= len(SCOPES)

    containers = alice.client.get(base + "gtm-containers/").json()["accounts"]
    assert [a["account_id"] for a in containers] == [seed.GTM_ACCOUNT_ID]
    assert containers[0]["containers"][0]["public_id"] == seed.GTM_CONTAINER_PUBLIC_ID

    ads = alice.client.get(base + "ads-accounts/").json()["accounts"]
    by_id = {(a["id"], a["login_customer_id"]): a for a in ads}
    assert by_id[(seed.ADS_MANAGER_CUSTOMER_ID, None)]["manager"] is True
    assert (
        by_id[(seed.ADS_CLIENT_CUSTOMER_ID, seed.ADS_MANAGER_CUSTOMER_ID)]["name"]
        == seed.ADS_CLIENT_NAME
    )

    response = alice.client.get(base + "ga4-properties/")
    assert response.status_code == 200, response.content
    properties = response.json()["properties"]
    assert [p["property"] for p in properties] == [seed.GA4_PROPERTY]
    assert properties[0]["streams"] == []

    response = alice.client.patch(
        base,
        {
            "gtm_account_id": seed.GTM_ACCOUNT_ID,
            "gtm_container_id": seed.GTM_CONTAINER_ID,
            "ads_customer_id": seed.ADS_CLIENT_CUSTOMER_ID,
            "ads_login_customer_id": seed.ADS_MANAGER_CUSTOMER_ID,
            "ga4_property_id": seed.GA4_PROPERTY,
            "ga4_stream_id": "create",
            "version": status["version"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    chosen = response.json()
    assert chosen["gtm_public_id"] == seed.GTM_CONTAINER_PUBLIC_ID
    assert chosen["gtm_workspace_id"] not in ("", seed.GTM_DEFAULT_WORKSPACE_ID)
    assert chosen["ga4_measurement_id"].startswith("G-")
    assert chosen["ads_conversion_customer_id"] == seed.ADS_CLIENT_CUSTOMER_ID
    assert chosen["version"] == status["version"] + 1

    streams = alice.client.get(base + "ga4-properties/").json()["properties"][0]["streams"]
    assert [s["stream_id"] for s in streams] == [chosen["ga4_stream_id"]]
    assert streams[0]["default_uri"].rstrip("/") == customer.website_url.rstrip("/")

    connection = GoogleConnection.objects.get(customer=customer)
    assert connection.ga4_stream_id == chosen["ga4_stream_id"]
    assert not [key for key in response.json() if "token" in key]
