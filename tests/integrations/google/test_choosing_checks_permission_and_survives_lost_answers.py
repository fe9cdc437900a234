"""Choosing Google resources, when Google is not on our side:

- a container the signed-in person may not publish is refused when chosen (GTM reports the
  permission only through `accounts.user_permissions`, which answers an account administrator
  whose grant holds the optional manage.users scope); when Google will not tell, the choice
  stands and the deployment reports the missing permission
  (tests/trackings/test_engine_permissions.py);
- a "create" whose answer is lost (the write landed, the answer is a 5xx) makes one container,
  property or stream, never two, whether the same request finds it or the client retries.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from customers.models import GoogleConnection
from google_emulator import seed
from integrations.google.clients import google_clients_for
from integrations.google.oauth import MANAGE_USERS_SCOPE
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db

USER_PERMISSIONS = "tagmanager.accounts.user_permissions.list"
CHOOSE_SEEDED = {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": seed.GTM_CONTAINER_ID}


def _access(emulator: Any, **config: Any) -> None:
    body = {"grants": config.pop("grants", []), **config}
    answer = requests.post(f"{emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text


def _grant(emulator: Any, **apis: Any) -> None:
    _access(emulator, grants=[{"email": seed.OWNER_EMAIL, **apis}])


def _patch(client: Any, connection: GoogleConnection, body: dict[str, Any]) -> Any:
    return client.patch(f"/api/v1/customers/{connection.customer_id}/google/", body, format="json")


def _workspace_names(connection: GoogleConnection) -> list[str]:
    gtm = google_clients_for(connection).gtm
    return [w["name"] for w in gtm.list_workspaces(seed.GTM_CONTAINER_PATH)]


@pytest.mark.parametrize("level", ["read", "edit", "approve"])
def test_a_container_without_publish_is_refused_when_chosen_and_nothing_is_made(
    alice: Any, google_emulator: Any, level: str
) -> None:
    connection = oauth_connect(alice)
    assert MANAGE_USERS_SCOPE in connection.scopes
    _grant(google_emulator, gtm={seed.GTM_CONTAINER_PATH: level})

    response = _patch(alice.client, connection, CHOOSE_SEEDED)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "google_insufficient_permission"
    message = error["fields"]["gtm_container_id"][0]
    assert "needs the Publish permission" in message
    assert f"has {level.capitalize()}" in message
    stored = GoogleConnection.objects.get(pk=connection.pk)
    assert (stored.gtm_container_id, stored.version) == ("", connection.version)
    # Refused before our workspace was made in it.
    assert "OneClickTag" not in _workspace_names(stored)


def test_with_publish_the_container_is_chosen(alice: Any, google_emulator: Any) -> None:
    connection = oauth_connect(alice)
    _grant(google_emulator, gtm={seed.GTM_CONTAINER_PATH: "publish"})
    before = google_emulator.stats()["calls"].get(USER_PERMISSIONS, 0)
    response = _patch(alice.client, connection, CHOOSE_SEEDED)
    assert response.status_code == 200, response.content
    assert response.json()["gtm_container_id"] == seed.GTM_CONTAINER_ID
    assert google_emulator.stats()["calls"].get(USER_PERMISSIONS, 0) == before + 1


def test_a_person_who_is_not_account_administrator_is_checked_at_deploy_time(
    alice: Any, google_emulator: Any
) -> None:
    # Google will not list users for an account "user": the choice stands (the deployment names
    # the missing permission later; test_engine_permissions.py).
    connection = oauth_connect(alice)
    _grant(
        google_emulator,
        gtm_account={seed.GTM_ACCOUNT_PATH: "user"},
        gtm={seed.GTM_CONTAINER_PATH: "edit"},
    )
    response = _patch(alice.client, connection, CHOOSE_SEEDED)
    assert response.status_code == 200, response.content


def test_without_the_optional_scope_google_is_not_asked(alice: Any, google_emulator: Any) -> None:
    _access(google_emulator, declined_scopes=[MANAGE_USERS_SCOPE])
    connection = oauth_connect(alice)
    assert MANAGE_USERS_SCOPE not in connection.scopes
    # The connection is complete without it: nothing to reconnect for.
    status = alice.client.get(f"/api/v1/customers/{connection.customer_id}/google/").json()
    assert status["missing_scopes"] == []
    _grant(google_emulator, gtm={seed.GTM_CONTAINER_PATH: "edit"})
    response = _patch(alice.client, connection, CHOOSE_SEEDED)
    assert response.status_code == 200, response.content
    assert google_emulator.stats()["calls"].get(USER_PERMISSIONS, 0) == 0


def _lose_the_answer(emulator: Any, api: str, method: str) -> None:
    emulator.configure(
        {"faults": [{"api": api, "method": method, "status": 503, "count": 1, "after": True}]}
    )


def test_a_lost_answer_to_create_container_makes_one_container(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    _lose_the_answer(google_emulator, "gtm", "tagmanager.accounts.containers.create")
    body = {"gtm_account_id": seed.GTM_ACCOUNT_ID, "gtm_container_id": "create"}
    response = _patch(alice.client, connection, body)
    assert response.status_code == 200, response.content
    gtm = google_clients_for(connection).gtm
    names = [c["name"] for c in gtm.list_containers(seed.GTM_ACCOUNT_PATH)]
    assert names.count(f"OneClickTag - {connection.customer.name}") == 1
    assert response.json()["gtm_container_id"] != seed.GTM_CONTAINER_ID


def test_a_lost_answer_to_create_property_and_stream_makes_one_of_each(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    ga4 = google_clients_for(connection).ga4
    before = {p["property"] for s in ga4.list_account_summaries() for p in s["propertySummaries"]}
    google_emulator.configure(
        {
            "faults": [
                {
                    "api": "ga4",
                    "method": method,
                    "status": 503,
                    "count": 1,
                    "after": True,
                }
                for method in (
                    "analyticsadmin.properties.create",
                    "analyticsadmin.properties.dataStreams.create",
                )
            ]
        }
    )
    response = _patch(
        alice.client, connection, {"ga4_property_id": "create", "ga4_stream_id": "create"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    after = {p["property"] for s in ga4.list_account_summaries() for p in s["propertySummaries"]}
    assert after - before == {f"properties/{data['ga4_property_id']}"}
    streams = ga4.list_web_streams(f"properties/{data['ga4_property_id']}")
    assert [s["name"].rsplit("/", 1)[-1] for s in streams] == [data["ga4_stream_id"]]
    assert data["ga4_measurement_id"].startswith("G-")


def test_a_retried_create_adopts_the_property_instead_of_making_another(
    alice: Any, google_emulator: Any
) -> None:
    connection = oauth_connect(alice)
    ga4 = google_clients_for(connection).ga4
    body = {"ga4_property_id": "create", "ga4_stream_id": "create"}
    first = _patch(alice.client, connection, body).json()
    # The client did not hear the answer and sends the same request again.
    connection = GoogleConnection.objects.get(pk=connection.pk)
    second = _patch(alice.client, connection, body)
    assert second.status_code == 200, second.content
    assert second.json()["ga4_property_id"] == first["ga4_property_id"]
    assert second.json()["ga4_stream_id"] == first["ga4_stream_id"]
    names = [p["displayName"] for s in ga4.list_account_summaries() for p in s["propertySummaries"]]
    assert names.count(f"OneClickTag - {connection.customer.name}") == 1
