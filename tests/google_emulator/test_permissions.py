"""Permissions per grant (`POST /_emulator/access`, google_emulator/access.py): the old emulator
gave every caller every permission; each request refused below was accepted before."""

from __future__ import annotations

import pytest
import requests
from google.ads.googleads.errors import GoogleAdsException

from google_emulator import seed

from .ads_support import ads_client, error_codes, mutate, search, webpage_action
from .http_support import CONTAINER, WORKSPACE, google_error

HTML_TAG = {
    "name": "T",
    "type": "html",
    "parameter": [{"type": "template", "key": "html", "value": "<p></p>"}],
    "firingTriggerId": ["2147479553"],
}


def _grant(emulator, **apis):
    body = {"grants": [{"email": seed.OWNER_EMAIL, **apis}]}
    answer = requests.post(f"{emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _refused(call):
    with google_error(403) as error:
        call()
    assert error["status"] == "PERMISSION_DENIED"
    assert error["errors"][0]["reason"] == "forbidden"


def test_gtm_read_edit_approve_publish_each_allow_only_their_part(google_emulator, gtm):
    workspaces = gtm.accounts().containers().workspaces()
    versions = gtm.accounts().containers().versions()

    _grant(google_emulator, gtm={CONTAINER: "read"})
    assert workspaces.list(parent=CONTAINER).execute()["workspace"]
    _refused(lambda: workspaces.tags().create(parent=WORKSPACE, body=HTML_TAG).execute())

    _grant(google_emulator, gtm={CONTAINER: "edit"})
    workspaces.tags().create(parent=WORKSPACE, body=HTML_TAG).execute()
    _refused(lambda: workspaces.create_version(path=WORKSPACE, body={"name": "v"}).execute())

    _grant(google_emulator, gtm={CONTAINER: "approve"})
    made = workspaces.create_version(path=WORKSPACE, body={"name": "v"}).execute()
    version = made["containerVersion"]["path"]
    _refused(lambda: versions.publish(path=version).execute())
    assert versions.live(parent=CONTAINER).execute()["containerVersionId"] == "1"

    _grant(google_emulator, gtm={CONTAINER: "publish"})
    assert versions.publish(path=version).execute()["compilerError"] is False


def test_a_ga4_viewer_reads_but_cannot_create(google_emulator, ga4):
    _grant(google_emulator, ga4={seed.GA4_PROPERTY: "viewer"})
    assert ga4.properties().get(name=seed.GA4_PROPERTY).execute()["name"] == seed.GA4_PROPERTY
    stream = {
        "type": "WEB_DATA_STREAM",
        "displayName": "web",
        "webStreamData": {"defaultUri": "https://example.com"},
    }
    _refused(
        lambda: (
            ga4.properties().dataStreams().create(parent=seed.GA4_PROPERTY, body=stream).execute()
        )
    )
    _grant(google_emulator, ga4={seed.GA4_PROPERTY: "editor"})
    ga4.properties().dataStreams().create(parent=seed.GA4_PROPERTY, body=stream).execute()


def test_an_ads_read_only_user_searches_but_cannot_mutate(google_emulator):
    _grant(google_emulator, ads={seed.ADS_CLIENT_CUSTOMER_ID: "read_only"})
    client = ads_client(google_emulator)
    assert search(client, "SELECT conversion_action.id FROM conversion_action") == []

    with pytest.raises(GoogleAdsException) as refused:
        mutate(client, [webpage_action(client, "OCT Purchase")])

    assert error_codes(refused.value) == [("authorization_error", "ACTION_NOT_PERMITTED")]


def test_an_unapproved_developer_token_reaches_no_production_account(google_emulator):
    body = {"unapproved_developer_tokens": ["emulator-developer-token"]}
    answer = requests.post(f"{google_emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    client = ads_client(google_emulator)

    with pytest.raises(GoogleAdsException) as refused:
        search(client, "SELECT conversion_action.id FROM conversion_action")

    assert error_codes(refused.value) == [("authorization_error", "DEVELOPER_TOKEN_NOT_APPROVED")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grants": [{"email": seed.OWNER_EMAIL, "gtm": {CONTAINER: "owner"}}]},
         f"grants[0].gtm.{CONTAINER}"),
        ({"grants": [{"email": seed.OWNER_EMAIL, "ga4": {"accounts/1": "viewer"}}]},
         "grants[0].ga4"),
        ({"grants": [{"email": seed.OWNER_EMAIL, "drive": {}}]}, "grants[0].drive"),
        ({"unapproved_developer_tokens": "x"}, "unapproved_developer_tokens"),
    ],
)  # fmt: skip
def test_a_bad_access_configuration_is_a_400_naming_the_field(google_emulator, body, field):
    answer = requests.post(f"{google_emulator.http_url}/_emulator/access", json=body, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field


def test_a_reset_gives_full_access_back(google_emulator, gtm):
    _grant(google_emulator, gtm={CONTAINER: "read"})
    google_emulator.reset()
    assert requests.get(f"{google_emulator.http_url}/_emulator/access", timeout=10).json() == {
        "grants": [],
        "unapproved_developer_tokens": [],
        "declined_scopes": [],
    }


MANAGE_USERS = "https://www.googleapis.com/auth/tagmanager.manage.users"


def test_only_an_account_administrator_lists_users_with_their_container_permissions(
    google_emulator,
):
    from .http_support import ALL_SCOPES, gtm_service, sign_in

    creds = sign_in(google_emulator.http_url, (*ALL_SCOPES, MANAGE_USERS))
    users = gtm_service(google_emulator.http_url, creds).accounts().user_permissions()
    _grant(google_emulator, gtm={CONTAINER: "edit"})
    listed = users.list(parent=seed.GTM_ACCOUNT_PATH).execute()["userPermission"]
    me = next(u for u in listed if u["emailAddress"] == seed.OWNER_EMAIL)
    assert me["accountAccess"] == {"permission": "admin"}
    access = {a["containerId"]: a["permission"] for a in me["containerAccess"]}
    assert access[seed.GTM_CONTAINER_ID] == "edit"
    assert me["path"].startswith(f"{seed.GTM_ACCOUNT_PATH}/user_permissions/")

    # An account "user" may neither see who has access nor create containers (GTM help 6107011).
    _grant(google_emulator, gtm_account={seed.GTM_ACCOUNT_PATH: "user"})
    _refused(lambda: users.list(parent=seed.GTM_ACCOUNT_PATH).execute())
    containers = gtm_service(google_emulator.http_url, creds).accounts().containers()
    body = {"name": "Theirs", "usageContext": ["web"]}
    _refused(lambda: containers.create(parent=seed.GTM_ACCOUNT_PATH, body=body).execute())


def test_listing_users_needs_the_manage_users_scope(google_emulator, gtm):
    with google_error(403) as error:
        gtm.accounts().user_permissions().list(parent=seed.GTM_ACCOUNT_PATH).execute()
    assert error["errors"][0]["reason"] == "insufficientPermissions"


def test_a_declined_scope_is_not_granted_but_sign_in_scopes_cannot_be_declined(
    google_emulator, monkeypatch
):
    from .http_support import ALL_SCOPES, gtm_service, sign_in

    # oauthlib refuses a token whose scopes differ from the asked ones unless told to relax.
    monkeypatch.setenv("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")
    url = f"{google_emulator.http_url}/_emulator/access"
    body = {"grants": [], "declined_scopes": [MANAGE_USERS]}
    assert requests.post(url, json=body, timeout=10).status_code == 200
    creds = sign_in(google_emulator.http_url, (*ALL_SCOPES, MANAGE_USERS))
    users = gtm_service(google_emulator.http_url, creds).accounts().user_permissions()
    with google_error(403) as error:
        users.list(parent=seed.GTM_ACCOUNT_PATH).execute()
    assert error["errors"][0]["reason"] == "insufficientPermissions"
    refused = requests.post(url, json={"declined_scopes": ["openid"]}, timeout=10)
    assert refused.status_code == 400
    assert "declined_scopes" in refused.text
