"""create_version refuses dangling references with compilerError and creates nothing."""

from __future__ import annotations

from .http_support import CONTAINER, WORKSPACE


def _html_tag(name, html, triggers):
    return {
        "name": name,
        "type": "html",
        "parameter": [{"type": "template", "key": "html", "value": html}],
        "firingTriggerId": triggers,
    }


def test_a_tag_firing_on_a_missing_trigger_is_a_compiler_error_naming_it(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    workspaces.tags().create(parent=WORKSPACE, body=_html_tag("T", "<p></p>", ["999"])).execute()

    answer = workspaces.create_version(path=WORKSPACE, body={"name": "v"}).execute()

    assert answer["compilerError"] is True
    assert "containerVersion" not in answer
    assert answer["compilerErrors"][0]["reference"] == "999"
    assert answer["compilerErrors"][0]["field"] == "firingTriggerId[0]"
    headers = gtm.accounts().containers().version_headers()
    assert headers.latest(parent=CONTAINER).execute()["containerVersionId"] == "1"
    assert workspaces.get(path=WORKSPACE).execute()["workspaceId"] == "1"


def test_a_builtin_variable_counts_only_once_enabled(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    html = "<script>console.log({{Click Text}}, {{Page URL}}, {{_event}})</script>"
    workspaces.tags().create(
        parent=WORKSPACE, body=_html_tag("Uses built-ins", html, ["2147479553"])
    ).execute()

    refused = workspaces.create_version(path=WORKSPACE, body={}).execute()
    assert refused["compilerError"] is True
    assert {p["reference"] for p in refused["compilerErrors"]} == {"Click Text"}

    workspaces.built_in_variables().create(parent=WORKSPACE, type=["clickText"]).execute()
    accepted = workspaces.create_version(path=WORKSPACE, body={"name": "ok"}).execute()

    assert accepted["compilerError"] is False
    assert accepted["containerVersion"]["containerVersionId"] != "1"
    assert accepted["newWorkspacePath"] != WORKSPACE
    assert workspaces.get(path=accepted["newWorkspacePath"]).execute()["name"] == (
        "Default Workspace"
    )
