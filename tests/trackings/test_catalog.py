"""The catalog holds exactly the types of GOOGLE.md's table, each well described."""

from __future__ import annotations

import re

import pytest
from google.ads.googleads.v24.enums.types.conversion_action_category import (
    ConversionActionCategoryEnum,
)
from jsonschema import Draft202012Validator

from trackings.catalog import (
    CATEGORIES,
    all_tracking_types,
    get_tracking_type,
    validate_tracking_config,
)
from trackings.listeners import BEHAVIOURS

# GOOGLE.md, "The tracking-type catalog", copied group by group.
GOOGLE_MD_TABLE = {
    "interactions": ["button_click", "link_click", "page_view", "element_visibility"],
    "forms": ["form_submit", "form_start", "form_abandon"],
    "ecommerce": [
        "add_to_cart", "remove_from_cart", "add_to_wishlist", "view_cart", "checkout_start",
        "checkout_step", "purchase", "product_view",
    ],
    "lead_generation": ["phone_call_click", "email_click", "download", "demo_request", "signup"],
    "engagement": ["scroll_depth", "time_on_page", "video_play", "video_complete"],
    "navigation": ["site_search", "filter_use", "tab_switch", "accordion_expand", "modal_open"],
    "social": ["social_share", "social_click"],
    "content": ["pdf_download", "file_download", "newsletter_signup"],
    "custom": ["custom_event"],
    "behavioural": [
        "rage_click", "dead_click", "tab_visibility", "session_duration", "exit_intent",
        "text_copy", "page_print", "form_field_interaction", "error_page_view", "return_visitor",
        "outbound_click", "page_engagement",
    ],
    "niche": [
        "product_image_interaction", "cart_abandonment", "price_comparison",
        "review_interaction", "content_read_through",
    ],
}  # fmt: skip

# Events GA4 collects by itself (automatically or with enhanced measurement).
AUTO_COLLECTED = {
    "page_view", "scroll", "click", "file_download", "form_start", "form_submit", "video_start",
    "video_progress", "video_complete", "first_visit", "session_start", "user_engagement",
    "view_search_results", "first_open", "app_remove", "screen_view",
}  # fmt: skip
GA4_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
ADS_CATEGORIES = {
    c.name
    for c in ConversionActionCategoryEnum.ConversionActionCategory  # type: ignore[attr-defined]
} - {
    "UNSPECIFIED",
    "UNKNOWN",
}

TYPES = all_tracking_types()


def test_it_has_exactly_the_52_types_of_the_design_table_in_their_groups():
    by_category: dict[str, list[str]] = {}
    for tracking_type in TYPES:
        by_category.setdefault(tracking_type.category, []).append(tracking_type.key)
    assert {c: sorted(keys) for c, keys in by_category.items()} == {
        c: sorted(keys) for c, keys in GOOGLE_MD_TABLE.items()
    }
    assert len(TYPES) == 52
    assert [t.category for t in TYPES] == sorted((t.category for t in TYPES), key=CATEGORIES.index)


def test_it_raises_key_error_for_an_unknown_type():
    assert get_tracking_type("purchase").default_ga4_event == "purchase"
    with pytest.raises(KeyError):
        get_tracking_type("teleport")


@pytest.mark.parametrize("tracking_type", TYPES, ids=lambda t: t.key)
def test_every_type_has_a_strict_valid_draft_2020_12_schema(tracking_type):
    schema = tracking_type.config_schema
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    for node in objects(schema):
        assert node["additionalProperties"] is False


@pytest.mark.parametrize("tracking_type", TYPES, ids=lambda t: t.key)
def test_every_type_has_a_valid_example_and_sane_google_defaults(tracking_type):
    assert validate_tracking_config(tracking_type.key, tracking_type.example_config) == {}
    assert tracking_type.destinations
    assert tracking_type.destinations <= {"ga4", "google_ads"}
    assert "ga4" in tracking_type.destinations
    assert tracking_type.ads_category in ADS_CATEGORIES
    assert tracking_type.ads_counting_type in {"ONE_PER_CLICK", "MANY_PER_CLICK"}
    event = tracking_type.default_ga4_event
    if tracking_type.key == "custom_event":
        assert event is None  # the dataLayer event's own name
    else:
        assert event is not None
        assert GA4_EVENT_NAME.match(event)
        assert event not in AUTO_COLLECTED


def test_it_uses_googles_recommended_events_where_one_fits():
    defaults = {t.key: t.default_ga4_event for t in TYPES}
    assert defaults["purchase"] == "purchase"
    assert defaults["add_to_cart"] == "add_to_cart"
    assert defaults["checkout_start"] == "begin_checkout"
    assert defaults["product_view"] == "view_item"
    assert defaults["form_submit"] == "generate_lead"
    assert defaults["signup"] == "sign_up"
    assert defaults["site_search"] == "search"
    assert defaults["social_share"] == "share"


def test_counting_is_many_per_click_for_purchases_and_one_per_click_for_leads():
    assert get_tracking_type("purchase").ads_counting_type == "MANY_PER_CLICK"
    assert get_tracking_type("purchase").ads_category == "PURCHASE"
    for key in ("form_submit", "demo_request", "signup", "phone_call_click"):
        assert get_tracking_type(key).ads_counting_type == "ONE_PER_CLICK"
    assert get_tracking_type("form_submit").ads_category == "SUBMIT_LEAD_FORM"


# Listeners a form submission mode uses (any form type can), not a type of their own.
FORM_MODE_LISTENERS = {"form_success", "form_embed"}


def test_the_listener_types_are_exactly_the_behaviours_with_a_listener_script():
    assert sorted(t.listener for t in TYPES if t.listener) == sorted(
        set(BEHAVIOURS) - FORM_MODE_LISTENERS
    )
    for tracking_type in TYPES:
        if tracking_type.listener:
            assert tracking_type.listener == tracking_type.key
