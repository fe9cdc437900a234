"""plan_workspace: diff by marker, never touch what is not ours, converge after a crash."""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from typing import Any

import pytest

from tests.trackings.test_compiler import CONTAINER, spec
from trackings.compiler import DesiredContainer, DesiredEntity, compile_container, entity_key
from trackings.planner import marker_of, owner_of, plan_workspace

ID_FIELDS = {"tag": "tagId", "trigger": "triggerId", "variable": "variableId"}
WORKSPACE_PATH = "accounts/6000000001/containers/7000000001/workspaces/5"
_fingerprints = itertools.count(1700000000000)


def empty_workspace() -> dict[str, list[dict[str, Any]]]:
    return {"tag": [], "trigger": [], "variable": [], "builtInVariable": []}


def foreign(entity_type: str, entity_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """An entity someone else made in the container, as GTM lists it."""
    body = {
        "path": f"{WORKSPACE_PATH}/{entity_type}s/{entity_id}",
        "accountId": "6000000001",
        "containerId": "7000000001",
        "workspaceId": "5",
        ID_FIELDS[entity_type]: entity_id,
        "name": name,
        "fingerprint": str(next(_fingerprints)),
        **fields,
    }
    if entity_type == "trigger":
        body.setdefault("type", "pageview")
    elif entity_type == "tag":
        body.setdefault("type", "html")
        body.setdefault("firingTriggerId", ["2147479553"])
    else:
        body.setdefault("type", "c")
    return body


def gtm_apply(workspace: dict[str, list[dict]], changes: list[dict]) -> dict[str, list[dict]]:
    """What Tag Manager's bulk_update does with the changes (a stand-in for Google only)."""
    state = copy.deepcopy(workspace)
    used = [int(e[ID_FIELDS[t]]) for t in ID_FIELDS for e in state[t]]
    next_id = itertools.count(max(used, default=10) + 1)
    new_ids: dict[str, str] = {}

    def real(value: Any) -> Any:
        if isinstance(value, str):
            return new_ids.get(value, value)
        if isinstance(value, list):
            return [real(v) for v in value]
        if isinstance(value, dict):
            return {k: real(v) for k, v in value.items()}
        return value

    for change in changes:
        if "builtInVariable" in change:
            state["builtInVariable"].append(dict(change["builtInVariable"]))
            continue
        [entity_type] = [k for k in change if k != "changeStatus"]
        body, id_field = change[entity_type], ID_FIELDS[entity_type]
        if change["changeStatus"] == "added":
            new_ids[body[id_field]] = str(next(next_id))
    for change in changes:
        if "builtInVariable" in change:
            continue
        [entity_type] = [k for k in change if k != "changeStatus"]
        body, id_field = real(change[entity_type]), ID_FIELDS[entity_type]
        listed = state[entity_type]
        if change["changeStatus"] == "deleted":
            state[entity_type] = [e for e in listed if e[id_field] != body[id_field]]
            continue
        if change["changeStatus"] == "updated":
            [current] = [e for e in listed if e[id_field] == body[id_field]]
            assert body["fingerprint"] == current["fingerprint"], "stale fingerprint"
            listed.remove(current)
        stored = {
            **body,
            "path": f"{WORKSPACE_PATH}/{entity_type}s/{body[id_field]}",
            "accountId": "6000000001",
            "containerId": "7000000001",
            "workspaceId": "5",
            "fingerprint": str(next(_fingerprints)),
        }
        listed.append(stored)
    return state


def desired_for(*specs) -> DesiredContainer:
    return compile_container(list(specs), CONTAINER)


def deployed(desired: DesiredContainer, workspace=None) -> dict[str, list[dict]]:
    workspace = workspace or empty_workspace()
    return gtm_apply(workspace, plan_workspace(desired, workspace).bulk_changes())


def test_an_empty_workspace_gets_every_entity_created_in_one_bulk_update():
    desired = desired_for(spec("button_click"), spec("purchase", 2))
    plan = plan_workspace(desired, empty_workspace())
    assert len(plan.creates) == len(desired.entities)
    assert plan.updates == plan.deletes == []
    ids = [c.entity_id for c in plan.creates]
    assert sorted(ids) == sorted(f"new_{n}" for n in range(1, len(ids) + 1))
    tag = next(c for c in plan.creates if c.key == entity_key("ga4-tag", spec("button_click").id))
    trigger_id = plan.ids[entity_key("trigger", spec("button_click").id)]
    assert tag.body["firingTriggerId"] == [trigger_id]
    assert tag.body["tagId"] == tag.entity_id
    assert plan.built_in_variables == sorted(desired.built_in_variables)
    changes = plan.bulk_changes()
    assert {c["changeStatus"] for c in changes} == {"added"}
    assert changes[0] == {
        "builtInVariable": {"type": "clickElement", "name": "Click Element"},
        "changeStatus": "added",
    }
    summary = plan.summary()
    assert summary["unchanged"] == 0
    assert len(summary["create"]) == len(desired.entities) + len(plan.built_in_variables)
    assert {"type": "tag", "name": tag.name, "key": tag.key} in summary["create"]


def test_creating_then_planning_again_changes_nothing():
    desired = desired_for(*(spec(k, n) for n, k in enumerate(
        ["button_click", "purchase", "content_read_through", "rage_click", "outbound_click"], 1
    )))  # fmt: skip
    workspace = deployed(desired)
    again = plan_workspace(desired, workspace)
    assert again.is_empty
    assert again.bulk_changes() == []
    assert again.summary() == {
        "create": [],
        "update": [],
        "delete": [],
        "unchanged": len(desired.entities),
    }


def test_export_spelling_reordered_parameters_and_omitted_empties_are_not_changes():
    desired = desired_for(spec("link_click"), spec("scroll_depth", 2))
    workspace = deployed(desired)
    for entity in workspace["trigger"] + workspace["tag"] + workspace["variable"]:
        entity.pop("formatValue", None)
        entity.setdefault("paused", False)
        entity["parameter"] = list(reversed(entity.get("parameter", [])))
        if "tagFiringOption" in entity:
            entity["tagFiringOption"] = "ONCE_PER_EVENT"
        if entity.get("type") == "linkClick":
            entity["type"] = "LINK_CLICK"
    for built_in in workspace["builtInVariable"]:
        built_in["type"] = "CLICK_URL" if built_in["type"] == "clickUrl" else built_in["type"]
    assert plan_workspace(desired, workspace).is_empty


def test_a_changed_tracking_is_updated_in_place_with_the_current_fingerprint():
    before = spec("button_click")
    workspace = deployed(desired_for(before))
    after = replace(before, config={"selector": "button.checkout"})
    plan = plan_workspace(desired_for(after), workspace)
    [update] = plan.updates
    current = next(t for t in workspace["trigger"] if marker_of(t) == update.key)
    assert update.key == entity_key("trigger", before.id)
    assert update.body["triggerId"] == current["triggerId"]
    assert update.body["fingerprint"] == current["fingerprint"]
    assert update.body["path"] == current["path"]
    assert "button.checkout" in str(update.body["filter"])
    assert plan.creates == plan.deletes == []
    assert plan.bulk_changes() == [{"trigger": update.body, "changeStatus": "updated"}]
    assert plan_workspace(desired_for(after), gtm_apply(workspace, plan.bulk_changes())).is_empty


def test_filing_one_of_ours_in_a_folder_is_no_change_and_survives_an_update():
    before = spec("button_click")
    workspace = deployed(desired_for(before))
    trigger = next(t for t in workspace["trigger"] if marker_of(t))
    trigger["parentFolderId"] = "77"
    assert plan_workspace(desired_for(before), workspace).is_empty
    after = replace(before, config={"selector": "button.other"})
    [update] = plan_workspace(desired_for(after), workspace).updates
    assert update.body["parentFolderId"] == "77"


def test_a_person_editing_one_of_ours_is_overwritten_on_the_next_plan():
    desired = desired_for(spec("button_click"))
    workspace = deployed(desired)
    tag = next(t for t in workspace["tag"] if t["type"] == "gaawe")
    tag["parameter"] = [p for p in tag["parameter"] if p["key"] != "measurementIdOverride"]
    [update] = plan_workspace(desired, workspace).updates
    assert update.entity_id == tag["tagId"]


def test_it_deletes_only_our_entities_that_are_no_longer_wanted():
    keep, drop = spec("button_click", 1), spec("form_submit", 2)
    theirs = [
        foreign("trigger", "3", "Their trigger"),
        foreign("tag", "4", "Their tag", notes="Copied from OneClickTag docs"),
        foreign("variable", "5", "Their constant", notes="see oneclicktag:variable:x"),
    ]
    workspace = empty_workspace()
    workspace["trigger"].append(theirs[0])
    workspace["tag"].append(theirs[1])
    workspace["variable"].append(theirs[2])
    workspace = deployed(desired_for(keep, drop), workspace)
    plan = plan_workspace(desired_for(keep), workspace)
    assert {c.key for c in plan.deletes} == {
        entity_key("trigger", drop.id),
        entity_key("ga4-tag", drop.id),
        entity_key("ads-tag", drop.id),
    }
    assert plan.creates == plan.updates == []
    touched = {str(c.entity_id) for c in plan.deletes}
    assert touched.isdisjoint({"3", "4", "5"})
    # Tags go before the trigger they fire on.
    kinds = [next(k for k in c if k != "changeStatus") for c in plan.bulk_changes()]
    assert kinds == ["tag", "tag", "trigger"]
    left = gtm_apply(workspace, plan.bulk_changes())
    for entity_type, entity in zip(("trigger", "tag", "variable"), theirs, strict=True):
        assert entity in left[entity_type]


def test_removing_every_tracking_leaves_only_the_google_tag_of_ours_and_all_of_theirs():
    workspace = empty_workspace()
    workspace["tag"].append(foreign("tag", "3", "Their tag"))
    workspace = deployed(desired_for(spec("purchase"), spec("rage_click", 2)), workspace)
    plan = plan_workspace(desired_for(), workspace)
    ours = [e for t in ("tag", "trigger", "variable") for e in workspace[t] if marker_of(e)]
    assert len(plan.deletes) == len(ours) - 1
    assert plan.unchanged == ["oneclicktag:google-tag:container"]
    left = gtm_apply(workspace, plan.bulk_changes())
    assert [t["name"] for t in left["tag"]] == ["Their tag", "OCT - Google tag G-TEST123456"]
    assert left["trigger"] == left["variable"] == []


def test_foreign_entities_sharing_our_names_are_left_alone_and_ours_renamed():
    one = spec("purchase")
    desired = desired_for(one)
    trigger_name = desired.by_key()[entity_key("trigger", one.id)].name
    variable_name = "OCT - DLV - ecommerce.value"
    workspace = empty_workspace()
    workspace["trigger"].append(foreign("trigger", "3", trigger_name))
    workspace["variable"].append(foreign("variable", "4", variable_name))
    plan = plan_workspace(desired, workspace)
    assert all(c.entity_id not in ("3", "4") for c in plan.creates + plan.updates + plan.deletes)
    names = {c.key: c.name for c in plan.creates}
    assert names[entity_key("trigger", one.id)] == f"{trigger_name} (OCT 2)"
    renamed = names[entity_key("variable", "dlv.ecommerce.value")]
    assert renamed == f"{variable_name} (OCT 2)"
    awct = next(c for c in plan.creates if c.key == entity_key("ads-tag", one.id))
    values = [p["value"] for p in awct.body["parameter"]]
    assert "{{" + renamed + "}}" in values
    assert "{{" + variable_name + "}}" not in values
    # The same workspace gives the same names, and once applied nothing is left to do.
    assert plan_workspace(desired, workspace).summary() == plan.summary()
    applied = gtm_apply(workspace, plan.bulk_changes())
    assert plan_workspace(desired, applied).is_empty
    assert workspace["trigger"][0] in applied["trigger"]


def test_after_a_crash_it_adopts_what_the_earlier_attempt_created():
    desired = desired_for(spec("button_click"), spec("rage_click", 2))
    complete = deployed(desired)
    # The earlier attempt got as far as the triggers and one tag (as if changes applied
    # piecemeal by the per-entity fallback before the worker died).
    half = copy.deepcopy(complete)
    half["tag"] = half["tag"][:1]
    plan = plan_workspace(desired, half)
    assert {c.key for c in plan.creates} == {
        e.key for e in desired.entities if e.entity_type == "tag"
    } - {marker_of(half["tag"][0])}
    assert plan.updates == plan.deletes == []
    trigger_ids = {t["triggerId"] for t in half["trigger"]}
    for create in plan.creates:
        for trigger_id in create.body.get("firingTriggerId", []):
            assert trigger_id in trigger_ids | {"2147479553"}
    finished = gtm_apply(half, plan.bulk_changes())
    markers = [str(marker_of(e)) for t in ("tag", "trigger", "variable") for e in finished[t]]
    assert sorted(markers) == sorted(e.key for e in desired.entities)  # one copy of each


def test_a_duplicate_of_one_of_ours_is_removed_and_the_oldest_kept():
    desired = desired_for(spec("button_click"))
    workspace = deployed(desired)
    original = next(t for t in workspace["tag"] if t["type"] == "gaawe")
    workspace["tag"].append({**copy.deepcopy(original), "tagId": "900", "name": "Copy of it"})
    plan = plan_workspace(desired, workspace)
    [delete] = plan.deletes
    assert delete.entity_id == "900"
    assert plan.creates == plan.updates == []


def test_a_marker_counts_only_as_the_first_line_of_the_notes():
    assert marker_of({"notes": "oneclicktag:trigger:abc\nManaged"}) == "oneclicktag:trigger:abc"
    assert marker_of({"notes": "\n  oneclicktag:listener:rage_click  "}) == (
        "oneclicktag:listener:rage_click"
    )
    assert marker_of({"notes": "Ours? oneclicktag:trigger:abc"}) is None
    assert marker_of({"notes": "oneclicktag:trigger:abc extra words"}) is None
    assert marker_of({}) is None


def test_built_in_variables_already_enabled_are_not_enabled_again():
    desired = desired_for(spec("button_click"))
    workspace = empty_workspace()
    workspace["builtInVariable"] = [{"type": "CLICK_ELEMENT", "name": "Click Element"}]
    plan = plan_workspace(desired, workspace)
    assert "clickElement" not in plan.built_in_variables


def test_a_reference_to_an_entity_nobody_wants_is_an_error():
    broken = DesiredEntity(
        "tag",
        "oneclicktag:ga4-tag:x",
        {"name": "OCT - x", "type": "gaawe", "firingTriggerId": ["@ref:oneclicktag:trigger:y"]},
        ("oneclicktag:trigger:y",),
    )
    with pytest.raises(ValueError, match="oneclicktag:trigger:y"):
        plan_workspace(DesiredContainer(entities=[broken]), empty_workspace())


OTHER_CUSTOMER = "22222222-2222-4222-8222-222222222222"


def test_another_customers_entities_in_the_same_container_are_never_touched():
    # Two customers' deployments meeting in one container (issue 13): each used to delete the
    # other's entities and rewrite the shared Google tag. Now each plans only its own.
    their_container = replace(CONTAINER, owner=OTHER_CUSTOMER, measurement_id="G-THEIRS00001")
    theirs_desired = compile_container([spec("purchase", 7)], their_container)
    workspace = deployed(theirs_desired)
    theirs = copy.deepcopy(workspace)

    ours = desired_for(spec("button_click"))
    plan = plan_workspace(ours, workspace)
    assert plan.updates == plan.deletes == []
    assert {c.key for c in plan.creates} == {e.key for e in ours.entities}
    applied = gtm_apply(workspace, plan.bulk_changes())
    for entity_type in ("tag", "trigger", "variable"):
        for entity in theirs[entity_type]:
            assert entity in applied[entity_type]

    # And removing all of ours takes out exactly ours.
    removal = plan_workspace(desired_for(), applied)
    assert removal.creates == removal.updates == []
    assert {c.key for c in removal.deletes} == {e.key for e in ours.entities} - {
        "oneclicktag:google-tag:container"
    }
    # Their plan against the shared workspace is still empty: nothing of theirs moved.
    assert plan_workspace(theirs_desired, gtm_apply(applied, removal.bulk_changes())).is_empty


def test_the_owner_is_the_second_line_and_unowned_markers_are_adopted():
    desired = desired_for(spec("button_click"))
    assert {owner_of(e.body) for e in desired.entities} == {CONTAINER.owner}
    workspace = deployed(desired)
    for entity_type in ("tag", "trigger", "variable"):
        for listed in workspace[entity_type]:
            # Written before owners were recorded: marker only.
            listed["notes"] = listed["notes"].splitlines()[0]
    plan = plan_workspace(desired, workspace)
    assert plan.creates == plan.deletes == []
    assert {c.key for c in plan.updates} == {e.key for e in desired.entities}
    assert plan_workspace(desired, gtm_apply(workspace, plan.bulk_changes())).is_empty
    assert owner_of({"notes": "oneclicktag:trigger:abc\nManaged by OneClickTag"}) is None
