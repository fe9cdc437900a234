"""sync reports merge conflicts; versions and bulk updates wait until they are resolved."""

from __future__ import annotations

from .http_support import CONTAINER, WORKSPACE, assert_schema, google_error


def _variable(value):
    return {"name": "Currency", "type": "c",
            "parameter": [{"type": "template", "key": "value", "value": value}]}  # fmt: skip


def test_a_workspace_that_changed_what_the_latest_version_changed_gets_a_merge_conflict(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    variables = workspaces.variables()
    base = variables.create(parent=WORKSPACE, body=_variable("USD")).execute()
    first = workspaces.create_version(path=WORKSPACE, body={"name": "base"}).execute()
    default_ws = first["newWorkspacePath"]
    other = workspaces.create(parent=CONTAINER, body={"name": "Other"}).execute()["path"]
    theirs = f"{default_ws}/variables/{base['variableId']}"
    mine = f"{other}/variables/{base['variableId']}"
    current = variables.get(path=theirs).execute()
    variables.update(
        path=theirs, fingerprint=current["fingerprint"], body=_variable("EUR")
    ).execute()
    workspaces.create_version(path=default_ws, body={"name": "eur"}).execute()
    current = variables.get(path=mine).execute()
    variables.update(path=mine, fingerprint=current["fingerprint"], body=_variable("GBP")).execute()

    synced = workspaces.sync(path=other).execute()

    assert_schema("gtm", "SyncWorkspaceResponse", synced)
    assert synced["syncStatus"]["mergeConflict"] is True
    conflict = synced["mergeConflict"][0]
    assert conflict["entityInWorkspace"]["variable"]["parameter"][0]["value"] == "GBP"
    assert conflict["entityInBaseVersion"]["variable"]["parameter"][0]["value"] == "EUR"
    with google_error(409):
        workspaces.create_version(path=other, body={}).execute()
    with google_error(409):
        workspaces.bulk_update(
            path=other,
            body={"changes": [{"variable": {**_variable("X"), "name": "New", "variableId": "new_1"},
                               "changeStatus": "added"}]},
        ).execute()  # fmt: skip
    status = workspaces.getStatus(path=other).execute()
    assert len(status["mergeConflict"]) == 1

    resolved = {**conflict["entityInBaseVersion"]["variable"]}
    workspaces.resolve_conflict(
        path=other, fingerprint=conflict["entityInWorkspace"]["variable"]["fingerprint"],
        body={"variable": resolved, "changeStatus": "updated"},
    ).execute()  # fmt: skip

    created = workspaces.create_version(path=other, body={"name": "merged"}).execute()
    assert created["compilerError"] is False
    assert created["containerVersion"]["variable"][0]["parameter"][0]["value"] == "EUR"


def test_sync_without_competing_changes_takes_the_latest_version_quietly(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    other = workspaces.create(parent=CONTAINER, body={"name": "Other"}).execute()["path"]
    workspaces.variables().create(parent=WORKSPACE, body=_variable("USD")).execute()
    workspaces.create_version(path=WORKSPACE, body={}).execute()

    synced = workspaces.sync(path=other).execute()

    assert synced["syncStatus"] == {"mergeConflict": False, "syncError": False}
    names = [v["name"] for v in workspaces.variables().list(parent=other).execute()["variable"]]
    assert names == ["Currency"]
