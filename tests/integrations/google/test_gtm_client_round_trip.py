"""The GtmClient methods the sync engine relies on, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from google_emulator import seed
from integrations.google.clients import google_clients_for
from integrations.google.errors import GtmFingerprintConflict
from tests.fixtures.google import oauth_connect

pytestmark = pytest.mark.django_db
ALL_PAGES = "2147479553"


def _html_tag(tag_id: str, name: str) -> dict[str, Any]:
    return {
        "tagId": tag_id,
        "name": name,
        "type": "html",
        "parameter": [
            {"type": "template", "key": "html", "value": "<script>window.octTest=1;</script>"},
            {"type": "boolean", "key": "supportDocumentWrite", "value": "false"},
        ],
        "firingTriggerId": [ALL_PAGES],
        "notes": "oneclicktag:tag:test",
    }


def test_a_workspace_change_is_versioned_published_and_live(
    alice: Any, google_emulator: Any
) -> None:
    clients = google_clients_for(oauth_connect(alice))
    gtm = clients.gtm
    workspace = gtm.create_workspace(seed.GTM_CONTAINER_PATH, "OneClickTag", "test")
    path = workspace["path"]
    assert gtm.sync_workspace(path) is not None

    changed = gtm.bulk_update(
        path, [{"tag": _html_tag("new_1", "OCT - test"), "changeStatus": "added"}]
    )
    assert [c["tag"]["name"] for c in changed] == ["OCT - test"]
    entities = gtm.list_entities(path)
    assert [t["name"] for t in entities["tag"]] == ["OCT - test"]
    assert set(entities) == {"tag", "trigger", "variable", "builtInVariable"}
    assert gtm.get_workspace_status(path)["workspaceChange"]

    created = gtm.create_version(path, "OneClickTag 1", "notes")
    version = created["containerVersion"]
    published = gtm.publish_version(version["path"])
    assert published["containerVersion"]["containerVersionId"] == version["containerVersionId"]
    live = gtm.live_version(seed.GTM_CONTAINER_PATH)
    assert live["containerVersionId"] == version["containerVersionId"]
    assert [t["name"] for t in live.get("tag", [])] == ["OCT - test"]
    assert (
        gtm.latest_version_header(seed.GTM_CONTAINER_PATH)["containerVersionId"]
        == version["containerVersionId"]
    )
    assert gtm.get_version(version["path"])["containerVersionId"] == version["containerVersionId"]
    assert clients.calls["gtm"] == 13  # one per request: list_entities is four


def test_updating_with_a_stale_fingerprint_is_a_conflict(alice: Any, google_emulator: Any) -> None:
    gtm = google_clients_for(oauth_connect(alice)).gtm
    path = gtm.create_workspace(seed.GTM_CONTAINER_PATH, "OneClickTag", "test")["path"]
    tag = gtm.bulk_update(path, [{"tag": _html_tag("new_1", "OCT - a"), "changeStatus": "added"}])[
        0
    ]["tag"]
    gtm.bulk_update(path, [{"tag": {**tag, "name": "OCT - b"}, "changeStatus": "updated"}])
    with pytest.raises(GtmFingerprintConflict):
        gtm.bulk_update(path, [{"tag": {**tag, "name": "OCT - c"}, "changeStatus": "updated"}])
