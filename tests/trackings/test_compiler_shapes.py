"""The compiler's entities have the shapes of real GTM UI exports, key by key.

Reference: the UI exports in tests/data/gtm-exports (copied from shared/reference/gtm-exports, with
their SOURCES.md). Exports spell enums UPPER_SNAKE, the API (and we) lower camel; ours are mapped
mechanically (``_`` before each capital, upper-cased) before comparing. Kinds no saved export
holds are checked against the excerpt of a real export quoted in gtm-shapes.md (element
visibility, conversion linker) or, where no real export exists at all (formSubmission,
triggerGroup, the modern awct keys, ``u`` with QUERY), against the API discovery document.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from typing import Any

import pytest
from googleapiclient import discovery_cache

from google_emulator.schema import upper_snake
from tests.reference import GTM_EXPORTS_DIR
from tests.trackings.test_compiler import CONTAINER, all_specs, alternative_specs
from trackings.compiler import compile_container

EXPORTS = GTM_EXPORTS_DIR
SERVER_ONLY = {"accountId", "containerId", "tagId", "triggerId", "variableId", "fingerprint",
               "parentFolderId", "name", "notes"}  # fmt: skip

# gtm-shapes.md §2 ELEMENT_VISIBILITY (ofaruk trigger 374) and §3 gclidw (cmtest), verbatim
# except ids: real exports we could read but not save.
QUOTED_EXPORTS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("trigger", "ELEMENT_VISIBILITY"): [
        {
            "type": "ELEMENT_VISIBILITY",
            "filter": [{"type": "EQUALS", "parameter": [
                {"type": "TEMPLATE", "key": "arg0", "value": "{{Page Path}}"},
                {"type": "TEMPLATE", "key": "arg1", "value": "/"}]}],
            "parameter": [
                {"type": "BOOLEAN", "key": "useOnScreenDuration", "value": "false"},
                {"type": "BOOLEAN", "key": "useDomChangeListener", "value": "false"},
                {"type": "TEMPLATE", "key": "elementSelector", "value": ".bannerSliderWrapper"},
                {"type": "TEMPLATE", "key": "firingFrequency", "value": "ONCE"},
                {"type": "TEMPLATE", "key": "selectorType", "value": "CSS"},
                {"type": "TEMPLATE", "key": "onScreenRatio", "value": "10"}],
        }
    ],
    ("tag", "gclidw"): [
        {
            "type": "gclidw",
            "parameter": [
                {"type": "BOOLEAN", "key": "enableCrossDomain", "value": "false"},
                {"type": "BOOLEAN", "key": "enableUrlPassthrough", "value": "true"},
                {"type": "BOOLEAN", "key": "enableCookieOverrides", "value": "false"}],
            "firingTriggerId": ["2147479553"],
            "tagFiringOption": "ONCE_PER_EVENT",
            "monitoringMetadata": {"type": "MAP"},
            "consentSettings": {"consentStatus": "NOT_SET"},
        }
    ],
}  # fmt: skip

# Parameters of ours that no real export shows, with where their key and type come from.
NOT_IN_ANY_EXPORT = {
    # awct: the only export (janrenn, 2017) has conversionId/conversionLabel only.
    ("tag", "awct"): {"conversionValue", "currencyCode", "orderId"},
    # onScreenDuration pairs with useOnScreenDuration "true" (none of the exports had it ticked).
    ("trigger", "ELEMENT_VISIBILITY"): {"onScreenDuration"},
    # YouTube progress: gtm-shapes.md quotes tomas-full (not saved) for these two.
    ("trigger", "YOU_TUBE_VIDEO"): {"progressThresholdsPercent", "radioButtonGroup1"},
    # u with a query key: component QUERY + queryKey was not seen in a real export.
    ("variable", "u"): {"queryKey"},
}
# Parameters every export instance has but we leave out on purpose.
OPTIONAL_FOR_US = {
    # The UI omits an empty event-parameter table too (gtm-shapes.md: rows are simply absent).
    ("tag", "gaawe"): {"eventSettingsTable"},
    # Our URL variables read the page URL or one custom source; stripWww only applies to HOST.
    ("variable", "u"): {"stripWww", "customUrlSource"},
}
# Condition types we use that no saved export holds; gtm-shapes.md §1 quotes ofaruk's
# CSS_SELECTOR on {{Click Element}}, and GOOGLE.md prescribes it (also on {{Form Element}}).
QUOTED_CONDITIONS = {"CSS_SELECTOR"}


def to_export(value: Any, *, entity_type: str = "", top: bool = True) -> Any:
    """Our API-spelled entity in the UI export's spelling."""
    if isinstance(value, list):
        return [to_export(v, top=False) for v in value]
    if not isinstance(value, dict):
        return value
    # A tag's or variable's own type is a code (gaawe, v) spelled alike in both worlds.
    own_type_is_code = top and entity_type != "trigger"
    result = {}
    for key, item in value.items():
        is_enum = key in ("tagFiringOption", "consentStatus") or (
            key == "type" and not own_type_is_code
        )
        if is_enum:
            result[key] = upper_snake(item)
        else:
            result[key] = to_export(item, top=False)
    return result


@cache
def exported() -> dict[tuple[str, str], list[dict[str, Any]]]:
    index: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(EXPORTS.glob("*.json")):
        version = json.loads(path.read_text())["containerVersion"]
        if "SERVER" in version.get("container", {}).get("usageContext", []):
            continue  # kubix: a server container, not a web shape
        for entity_type in ("tag", "trigger", "variable"):
            for entity in version.get(entity_type, []):
                index[(entity_type, entity["type"])].append(entity)
    for kind, entities in QUOTED_EXPORTS.items():
        index[kind].extend(entities)
    return dict(index)


def top_keys(entity: dict[str, Any]) -> set[str]:
    return set(entity) - SERVER_ONLY


def params(entity: dict[str, Any]) -> dict[str, str]:
    return {p["key"]: p["type"] for p in entity.get("parameter", [])}


def bare_params(entity: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Trigger fields holding one bare parameter (waitForTags, interval…): type, has value."""
    return {
        k: (v["type"], "value" in v)
        for k, v in entity.items()
        if isinstance(v, dict) and "type" in v and k != "monitoringMetadata"
    }


def condition_params(entity: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (p["key"], p["type"])
        for key in ("filter", "autoEventFilter", "customEventFilter")
        for cond in entity.get(key, [])
        for p in cond["parameter"]
    }


def condition_types(entity: dict[str, Any]) -> set[str]:
    return {
        cond["type"]
        for key in ("filter", "autoEventFilter", "customEventFilter")
        for cond in entity.get(key, [])
    }


def ours() -> dict[tuple[str, str], list[dict[str, Any]]]:
    index: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for entity in compile_container(all_specs() + alternative_specs(), CONTAINER).entities:
        body = to_export(entity.body, entity_type=entity.entity_type)
        index[(entity.entity_type, body["type"])].append(body)
    return dict(index)


OURS = ours()
COMPARABLE = sorted(kind for kind in OURS if kind in exported())


def test_the_kinds_we_compile_are_the_ones_the_checks_cover():
    assert COMPARABLE == [
        ("tag", "awct"), ("tag", "gaawe"), ("tag", "gclidw"), ("tag", "googtag"), ("tag", "html"),
        ("trigger", "CLICK"), ("trigger", "CUSTOM_EVENT"), ("trigger", "DOM_READY"),
        ("trigger", "ELEMENT_VISIBILITY"), ("trigger", "LINK_CLICK"), ("trigger", "PAGEVIEW"),
        ("trigger", "SCROLL_DEPTH"), ("trigger", "TIMER"), ("trigger", "YOU_TUBE_VIDEO"),
        ("variable", "jsm"), ("variable", "u"), ("variable", "v"),
    ]  # fmt: skip
    # Ids are written literally (measurementIdOverride "G-…", conversionId digits), so we make
    # no constant (`c`) variable and have none to compare.
    assert ("variable", "c") not in OURS
    # No real export holds these: they are checked against the discovery document below.
    assert sorted(set(OURS) - set(COMPARABLE)) == [
        ("trigger", "FORM_SUBMISSION"),
        ("trigger", "TRIGGER_GROUP"),
    ]


@pytest.mark.parametrize("kind", COMPARABLE, ids=lambda k: f"{k[0]}-{k[1]}")
def test_our_entities_have_the_keys_and_parameter_types_of_the_exports(kind):
    references = exported()[kind]
    known_keys = set().union(*(top_keys(e) for e in references))
    always_keys = set.intersection(*(top_keys(e) for e in references))
    known_params: dict[str, str] = {}
    for entity in references:
        known_params.update(params(entity))
    always_params = set.intersection(*(set(params(e)) for e in references))
    known_bare = {}
    for entity in references:
        known_bare.update(bare_params(entity))
    known_condition_params = set().union(*(condition_params(e) for e in references))
    known_conditions = set().union(*(condition_types(e) for e in exported_all())) | (
        QUOTED_CONDITIONS
    )
    extra_params = NOT_IN_ANY_EXPORT.get(kind, set())

    for body in OURS[kind]:
        # A trigger's conditions (filter) are optional; a tag's firing triggers are per use.
        optional_keys = {"filter"} if kind[0] == "trigger" else {"firingTriggerId"}
        if kind[0] == "tag":
            # Every tag of a 2019+ export has monitoringMetadata, of a 2022+ one consentSettings
            # (gtm-shapes.md §0); the only awct export is from 2017.
            assert body["monitoringMetadata"] == {"type": "MAP"}
            # No export holds a NEEDED tag; its consentType follows the discovery document
            # (a LIST of string items), checked in test_compiler.py.
            consent = body["consentSettings"]
            assert consent == {"consentStatus": "NOT_SET"} or (
                consent["consentStatus"] == "NEEDED"
                and consent["consentType"]["type"] == "LIST"
                and {item["type"] for item in consent["consentType"]["list"]} == {"TEMPLATE"}
            ), consent
            known_keys = known_keys | {"monitoringMetadata", "consentSettings"}
        assert top_keys(body) <= known_keys | optional_keys, top_keys(body) - known_keys
        assert always_keys - optional_keys <= top_keys(body), always_keys - top_keys(body)
        for key, param_type in params(body).items():
            if key in extra_params:
                continue
            assert key in known_params, f"{kind}: {key} is in no export"
            assert param_type == known_params[key], (kind, key)
        missing = always_params - set(params(body)) - OPTIONAL_FOR_US.get(kind, set())
        assert not missing, (kind, missing)
        for key, shape in bare_params(body).items():
            assert known_bare[key] == shape, (kind, key)
        assert condition_params(body) <= known_condition_params | {
            ("arg0", "TEMPLATE"),
            ("arg1", "TEMPLATE"),
            ("ignore_case", "BOOLEAN"),
            ("negate", "BOOLEAN"),
        }
        assert condition_types(body) <= known_conditions


def exported_all() -> list[dict[str, Any]]:
    return [e for entities in exported().values() for e in entities]


@pytest.mark.parametrize("kind", COMPARABLE, ids=lambda k: f"{k[0]}-{k[1]}")
def test_our_parameters_come_in_the_exports_order(kind):
    for body in OURS[kind]:
        mine = [p["key"] for p in body.get("parameter", [])]
        for reference in exported()[kind]:
            theirs = [p["key"] for p in reference.get("parameter", [])]
            common_mine = [k for k in mine if k in theirs]
            common_theirs = [k for k in theirs if k in mine]
            assert common_mine == common_theirs, (kind, mine, theirs)


def test_the_link_click_trigger_carries_the_four_options_exactly_as_exported():
    options = ("waitForTags", "checkValidation", "waitForTagsTimeout", "uniqueTriggerId")
    for reference in exported()[("trigger", "LINK_CLICK")]:
        for key in options:
            assert reference[key]["type"] in ("BOOLEAN", "TEMPLATE")
    for body in OURS[("trigger", "LINK_CLICK")]:
        assert body["waitForTags"] == {"type": "BOOLEAN", "value": "false"}
        assert body["checkValidation"] == {"type": "BOOLEAN", "value": "false"}
        assert body["waitForTagsTimeout"] == {"type": "TEMPLATE", "value": "2000"}
        assert body["uniqueTriggerId"] == {"type": "TEMPLATE"}  # no value, as in every export


def test_css_selector_conditions_are_on_the_click_or_form_element():
    for kind in (("trigger", "CLICK"), ("trigger", "LINK_CLICK"), ("trigger", "CUSTOM_EVENT")):
        for body in OURS[kind]:
            for cond in body.get("filter", []):
                if cond["type"] == "CSS_SELECTOR":
                    assert cond["parameter"][0]["value"] == "{{Click Element}}"
    for body in OURS[("trigger", "FORM_SUBMISSION")]:
        assert body["filter"][0]["type"] == "CSS_SELECTOR"
        assert body["filter"][0]["parameter"][0]["value"] == "{{Form Element}}"


# ------------------------------------------------------------------ discovery document checks


@cache
def discovery() -> dict[str, Any]:
    return json.loads(discovery_cache.get_static_doc("tagmanager", "v2"))


def schema_errors(value: Any, schema_name: str, where: str) -> list[str]:
    """Keys and enum values the discovery schema does not know, recursively."""
    schemas = discovery()["schemas"]
    schema = schemas[schema_name]
    errors = []
    for key, item in value.items():
        prop = schema["properties"].get(key)
        if prop is None:
            errors.append(f"{where}.{key}: unknown field")
            continue
        if "enum" in prop and item not in prop["enum"]:
            errors.append(f"{where}.{key}: {item!r} not in the enum")
        target = prop.get("$ref") or prop.get("items", {}).get("$ref")
        if target:
            for i, child in enumerate(item if isinstance(item, list) else [item]):
                errors += schema_errors(child, target, f"{where}.{key}[{i}]")
    return errors


def test_every_entity_uses_only_fields_and_enum_values_of_the_discovery_document():
    names = {"tag": "Tag", "trigger": "Trigger", "variable": "Variable"}
    for entity in compile_container(all_specs() + alternative_specs(), CONTAINER).entities:
        assert schema_errors(entity.body, names[entity.entity_type], entity.key) == []


def test_form_submission_has_the_link_click_options_the_api_allows_it():
    # No real export holds a formSubmission trigger; the API reference says waitForTags and
    # checkValidation are "only valid for Form Submission and Link Click triggers".
    for body in OURS[("trigger", "FORM_SUBMISSION")]:
        assert body["waitForTags"] == {"type": "BOOLEAN", "value": "true"}
        assert body["checkValidation"] == {"type": "BOOLEAN", "value": "true"}
        assert body["waitForTagsTimeout"] == {"type": "TEMPLATE", "value": "2000"}
        assert body["uniqueTriggerId"] == {"type": "TEMPLATE"}
        assert body["autoEventFilter"]  # the UI requires "enable when" with the boxes ticked


def test_trigger_groups_list_trigger_references():
    # No real export; the Parameter type enum's triggerReference is what a group's list holds.
    assert "triggerReference" in discovery()["schemas"]["Parameter"]["properties"]["type"]["enum"]
    for body in OURS[("trigger", "TRIGGER_GROUP")]:
        [member_list] = body["parameter"]
        assert member_list["key"] == "triggerIds"
        assert member_list["type"] == "LIST"
        assert {item["type"] for item in member_list["list"]} == {"TRIGGER_REFERENCE"}
