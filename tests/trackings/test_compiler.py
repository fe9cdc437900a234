"""compile_container: every catalog type compiles to entities that fire, shared things shared."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from trackings.catalog import all_tracking_types, get_tracking_type, validate_tracking_config
from trackings.compiler import (
    ContainerSpec,
    DesiredContainer,
    TrackingSpec,
    compile_container,
    entity_key,
    tracking_id_of,
)
from trackings.compiler.entities import BUILT_IN_VARIABLES, VARIABLE_REFERENCE, strings_in
from trackings.listeners import BEHAVIOURS, STORES_ON_DEVICE

CONTAINER = ContainerSpec(
    measurement_id="G-TEST123456",
    ads_conversion_id="AW-987654321",
    public_id="GTM-OCT0001",
    owner="11111111-1111-4111-8111-111111111111",
)


def spec(type_key: str, n: int = 1, **overrides) -> TrackingSpec:
    tracking_type = get_tracking_type(type_key)
    fields: dict[str, Any] = {
        "id": UUID(int=n),
        "type": type_key,
        "name": f"{tracking_type.label} {n}",
        "config": dict(tracking_type.example_config),
        "destinations": tracking_type.destinations,
        "ads_conversion_label": "AbC-dEf_123" if tracking_type.supports_ads else None,
    }
    fields.update(overrides)
    return TrackingSpec(**fields)


def all_specs() -> list[TrackingSpec]:
    return [spec(t.key, n) for n, t in enumerate(all_tracking_types(), start=1)]


PAGE = {"operator": "starts_with", "value": "/blog/"}
# The other branches of the rules: every optional field and alternative source at least once.
ALTERNATIVE_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("button_click", {"selector": "#buy, .buy", "page": PAGE}),
    ("link_click", {"selector": "a.cta", "url": {"operator": "regex", "value": r"\/p\d+$"}}),
    ("page_view", {"page": {"operator": "contains", "value": "thanks"}, "match_on": "url"}),
    (
        "element_visibility",
        {"selector": ".hero", "visible_percent": 80, "frequency": "once_per_element",
         "min_seconds_on_screen": 3, "page": PAGE},
    ),
    ("element_visibility", {"selector": ".promo", "frequency": "every_time"}),
    ("form_start", {"selector": "form.quote", "page": PAGE}),
    ("add_to_cart", {"source": "click", "selector": "button.add", "page": PAGE}),
    ("purchase", {"source": "click", "selector": "button.pay"}),
    ("purchase", {"source": "datalayer", "event": "order_complete", "page": PAGE}),
    ("download", {"page": PAGE}),
    ("demo_request", {"via": "click", "selector": "a.demo"}),
    ("signup", {"via": "form", "selector": "form#signup", "page": PAGE}),
    ("scroll_depth", {"thresholds": [90, 10], "page": PAGE}),
    ("time_on_page", {"seconds": 3600, "page": PAGE}),
    ("video_play", {"progress_percents": [25, 75], "page": PAGE}),
    ("video_complete", {"page": PAGE}),
    ("site_search", {"query_parameter": "search[term]", "page": PAGE}),
    ("social_share", {"networks": ["whatsapp"], "page": PAGE}),
    ("social_click", {"networks": ["tiktok", "x"]}),
    ("file_download", {"page": PAGE}),
    ("custom_event", {"event": "lead.sent", "page": PAGE}),
    ("rage_click", {"selector": "button", "page": PAGE}),
    ("tab_visibility", {"state": "any"}),
    ("tab_visibility", {"state": "visible", "page": PAGE}),
    ("session_duration", {"seconds": 30}),
    ("form_field_interaction", {"selector": "form.checkout"}),
    ("error_page_view", {"match_on": "path", "condition": {"operator": "equals", "value": "/404"}}),
    ("outbound_click", {"page": PAGE}),
    ("page_engagement", {"page": PAGE}),
    ("content_read_through", {"page": PAGE}),
    ("form_submit", {"selector": "form#c", "submission": "ajax", "success": "element",
                     "success_selector": ".thanks"}),
    ("form_submit", {"selector": "form#c2", "submission": "ajax", "success": "request",
                     "success_url": "/api/contact", "page": PAGE}),
    ("newsletter_signup", {"selector": "form.n", "submission": "ajax", "success": "datalayer",
                           "success_event": "newsletter_ok"}),
    ("demo_request", {"via": "form", "submission": "embedded", "provider": "calendly"}),
    ("newsletter_signup", {"submission": "embedded", "provider": "hubspot",
                           "embed_form_id": "abc-123"}),
    ("form_abandon", {"idle_seconds": 120}),
    ("cart_abandonment", {"idle_seconds": 300, "checkout_hosts": ["Checkout.Shopify.com"]}),
]  # fmt: skip


def alternative_specs(first_n: int = 1000) -> list[TrackingSpec]:
    return [
        spec(type_key, n, config=config)
        for n, (type_key, config) in enumerate(ALTERNATIVE_CONFIGS, start=first_n)
    ]


def entities_of(desired: DesiredContainer, entity_type: str, kind: str) -> list[dict]:
    return [
        e.body for e in desired.entities if e.entity_type == entity_type and e.body["type"] == kind
    ]


def param(body: dict, key: str):
    found = [p for p in body.get("parameter", []) if p.get("key") == key]
    assert len(found) == 1, (key, body)
    return found[0].get("value", found[0].get("list"))


def assert_everything_fires_and_resolves(desired: DesiredContainer) -> None:
    """No dangling trigger, variable or listener: the container as a whole can fire."""
    by_key = desired.by_key()
    variables = {e.body["name"] for e in desired.entities if e.entity_type == "variable"}
    built_ins = {BUILT_IN_VARIABLES[t] for t in desired.built_in_variables}
    listeners = {
        e.key.rsplit(":", 1)[1]
        for e in desired.entities
        if e.key.startswith("oneclicktag:listener")
    }
    for entity in desired.entities:
        for key in entity.refs:
            assert by_key[key].entity_type == "trigger", key
        for text in strings_in(entity.body):
            if text.startswith("@ref:"):
                assert text.removeprefix("@ref:") in entity.refs
            for name in VARIABLE_REFERENCE.findall(text):
                assert name == "_event" or name in variables or name in built_ins, name
        if entity.entity_type == "tag":
            assert entity.body["firingTriggerId"], entity.key
        body = entity.body
        if body["type"] == "customEvent":
            assert len(body["customEventFilter"]) == 1
            event = body["customEventFilter"][0]["parameter"][1]["value"]
            if event.startswith("oct."):
                assert event.removeprefix("oct.") in listeners
        if body["type"] == "timer":
            assert body["autoEventFilter"]


@pytest.mark.parametrize("tracking_type", all_tracking_types(), ids=lambda t: t.key)
def test_every_type_compiles_to_a_trigger_and_its_tags(tracking_type):
    one = spec(tracking_type.key)
    desired = compile_container([one], CONTAINER)
    by_key = desired.by_key()

    trigger = by_key[entity_key("trigger", one.id)]
    assert trigger.entity_type == "trigger"
    ga4 = by_key[entity_key("ga4-tag", one.id)].body
    assert ga4["type"] == "gaawe"
    assert ga4["firingTriggerId"] == [f"@ref:{trigger.key}"]
    assert param(ga4, "measurementIdOverride") == "G-TEST123456"
    assert param(ga4, "eventName") == (tracking_type.default_ga4_event or "quote_requested")
    if tracking_type.supports_ads:
        ads = by_key[entity_key("ads-tag", one.id)].body
        assert ads["type"] == "awct"
        assert param(ads, "conversionId") == "987654321"
        assert param(ads, "conversionLabel") == "AbC-dEf_123"
        assert [a.tracking_id for a in desired.ads_conversion_actions] == [one.id]
    else:
        assert entity_key("ads-tag", one.id) not in by_key
        assert desired.ads_conversion_actions == []
    assert_everything_fires_and_resolves(desired)


def test_all_types_compile_together_into_one_consistent_container():
    desired = compile_container(all_specs(), CONTAINER)
    assert_everything_fires_and_resolves(desired)
    names = [(e.entity_type, e.body["name"]) for e in desired.entities]
    assert len(names) == len(set(names))
    assert all(name.startswith("OCT - ") for _, name in names)
    keys = [e.key for e in desired.entities]
    assert len(keys) == len(set(keys))


def test_the_alternative_configs_are_valid_and_compile_consistently():
    for one in alternative_specs():
        assert validate_tracking_config(one.type, one.config) == {}, one.type
    assert_everything_fires_and_resolves(compile_container(alternative_specs(), CONTAINER))


def test_every_entity_carries_its_marker_as_the_first_line_of_its_notes():
    for entity in compile_container(all_specs(), CONTAINER).entities:
        assert re.fullmatch(r"oneclicktag:[a-z0-9-]+:\S+", entity.key)
        assert entity.body["notes"].splitlines()[0] == entity.key
        for forbidden in ("tagId", "triggerId", "variableId", "fingerprint", "path"):
            assert forbidden not in entity.body


def test_behaviours_share_one_listener_each():
    specs = [spec("rage_click", 1), spec("rage_click", 2, config={"selector": "button"})]
    specs += [spec("exit_intent", 3), spec("form_start", 4), spec("form_abandon", 5)]
    desired = compile_container(specs, CONTAINER)
    listeners = entities_of(desired, "tag", "html")
    assert sorted(t["name"] for t in listeners) == [
        "OCT - Listener - exit_intent",
        "OCT - Listener - form_abandon",
        "OCT - Listener - form_start",
        "OCT - Listener - rage_click",
    ]
    for listener in listeners:
        assert listener["firingTriggerId"] == ["2147479553"]
        assert "<script>" in param(listener, "html")
    rage_triggers = [
        b for b in entities_of(desired, "trigger", "customEvent")
        if b["customEventFilter"][0]["parameter"][1]["value"] == "oct.rage_click"
    ]  # fmt: skip
    assert len(rage_triggers) == 2


def test_listeners_that_write_to_the_device_wait_for_analytics_storage_consent():
    desired = compile_container(all_specs(), CONTAINER)
    consent = {
        t["name"].rsplit(" - ", 1)[1]: t["consentSettings"]
        for t in entities_of(desired, "tag", "html")
    }
    assert {name for name, c in consent.items() if c["consentStatus"] == "needed"} == set(
        STORES_ON_DEVICE
    )
    for name in STORES_ON_DEVICE:
        assert consent[name]["consentType"] == {
            "type": "list",
            "list": [{"type": "template", "value": "analytics_storage"}],
        }
    # GTM's own tags check consent themselves and keep the export's default.
    for tag in entities_of(desired, "tag", "gaawe"):
        assert tag["consentSettings"] == {"consentStatus": "notSet"}


def test_the_whole_catalog_needs_exactly_one_listener_per_behaviour():
    desired = compile_container(all_specs() + alternative_specs(), CONTAINER)
    listeners = [e.key for e in desired.entities if e.key.startswith("oneclicktag:listener:")]
    assert sorted(k.rsplit(":", 1)[1] for k in listeners) == sorted(BEHAVIOURS)


def test_one_google_tag_on_all_pages_with_the_measurement_id():
    desired = compile_container(all_specs(), CONTAINER)
    [google_tag] = entities_of(desired, "tag", "googtag")
    assert param(google_tag, "tagId") == "G-TEST123456"
    assert google_tag["firingTriggerId"] == ["2147479553"]


def test_one_conversion_linker_only_when_a_tracking_uses_ads():
    desired = compile_container(all_specs(), CONTAINER)
    [linker] = entities_of(desired, "tag", "gclidw")
    assert linker["firingTriggerId"] == ["2147479553"]

    ga4_only = [spec("button_click", 1, destinations=frozenset({"ga4"}))]
    assert entities_of(compile_container(ga4_only, CONTAINER), "tag", "gclidw") == []


def test_a_tracking_without_its_ads_label_gets_an_action_but_no_awct_tag_yet():
    pending = spec("form_submit", ads_conversion_label=None)
    desired = compile_container([pending], CONTAINER)
    assert entities_of(desired, "tag", "awct") == []
    [action] = desired.ads_conversion_actions
    assert action.category == "SUBMIT_LEAD_FORM"
    assert action.counting_type == "ONE_PER_CLICK"
    assert str(pending.id) in action.name
    assert entities_of(desired, "tag", "gclidw")  # the linker is needed as soon as Ads is


def test_a_tracking_may_choose_its_own_ads_category():
    desired = compile_container([spec("button_click", ads_category="BOOK_APPOINTMENT")], CONTAINER)
    assert desired.ads_conversion_actions[0].category == "BOOK_APPOINTMENT"
    desired = compile_container([spec("button_click")], CONTAINER)
    assert desired.ads_conversion_actions[0].category == "DEFAULT"


def test_ads_is_ignored_for_types_that_do_not_support_it():
    desired = compile_container(
        [spec("rage_click", destinations=frozenset({"ga4", "google_ads"}))], CONTAINER
    )
    assert desired.ads_conversion_actions == []
    assert entities_of(desired, "tag", "awct") == []


def test_a_purchase_passes_value_currency_and_transaction_id_to_ads():
    desired = compile_container([spec("purchase", ads_value=Decimal("10.00"))], CONTAINER)
    [awct] = entities_of(desired, "tag", "awct")
    assert param(awct, "conversionValue") == "{{OCT - DLV - ecommerce.value}}"
    assert param(awct, "currencyCode") == "{{OCT - DLV - ecommerce.currency}}"
    assert param(awct, "orderId") == "{{OCT - DLV - ecommerce.transaction_id}}"
    [gaawe] = entities_of(desired, "tag", "gaawe")
    assert param(gaawe, "sendEcommerceData") == "true"
    assert param(gaawe, "getEcommerceDataFrom") == "dataLayer"
    [action] = desired.ads_conversion_actions
    assert action.always_use_default_value is False
    assert action.default_value == Decimal("10.00")
    variables = {b["name"]: b for b in entities_of(desired, "variable", "v")}
    assert param(variables["OCT - DLV - ecommerce.value"], "dataLayerVersion") == "2"


def test_a_lead_sends_its_fixed_value_and_currency():
    lead = spec("form_submit", ads_value=Decimal("25.50"), ads_currency="EUR")
    desired = compile_container([lead], CONTAINER)
    [awct] = entities_of(desired, "tag", "awct")
    assert param(awct, "conversionValue") == "25.50"
    assert param(awct, "currencyCode") == "EUR"
    assert desired.ads_conversion_actions[0].always_use_default_value is True


def test_a_click_matches_the_element_or_anything_inside_it():
    desired = compile_container(
        [spec("button_click", config={"selector": "a.x, button.y"})], CONTAINER
    )
    [trigger] = entities_of(desired, "trigger", "click")
    [css] = trigger["filter"]
    assert css["type"] == "cssSelector"
    assert css["parameter"][0]["value"] == "{{Click Element}}"
    assert css["parameter"][1]["value"] == "a.x, button.y, a.x *, button.y *"
    assert "clickElement" in desired.built_in_variables


def test_selector_lists_split_only_on_top_level_commas():
    config = {"selector": 'a[data-x="1,2"], li:is(.a, .b)'}
    [trigger] = entities_of(
        compile_container([spec("button_click", config=config)], CONTAINER), "trigger", "click"
    )
    assert trigger["filter"][0]["parameter"][1]["value"] == (
        'a[data-x="1,2"], li:is(.a, .b), a[data-x="1,2"] *, li:is(.a, .b) *'
    )


def test_site_search_reads_the_term_from_a_url_variable():
    desired = compile_container([spec("site_search", config={"query_parameter": "s"})], CONTAINER)
    [variable] = entities_of(desired, "variable", "u")
    assert variable["name"] == "OCT - URL query - s"
    assert param(variable, "component") == "QUERY"
    assert param(variable, "queryKey") == "s"
    [gaawe] = entities_of(desired, "tag", "gaawe")
    rows = param(gaawe, "eventSettingsTable")
    assert {"type": "template", "key": "parameterValue", "value": "{{OCT - URL query - s}}"} in (
        rows[0]["map"]
    )


def test_content_read_through_is_a_trigger_group_of_scroll_depth_and_time():
    one = spec("content_read_through", config={"scroll_percent": 80, "seconds": 40})
    by_key = compile_container([one], CONTAINER).by_key()
    group = by_key[entity_key("trigger", one.id)]
    assert group.body["type"] == "triggerGroup"
    members = [item["value"] for item in group.body["parameter"][0]["list"]]
    assert members == [
        f"@ref:{entity_key('trigger-part-1', one.id)}",
        f"@ref:{entity_key('trigger-part-2', one.id)}",
    ]
    scroll = by_key[entity_key("trigger-part-1", one.id)].body
    timer = by_key[entity_key("trigger-part-2", one.id)].body
    assert param(scroll, "verticalThresholdsPercent") == "80"
    assert timer["interval"] == {"type": "template", "value": "40000"}
    assert timer["limit"] == {"type": "template", "value": "1"}


def test_session_duration_waits_for_the_chosen_mark():
    desired = compile_container([spec("session_duration", config={"seconds": 120})], CONTAINER)
    [trigger] = entities_of(desired, "trigger", "customEvent")
    [mark] = trigger["filter"]
    assert mark["parameter"][0]["value"] == "{{OCT - DLV - oct.session_seconds}}"
    assert mark["parameter"][1]["value"] == "120"


def test_user_parameters_extend_and_override_the_defaults_in_a_stable_order():
    one = spec(
        "link_click",
        ga4_parameters={"z_last": "1", "link_url": "{{Page URL}}", "a_first": "2"},
        ga4_event_name="cta_click",
    )
    [gaawe] = entities_of(compile_container([one], CONTAINER), "tag", "gaawe")
    rows = [
        (r["map"][0]["value"], r["map"][1]["value"]) for r in param(gaawe, "eventSettingsTable")
    ]
    assert rows == [("link_url", "{{Page URL}}"), ("a_first", "2"), ("z_last", "1")]
    assert param(gaawe, "eventName") == "cta_click"


def test_a_custom_event_becomes_a_valid_ga4_event_name():
    one = spec("custom_event", config={"event": "gtm.quote-sent"})
    [gaawe] = entities_of(compile_container([one], CONTAINER), "tag", "gaawe")
    assert param(gaawe, "eventName") == "gtm_quote_sent"


def test_compiling_is_deterministic_whatever_the_input_order():
    specs = all_specs()
    first = compile_container(specs, CONTAINER)
    random.Random(7).shuffle(specs)
    assert compile_container(specs, CONTAINER) == first


def test_two_trackings_with_the_same_name_get_distinct_entity_names():
    twins = [spec("button_click", 1, name="Buy"), spec("button_click", 2, name="Buy")]
    desired = compile_container(twins, CONTAINER)
    names = [b["name"] for b in entities_of(desired, "tag", "gaawe")]
    assert len(set(names)) == 2


def test_without_a_ga4_stream_no_google_tag_or_ga4_events_are_compiled():
    desired = compile_container(
        [spec("form_submit")], ContainerSpec("", "123456789", "GTM-OCT0001", CONTAINER.owner)
    )
    assert [e.body["type"] for e in desired.entities if e.entity_type == "tag"] == [
        "awct",
        "gclidw",
    ]


def test_per_tracking_keys_lead_back_to_their_tracking_and_shared_ones_do_not():
    one = spec("content_read_through", 5)
    desired = compile_container([one, spec("rage_click", 6)], CONTAINER)
    assert sorted(desired.keys_for_tracking(one.id)) == sorted(
        entity_key(kind, one.id)
        for kind in ("trigger", "trigger-part-1", "trigger-part-2", "ga4-tag", "ads-tag")
    )
    assert tracking_id_of(entity_key("ga4-tag", one.id)) == one.id
    assert tracking_id_of("oneclicktag:listener:rage_click") is None
    assert tracking_id_of("oneclicktag:variable:dlv.ecommerce.value") is None
    assert tracking_id_of("somebody:else:00000000-0000-0000-0000-000000000005") is None
