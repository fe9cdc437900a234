"""Bad config is reported per field, before anything reaches Google."""

from __future__ import annotations

import pytest

from trackings.catalog import config_with_defaults, validate_tracking_config


def test_a_valid_config_has_no_errors():
    assert validate_tracking_config("button_click", {"selector": "button.buy"}) == {}


def test_it_names_a_missing_required_field():
    assert validate_tracking_config("button_click", {}) == {
        "config.selector": ["This field is required."]
    }


def test_it_names_an_unknown_field():
    errors = validate_tracking_config("button_click", {"selector": "a", "colour": "red"})
    assert errors == {"config.colour": ["Unknown field."]}


def test_it_rejects_a_blank_selector_in_words_a_person_understands():
    assert validate_tracking_config("form_submit", {"selector": "   "}) == {
        "config.selector": ["Must not be blank."]
    }
    assert validate_tracking_config("form_submit", {"selector": 7}) == {
        "config.selector": ["Must be text."]
    }


def test_it_names_nested_fields_of_a_url_condition():
    errors = validate_tracking_config("page_view", {"page": {"operator": "ends_with", "value": ""}})
    assert errors["config.page.operator"] == [
        "Must be one of: equals, contains, starts_with, regex."
    ]
    assert "config.page.value" in errors


def test_it_rejects_a_regex_that_does_not_compile():
    errors = validate_tracking_config("page_view", {"page": {"operator": "regex", "value": "(a"}})
    assert list(errors) == ["config.page.value"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"thresholds": []}, "config.thresholds"),
        ({"thresholds": [0, 50]}, "config.thresholds.0"),
        ({"thresholds": [50, 150]}, "config.thresholds.1"),
        ({"thresholds": [50, 50]}, "config.thresholds"),
        ({"thresholds": ["50"]}, "config.thresholds.0"),
    ],
)
def test_it_names_the_bad_scroll_threshold(config, field):
    assert field in validate_tracking_config("scroll_depth", config)


def test_it_bounds_seconds():
    assert validate_tracking_config("time_on_page", {"seconds": 0}) == {
        "config.seconds": ["Must be at least 1."]
    }
    assert "config.seconds" in validate_tracking_config("time_on_page", {"seconds": 86400})
    assert validate_tracking_config("time_on_page", {"seconds": 45}) == {}


def test_a_link_click_needs_a_selector_or_a_url():
    errors = validate_tracking_config("link_click", {})
    assert set(errors) == {"config.selector", "config.url"}
    assert validate_tracking_config("link_click", {"selector": "a.cta"}) == {}


def test_a_click_sourced_ecommerce_type_needs_its_selector():
    assert validate_tracking_config("add_to_cart", {"source": "click"}) == {
        "config.selector": ["This field is required."]
    }
    assert validate_tracking_config("add_to_cart", {}) == {}


def test_session_duration_only_accepts_the_listener_marks():
    assert "config.seconds" in validate_tracking_config("session_duration", {"seconds": 45})
    assert validate_tracking_config("session_duration", {"seconds": 300}) == {}


def test_it_rejects_a_config_that_is_not_an_object():
    assert validate_tracking_config("button_click", ["button"]) == {
        "config": ["Must be an object."]
    }


def test_it_reports_an_unknown_type_on_the_type_field():
    assert validate_tracking_config("teleport", {}) == {
        "type": ["Unknown tracking type 'teleport'."]
    }


def test_defaults_fill_absent_fields_only():
    assert config_with_defaults("scroll_depth", {"thresholds": [10]}) == {"thresholds": [10]}
    assert config_with_defaults("site_search", {}) == {"query_parameter": "q"}


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(?i)/thank-you", "Invalid group"),  # Python's inline flag: JavaScript refuses it
        ("(?P<step>\\d+)", "Invalid group"),  # Python's named group syntax
        ("\\A/checkout", "letter A in JavaScript"),  # compiles in both, means two things
    ],
)
def test_regexes_are_judged_by_javascript_not_python(pattern: str, why: str) -> None:
    errors = validate_tracking_config(
        "page_view", {"page": {"operator": "regex", "value": pattern}}
    )
    assert list(errors) == ["config.page.value"]
    assert why in errors["config.page.value"][0]


def test_a_javascript_regex_python_would_refuse_is_accepted() -> None:
    # `(?<=…)`-free but JS-only: a lookbehind of variable width is fine in V8, not in `re`.
    pattern = "(?<=/(en|de|fr-ch)/)checkout"
    assert (
        validate_tracking_config("page_view", {"page": {"operator": "regex", "value": pattern}})
        == {}
    )
