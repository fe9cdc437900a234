"""The field-level differences a reviewer reads: compared as the planner compares (server
fields ignored, enums in one spelling, parameters by key), one row per field."""

from __future__ import annotations

from trackings.planner.diff import entity_fields, field_changes

BEFORE = {
    "tagId": "12",
    "path": "accounts/1/containers/2/workspaces/3/tags/12",
    "fingerprint": "111",
    "name": "OCT - Buy [abcd1234]",
    "type": "GAAWE",
    "parameter": [
        {"type": "template", "key": "eventName", "value": "purchase"},
        {"type": "boolean", "key": "sendEcommerceData", "value": "false"},
    ],
    "firingTriggerId": ["7"],
}


def test_parameters_are_fields_by_key_and_server_fields_are_not_shown() -> None:
    fields = entity_fields(BEFORE)
    assert fields == {
        "name": "OCT - Buy [abcd1234]",
        "type": "gaawe",
        "parameter.eventName": "purchase",
        "parameter.sendEcommerceData": "false",
        "firingTriggerId": ["7"],
    }


def test_an_update_lists_only_the_fields_that_differ() -> None:
    after = {
        **BEFORE,
        "fingerprint": "222",
        "type": "gaawe",
        "parameter": [
            {"type": "boolean", "key": "sendEcommerceData", "value": "false"},
            {"type": "template", "key": "eventName", "value": "add_to_cart"},
        ],
    }
    assert field_changes(BEFORE, after) == [
        {"field": "parameter.eventName", "before": "purchase", "after": "add_to_cart"}
    ]


def test_a_create_and_a_delete_show_every_field_against_nothing() -> None:
    created = field_changes(None, BEFORE)
    deleted = field_changes(BEFORE, None)
    assert [c["field"] for c in created] == sorted(entity_fields(BEFORE))
    assert all(c["before"] is None for c in created)
    assert all(c["after"] is None for c in deleted)
    assert {"field": "name", "before": "OCT - Buy [abcd1234]", "after": None} in deleted


def test_a_list_parameter_is_shown_whole() -> None:
    entity = {
        "name": "T",
        "parameter": [
            {"type": "list", "key": "eventParameters", "list": [{"type": "map", "map": []}]}
        ],
    }
    assert entity_fields(entity)["parameter.eventParameters"] == {
        "type": "list",
        "list": [{"type": "map"}],
    }
