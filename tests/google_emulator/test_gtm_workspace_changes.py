"""A workspace is the latest version plus its own changes: status, revert, preview, versions."""

from __future__ import annotations

from .http_support import CONTAINER, WORKSPACE, assert_schema, google_error


def _tag(name, html="<script></script>"):
    return {
        "name": name,
        "type": "html",
        "parameter": [{"type": "template", "key": "html", "value": html}],
        "firingTriggerId": ["2147479553"],
        "tagFiringOption": "oncePerEvent",
    }


def test_status_lists_added_updated_and_deleted_entities_against_the_base_version(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    tags = workspaces.tags()
    kept = tags.create(parent=WORKSPACE, body=_tag("Kept")).execute()
    changed = tags.create(parent=WORKSPACE, body=_tag("Changed")).execute()
    gone = tags.create(parent=WORKSPACE, body=_tag("Gone")).execute()
    ws = workspaces.create_version(path=WORKSPACE, body={})
    ws = ws.execute()["newWorkspacePath"]
    tags.update(path=f"{ws}/tags/{changed['tagId']}", body=_tag("Changed", "<b></b>")).execute()
    tags.delete(path=f"{ws}/tags/{gone['tagId']}").execute()
    added = tags.create(parent=ws, body=_tag("Added")).execute()
    workspaces.built_in_variables().create(parent=ws, type=["clickUrl"]).execute()

    status = workspaces.getStatus(path=ws).execute()

    assert_schema("gtm", "GetWorkspaceStatusResponse", status)
    seen = {
        (c.get("tag", c.get("builtInVariable", {})).get("name"), c["changeStatus"])
        for c in status["workspaceChange"]
    }
    assert seen == {
        ("Changed", "updated"),
        ("Gone", "deleted"),
        ("Added", "added"),
        ("Click URL", "added"),
    }
    assert kept["tagId"] not in {c.get("tag", {}).get("tagId") for c in status["workspaceChange"]}
    assert added["path"].startswith(ws)


def test_revert_restores_the_base_version_and_drops_additions(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    tags = workspaces.tags()
    original = tags.create(parent=WORKSPACE, body=_tag("Original")).execute()
    ws = workspaces.create_version(path=WORKSPACE, body={}).execute()["newWorkspacePath"]
    path = f"{ws}/tags/{original['tagId']}"
    tags.update(path=path, body=_tag("Renamed")).execute()
    added = tags.create(parent=ws, body=_tag("Added")).execute()

    reverted = tags.revert(path=path).execute()
    dropped = tags.revert(path=added["path"]).execute()

    assert reverted["tag"]["name"] == "Original"
    assert dropped == {}
    assert [t["name"] for t in tags.list(parent=ws).execute()["tag"]] == ["Original"]
    builtins = workspaces.built_in_variables()
    builtins.delete(path=f"{ws}/built_in_variables", type=["pageUrl"]).execute()
    assert builtins.revert(path=ws, type="pageUrl").execute() == {"enabled": True}


def test_quick_preview_compiles_without_creating_a_version(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    workspaces.tags().create(parent=WORKSPACE, body=_tag("Preview me")).execute()

    preview = workspaces.quick_preview(path=WORKSPACE).execute()

    assert_schema("gtm", "QuickPreviewResponse", preview)
    assert preview["compilerError"] is False
    assert [t["name"] for t in preview["containerVersion"]["tag"]] == ["Preview me"]
    latest = gtm.accounts().containers().version_headers().latest(parent=CONTAINER).execute()
    assert latest["containerVersionId"] == "1"


def test_versions_can_be_deleted_undeleted_and_made_latest_but_not_the_live_one(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    versions = gtm.accounts().containers().versions()
    workspaces.tags().create(parent=WORKSPACE, body=_tag("In v2")).execute()
    v2 = workspaces.create_version(path=WORKSPACE, body={"name": "v2"}).execute()
    v2_path = v2["containerVersion"]["path"]

    with google_error(400):
        versions.delete(path=f"{CONTAINER}/versions/1").execute()
    versions.set_latest(path=f"{CONTAINER}/versions/1").execute()
    headers = gtm.accounts().containers().version_headers()
    assert headers.latest(parent=CONTAINER).execute()["containerVersionId"] == "1"
    versions.delete(path=v2_path).execute()
    assert [h["containerVersionId"] for h in headers.list(parent=CONTAINER).execute()[
        "containerVersionHeader"]] == ["1"]  # fmt: skip
    listed = headers.list(parent=CONTAINER, includeDeleted=True).execute()
    assert listed["containerVersionHeader"][1]["deleted"] is True
    assert versions.undelete(path=v2_path).execute().get("deleted") is None
