"""A container holds at most three workspaces, like a free GTM container."""

from __future__ import annotations

from .http_support import CONTAINER, google_error


def test_the_fourth_workspace_is_refused_until_one_is_deleted(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    second = workspaces.create(parent=CONTAINER, body={"name": "OneClickTag"}).execute()
    workspaces.create(parent=CONTAINER, body={"name": "Agency"}).execute()

    with google_error(400) as error:
        workspaces.create(parent=CONTAINER, body={"name": "One too many"}).execute()

    assert error["status"] == "FAILED_PRECONDITION"
    assert "limit" in error["message"].lower()
    assert len(workspaces.list(parent=CONTAINER).execute()["workspace"]) == 3
    workspaces.delete(path=second["path"]).execute()
    assert workspaces.create(parent=CONTAINER, body={"name": "Now fits"}).execute()["name"]


def test_create_version_deletes_the_workspace_and_makes_none_while_another_is_left(gtm):
    """The old emulator re-made every versioned workspace under its old name and always answered
    `newWorkspacePath`; Google deletes it and makes a Default Workspace only for an empty
    container (workspaces.create_version reference)."""
    workspaces = gtm.accounts().containers().workspaces()
    ours = workspaces.create(parent=CONTAINER, body={"name": "OneClickTag"}).execute()

    answer = workspaces.create_version(path=ours["path"], body={"name": "v"}).execute()

    assert answer["compilerError"] is False
    assert "newWorkspacePath" not in answer
    names = [w["name"] for w in workspaces.list(parent=CONTAINER).execute()["workspace"]]
    assert names == ["Default Workspace"]
    with google_error(404):
        workspaces.get(path=ours["path"]).execute()
