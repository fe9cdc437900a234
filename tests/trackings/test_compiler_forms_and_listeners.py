"""What form submission modes, abandonment settings and video plays compile to."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.trackings.test_compiler import CONTAINER, entities_of, param, spec
from trackings.catalog import validate_tracking_config
from trackings.compiler import DesiredContainer, compile_container, entity_key
from trackings.listeners import settings_literal


def trigger_of(desired: DesiredContainer, n: int) -> dict[str, Any]:
    return desired.by_key()[entity_key("trigger", spec("form_submit", n).id)].body


def conditions(body: dict[str, Any], key: str = "filter") -> list[tuple[str, str, str]]:
    return [
        (c["type"], c["parameter"][0]["value"], c["parameter"][1]["value"])
        for c in body.get(key, [])
    ]


def listener_settings(desired: DesiredContainer, behaviour: str) -> Any:
    html = param(desired.by_key()[entity_key("listener", behaviour)].body, "html")
    match = re.search(r"var settings = (\{.*?\});\n", html)
    assert match, html
    return json.loads(match.group(1))


def test_a_native_form_uses_gtms_form_trigger_with_validation_checked():
    desired = compile_container([spec("form_submit", 1)], CONTAINER)
    trigger = trigger_of(desired, 1)
    assert trigger["type"] == "formSubmission"
    assert trigger["checkValidation"] == {"type": "boolean", "value": "true"}
    assert not [e for e in desired.entities if e.key.startswith("oneclicktag:listener:")]


def test_ajax_forms_share_one_listener_each_tracking_matching_its_own_key():
    ajax = [
        spec("form_submit", 1, config={"selector": "#contact", "submission": "ajax",
                                       "success": "element", "success_selector": "#thanks"}),
        spec("form_submit", 2, config={"selector": "#quote", "submission": "ajax",
                                       "success": "request", "success_url": "/api/quote"}),
        spec("form_submit", 3, config={"selector": "#news", "submission": "ajax",
                                       "success": "request"}),
    ]  # fmt: skip
    desired = compile_container(ajax, CONTAINER)
    keys = [s.id.hex[:12] for s in ajax]
    for n, key in enumerate(keys, start=1):
        trigger = trigger_of(desired, n)
        assert conditions(trigger, "customEventFilter") == [
            ("equals", "{{_event}}", "oct.form_success")
        ]
        assert conditions(trigger) == [("equals", "{{OCT - DLV - oct.form_key}}", key)]
    assert listener_settings(desired, "form_success") == {
        "forms": sorted(
            [
                {"key": keys[0], "form": "#contact", "on": "element", "selector": "#thanks"},
                {"key": keys[1], "form": "#quote", "on": "request", "url": "/api/quote"},
                {"key": keys[2], "form": "#news", "on": "request"},
            ],
            key=lambda entry: json.dumps(entry, sort_keys=True),
        )
    }


def test_an_ajax_form_proven_by_the_sites_event_needs_no_listener():
    config = {
        "selector": "#c",
        "submission": "ajax",
        "success": "datalayer",
        "success_event": "contact_sent",
        "page": {"operator": "equals", "value": "/c"},
    }
    desired = compile_container([spec("form_submit", 1, config=config)], CONTAINER)
    trigger = trigger_of(desired, 1)
    assert conditions(trigger, "customEventFilter") == [("equals", "{{_event}}", "contact_sent")]
    assert conditions(trigger) == [("equals", "{{Page Path}}", "/c")]
    assert not [e for e in desired.entities if e.key.startswith("oneclicktag:listener:")]


def test_an_embedded_form_matches_its_provider_and_form_id():
    configs = [
        {"submission": "embedded", "provider": "hubspot", "embed_form_id": "f-42"},
        {"submission": "embedded", "provider": "calendly"},
    ]
    desired = compile_container(
        [spec("form_submit", n, config=c) for n, c in enumerate(configs, start=1)], CONTAINER
    )
    assert conditions(trigger_of(desired, 1)) == [
        ("equals", "{{OCT - DLV - oct.embed_provider}}", "hubspot"),
        ("equals", "{{OCT - DLV - oct.embed_form_id}}", "f-42"),
    ]
    assert conditions(trigger_of(desired, 2)) == [
        ("equals", "{{OCT - DLV - oct.embed_provider}}", "calendly")
    ]
    assert entity_key("listener", "form_embed") in desired.by_key()


def test_form_modes_name_the_fields_they_need():
    assert validate_tracking_config("form_submit", {"submission": "ajax", "selector": "#c"}) == {
        "config.success": ["This field is required."]
    }
    assert validate_tracking_config(
        "newsletter_signup", {"selector": "#c", "submission": "ajax", "success": "element"}
    ) == {"config.success_selector": ["This field is required."]}
    assert validate_tracking_config(
        "demo_request", {"selector": "#c", "submission": "ajax", "success": "datalayer"}
    ) == {"config.success_event": ["This field is required."]}
    assert validate_tracking_config("form_submit", {"submission": "embedded"}) == {
        "config.provider": ["This field is required."]
    }
    assert validate_tracking_config("form_submit", {"submission": "native"}) == {
        "config.selector": ["This field is required."]
    }
    assert validate_tracking_config(
        "form_submit", {"submission": "embedded", "provider": "jotform"}
    ) == {"config.provider": ["Must be one of: hubspot, typeform, calendly."]}
    assert (
        validate_tracking_config("signup", {"submission": "embedded", "provider": "typeform"}) == {}
    )


def test_abandonment_trackings_match_their_own_idle_time_and_share_one_listener():
    trackings = [
        spec("form_abandon", 1, config={}),
        spec("form_abandon", 2, config={"idle_seconds": 60}),
        spec("form_abandon", 3, config={"idle_seconds": 300, "selector": "form.quote"}),
        spec("cart_abandonment", 4, config={"checkout_hosts": ["Checkout.Shopify.com"]}),
    ]
    desired = compile_container(trackings, CONTAINER)
    by_key = desired.by_key()
    wanted = {1: "0", 2: "60", 3: "300", 4: "0"}
    for n, seconds in wanted.items():
        body = by_key[entity_key("trigger", trackings[n - 1].id)].body
        assert ("equals", "{{OCT - DLV - oct.idle_seconds}}", seconds) in conditions(body)
    assert listener_settings(desired, "form_abandon") == {"idle": [300, 60]}
    assert listener_settings(desired, "cart_abandonment") == {
        "checkout_hosts": ["checkout.shopify.com"]
    }


def test_video_play_is_sent_once_per_play_and_progress_is_its_own_event():
    desired = compile_container(
        [spec("video_play", 1, config={"progress_percents": [50, 25]})], CONTAINER
    )
    by_key = desired.by_key()
    tracking = spec("video_play", 1)
    play = by_key[entity_key("trigger", tracking.id)].body
    assert param(play, "captureStart") == "true"
    assert param(play, "captureProgress") == "false"
    assert param(play, "captureComplete") == "false"
    progress = by_key[entity_key("trigger-progress", tracking.id)].body
    assert param(progress, "captureStart") == "false"
    assert param(progress, "progressThresholdsPercent") == "25,50"
    tags = {param(t, "eventName"): t for t in entities_of(desired, "tag", "gaawe")}
    assert sorted(tags) == ["video_play", "video_play_progress"]
    assert tags["video_play_progress"]["firingTriggerId"] == [
        "@ref:" + entity_key("trigger-progress", tracking.id)
    ]
    # The Ads conversion counts plays, not percentages.
    (ads,) = entities_of(desired, "tag", "awct")
    assert ads["firingTriggerId"] == ["@ref:" + entity_key("trigger", tracking.id)]

    plain = compile_container([spec("video_play", 1, config={})], CONTAINER)
    assert entity_key("trigger-progress", tracking.id) not in plain.by_key()


def test_settings_literal_is_what_the_listener_tag_carries():
    desired = compile_container([spec("form_abandon", 1, config={"idle_seconds": 90})], CONTAINER)
    html = param(desired.by_key()[entity_key("listener", "form_abandon")].body, "html")
    assert f"var settings = {settings_literal({'idle': [90]})};" in html
