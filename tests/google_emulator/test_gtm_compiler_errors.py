"""create_version refuses dangling references with a bare `compilerError: true` (as Google
answers: no detail) and creates nothing; the detail is on the emulator's debug endpoint only."""

from __future__ import annotations

from .http_support import CONTAINER, WORKSPACE, compiler_errors


def _html_tag(name, html, triggers):
    return {
        "name": name,
        "type": "html",
        "parameter": [{"type": "template", "key": "html", "value": html}],
        "firingTriggerId": triggers,
    }


def test_a_tag_firing_on_a_missing_trigger_is_a_bare_compiler_error(gtm, google_emulator):
    workspaces = gtm.accounts().containers().workspaces()
    workspaces.tags().create(parent=WORKSPACE, body=_html_tag("T", "<p></p>", ["999"])).execute()

    answer = workspaces.create_version(path=WORKSPACE, body={"name": "v"}).execute()

    # The old emulator added `compilerErrors` naming the trigger; Google says nothing more.
    assert answer == {
        "compilerError": True,
        "syncStatus": {"mergeConflict": False, "syncError": False},
    }
    problems = compiler_errors(google_emulator.http_url, WORKSPACE)
    assert [(p["reference"], p["field"]) for p in problems] == [("999", "firingTriggerId[0]")]
    headers = gtm.accounts().containers().version_headers()
    assert headers.latest(parent=CONTAINER).execute()["containerVersionId"] == "1"
    assert workspaces.get(path=WORKSPACE).execute()["workspaceId"] == "1"


def test_quick_preview_is_a_bare_compiler_error_too(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    html = "<script>{{Missing Var}}</script>"
    workspaces.tags().create(parent=WORKSPACE, body=_html_tag("T", html, ["2147479553"])).execute()

    answer = workspaces.quick_preview(path=WORKSPACE).execute()

    assert answer["compilerError"] is True
    assert "compilerErrors" not in answer
    assert "containerVersion" not in answer


def test_a_builtin_variable_counts_only_once_enabled(gtm, google_emulator):
    workspaces = gtm.accounts().containers().workspaces()
    html = "<script>console.log({{Click Text}}, {{Page URL}}, {{_event}})</script>"
    workspaces.tags().create(
        parent=WORKSPACE, body=_html_tag("Uses built-ins", html, ["2147479553"])
    ).execute()

    refused = workspaces.create_version(path=WORKSPACE, body={}).execute()
    assert refused["compilerError"] is True
    problems = compiler_errors(google_emulator.http_url, WORKSPACE)
    assert {p["reference"] for p in problems} == {"Click Text"}

    workspaces.built_in_variables().create(parent=WORKSPACE, type=["clickText"]).execute()
    accepted = workspaces.create_version(path=WORKSPACE, body={"name": "ok"}).execute()

    assert accepted["compilerError"] is False
    assert accepted["containerVersion"]["containerVersionId"] != "1"
    # It was the only workspace: Google deletes it and makes a Default Workspace in its place.
    assert accepted["newWorkspacePath"] != WORKSPACE
    assert workspaces.get(path=accepted["newWorkspacePath"]).execute()["name"] == (
        "Default Workspace"
    )
