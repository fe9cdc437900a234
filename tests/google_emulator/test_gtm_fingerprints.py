"""Updates need the current fingerprint: a stale one is refused and nothing changes."""

from __future__ import annotations

from .http_support import WORKSPACE, google_error


def _variable(name="Order total", key="ecommerce.value"):
    return {
        "name": name,
        "type": "v",
        "parameter": [
            {"type": "integer", "key": "dataLayerVersion", "value": "2"},
            {"type": "template", "key": "name", "value": key},
        ],
    }


def test_every_change_gives_a_new_fingerprint_and_a_stale_update_is_refused(gtm):
    variables = gtm.accounts().containers().workspaces().variables()
    first = variables.create(parent=WORKSPACE, body=_variable()).execute()
    second = variables.update(
        path=first["path"], fingerprint=first["fingerprint"], body=_variable(key="value")
    ).execute()
    assert second["fingerprint"] != first["fingerprint"]

    with google_error(412) as error:
        variables.update(
            path=first["path"], fingerprint=first["fingerprint"], body=_variable(key="stale")
        ).execute()

    assert "fingerprint" in error["message"].lower()
    current = variables.get(path=first["path"]).execute()
    assert current["parameter"][1]["value"] == "value"
    assert current["fingerprint"] == second["fingerprint"]


def test_a_stale_fingerprint_in_bulk_update_aborts_the_whole_call(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    variables = workspaces.variables()
    created = variables.create(parent=WORKSPACE, body=_variable()).execute()
    variables.update(
        path=created["path"], fingerprint=created["fingerprint"], body=_variable(key="newer")
    ).execute()
    stale = {**_variable(key="mine"), "variableId": created["variableId"],
             "fingerprint": created["fingerprint"]}  # fmt: skip
    added = {**_variable(name="Other"), "variableId": "new_1"}

    with google_error(409) as error:
        workspaces.bulk_update(
            path=WORKSPACE,
            body={"changes": [{"variable": added, "changeStatus": "added"},
                              {"variable": stale, "changeStatus": "updated"}]},
        ).execute()  # fmt: skip

    assert error["status"] == "ABORTED"
    names = [v["name"] for v in variables.list(parent=WORKSPACE).execute()["variable"]]
    assert names == ["Order total"]
    assert variables.get(path=created["path"]).execute()["parameter"][1]["value"] == "newer"
