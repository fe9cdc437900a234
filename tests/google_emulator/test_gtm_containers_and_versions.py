"""Containers, publishing and version headers as the product's GTM client uses them."""

from __future__ import annotations

import re

from google_emulator import seed

from .http_support import CONTAINER, WORKSPACE, assert_schema, google_error


def test_the_seeded_container_has_a_published_empty_version_one(gtm):
    containers = gtm.accounts().containers()
    listed = containers.list(parent=seed.GTM_ACCOUNT_PATH).execute()["container"]
    assert [c["publicId"] for c in listed] == [seed.GTM_CONTAINER_PUBLIC_ID]
    assert_schema("gtm", "Container", listed[0])

    live = containers.versions().live(parent=CONTAINER).execute()

    assert live["containerVersionId"] == seed.GTM_PUBLISHED_VERSION_ID
    assert "tag" not in live
    header = containers.version_headers().latest(parent=CONTAINER).execute()
    assert_schema("gtm", "ContainerVersionHeader", header)
    assert header["numTags"] == "0"


def test_a_new_web_container_has_a_public_id_a_default_workspace_and_nothing_live(gtm):
    containers = gtm.accounts().containers()

    created = containers.create(
        parent=seed.GTM_ACCOUNT_PATH, body={"name": "OneClickTag - Acme", "usageContext": ["web"]}
    ).execute()

    assert re.fullmatch(r"GTM-[A-Z0-9]{7}", created["publicId"])
    workspaces = containers.workspaces().list(parent=created["path"]).execute()["workspace"]
    assert [w["name"] for w in workspaces] == ["Default Workspace"]
    with google_error(404):
        containers.versions().live(parent=created["path"]).execute()
    with google_error(400, "container.usageContext"):
        containers.create(parent=seed.GTM_ACCOUNT_PATH, body={"name": "No context"}).execute()


def test_publishing_an_older_version_rolls_back_and_a_stale_fingerprint_is_refused(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    versions = gtm.accounts().containers().versions()
    workspaces.built_in_variables().create(parent=WORKSPACE, type=["clickText"]).execute()
    created = workspaces.create_version(path=WORKSPACE, body={"name": "v2"}).execute()
    v2 = created["containerVersion"]
    published = versions.publish(path=v2["path"], fingerprint=v2["fingerprint"]).execute()
    assert published["compilerError"] is False
    assert (
        versions.live(parent=CONTAINER).execute()["containerVersionId"] == v2["containerVersionId"]
    )

    renamed = versions.update(
        path=v2["path"], fingerprint=v2["fingerprint"], body={"name": "renamed"}
    ).execute()
    with google_error(412):
        versions.publish(path=v2["path"], fingerprint=v2["fingerprint"]).execute()

    versions.publish(path=f"{CONTAINER}/versions/1").execute()
    assert versions.live(parent=CONTAINER).execute()["containerVersionId"] == "1"
    assert renamed["name"] == "renamed"
    headers = gtm.accounts().containers().version_headers().list(parent=CONTAINER).execute()
    assert [h["containerVersionId"] for h in headers["containerVersionHeader"]] == [
        "1",
        v2["containerVersionId"],
    ]
