"""Requests Google would reject are rejected, naming the field; nothing invalid is stored."""

from __future__ import annotations

import pytest

from .http_support import WORKSPACE, assert_schema, google_error


def _custom_event(name="Lead", event="generate_lead"):
    return {
        "name": name,
        "type": "customEvent",
        "customEventFilter": [
            {
                "type": "equals",
                "parameter": [
                    {"type": "template", "key": "arg0", "value": "{{_event}}"},
                    {"type": "template", "key": "arg1", "value": event},
                ],
            }
        ],
    }


def _triggers(gtm):
    return gtm.accounts().containers().workspaces().triggers()


def _tags(gtm):
    return gtm.accounts().containers().workspaces().tags()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**_custom_event(), "colour": "red"}, "trigger.colour"),
        ({**_custom_event(), "name": 5}, "trigger.name"),
        ({**_custom_event(), "type": "mouseHover"}, "trigger.type"),
        (
            {**_custom_event(), "filter": [{"type": "looksLike", "parameter": []}]},
            "trigger.filter[0].type",
        ),
        ({k: v for k, v in _custom_event().items() if k != "name"}, "trigger.name"),
        ({**_custom_event(), "customEventFilter": []}, "trigger.customEventFilter"),
        (
            {**_custom_event(), "waitForTags": {"type": "boolean", "value": "true"}},
            "trigger.waitForTags",
        ),
        (
            {**_custom_event(), "parameter": [{"type": "boolean", "key": "x", "value": "yes"}]},
            "trigger.parameter[0].value",
        ),
        (
            {**_custom_event(), "parameter": [{"key": "x", "value": "1"}]},
            "trigger.parameter[0].type",
        ),
    ],
    ids=[
        "unknown-field",
        "wrong-type",
        "unknown-enum",
        "nested-unknown-enum",
        "missing-name",
        "custom-event-without-filter",
        "wait-for-tags-on-custom-event",
        "boolean-not-a-boolean",
        "parameter-without-type",
    ],
)
def test_it_rejects_a_trigger_google_would_reject_naming_the_field(gtm, body, field):
    with google_error(400, field) as error:
        _triggers(gtm).create(parent=WORKSPACE, body=body).execute()

    assert error["status"] == "INVALID_ARGUMENT"
    assert _triggers(gtm).list(parent=WORKSPACE).execute().get("trigger", []) == []


def test_it_accepts_the_ui_upper_snake_spelling_and_stores_the_discovery_form(gtm):
    body = {
        "name": "Checkout button",
        "type": "CLICK",
        "filter": [
            {
                "type": "CSS_SELECTOR",
                "parameter": [
                    {"type": "TEMPLATE", "key": "arg0", "value": "{{Click Element}}"},
                    {"type": "TEMPLATE", "key": "arg1", "value": "button.checkout"},
                ],
            }
        ],
    }

    created = _triggers(gtm).create(parent=WORKSPACE, body=body).execute()

    read = _triggers(gtm).get(path=created["path"]).execute()
    assert_schema("gtm", "Trigger", read)
    assert read["type"] == "click"
    assert read["filter"][0]["type"] == "cssSelector"
    assert {p["type"] for p in read["filter"][0]["parameter"]} == {"template"}


def test_it_rejects_a_nameless_tag_and_a_typeless_tag(gtm):
    with google_error(400, "tag.name"):
        _tags(gtm).create(parent=WORKSPACE, body={"type": "html"}).execute()
    with google_error(400, "tag.type"):
        _tags(gtm).create(parent=WORKSPACE, body={"name": "No type"}).execute()
    with google_error(400, "tag.type"):
        _tags(gtm).create(parent=WORKSPACE, body={"name": "Odd", "type": "Google Tag"}).execute()


def test_it_rejects_a_duplicate_tag_name(gtm):
    body = {"name": "Same", "type": "html", "parameter": [
        {"type": "template", "key": "html", "value": "<script></script>"}]}  # fmt: skip
    _tags(gtm).create(parent=WORKSPACE, body=body).execute()

    with google_error(400, "tag.name"):
        _tags(gtm).create(parent=WORKSPACE, body=body).execute()


def test_bulk_update_names_the_change_that_is_invalid_and_applies_nothing(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    good = {"trigger": {**_custom_event(), "triggerId": "new_1"}, "changeStatus": "added"}
    bad = {
        "tag": {"name": "Bad", "type": "gaawe", "tagId": "new_1",
                "tagFiringOption": "whenever", "firingTriggerId": ["new_1"]},
        "changeStatus": "added",
    }  # fmt: skip

    with google_error(400, "changes[1].tag.tagFiringOption"):
        workspaces.bulk_update(path=WORKSPACE, body={"changes": [good, bad]}).execute()

    assert _triggers(gtm).list(parent=WORKSPACE).execute().get("trigger", []) == []


def test_bulk_update_refuses_a_new_id_that_is_not_new_n(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    change = {"trigger": {**_custom_event(), "triggerId": "42"}, "changeStatus": "added"}

    with google_error(400, "changes[0].trigger.triggerId"):
        workspaces.bulk_update(path=WORKSPACE, body={"changes": [change]}).execute()


def test_bulk_update_refuses_a_reference_to_a_placeholder_it_does_not_define(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    tag = {"name": "T", "type": "html", "tagId": "new_1", "firingTriggerId": ["new_7"],
           "parameter": [{"type": "template", "key": "html", "value": "<p></p>"}]}  # fmt: skip

    with google_error(400, "changes[0].tag.firingTriggerId[0]"):
        workspaces.bulk_update(
            path=WORKSPACE, body={"changes": [{"tag": tag, "changeStatus": "added"}]}
        ).execute()


def test_bulk_update_resolves_placeholders_into_real_ids(gtm):
    workspaces = gtm.accounts().containers().workspaces()
    changes = [
        {"trigger": {**_custom_event(), "triggerId": "new_1"}, "changeStatus": "added"},
        {
            "tag": {"name": "Lead tag", "type": "gaawe", "tagId": "new_1",
                    "firingTriggerId": ["new_1"], "tagFiringOption": "oncePerEvent",
                    "parameter": [{"type": "template", "key": "eventName",
                                   "value": "generate_lead"},
                                  {"type": "template", "key": "measurementIdOverride",
                                   "value": "G-ABC1234567"}]},
            "changeStatus": "added",
        },
    ]  # fmt: skip

    answer = workspaces.bulk_update(path=WORKSPACE, body={"changes": changes}).execute()

    trigger_id = answer["changes"][0]["trigger"]["triggerId"]
    tag = answer["changes"][1]["tag"]
    assert trigger_id.isdigit()
    assert tag["tagId"].isdigit()
    assert tag["firingTriggerId"] == [trigger_id]
    assert _tags(gtm).get(path=tag["path"]).execute()["firingTriggerId"] == [trigger_id]


def test_it_refuses_creating_built_in_variables_without_a_real_type(gtm):
    builtins = gtm.accounts().containers().workspaces().built_in_variables()
    with google_error(400, "type"):
        builtins.create(parent=WORKSPACE).execute()
    with google_error(400, "type"):
        builtins.create(parent=WORKSPACE, type=["builtInVariableTypeUnspecified"]).execute()
