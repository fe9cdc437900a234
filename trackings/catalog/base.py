"""The tracking-type record and the JSON Schema building blocks the catalog's types share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GA4 = "ga4"
GOOGLE_ADS = "google_ads"
BOTH = frozenset({GA4, GOOGLE_ADS})
GA4_ONLY = frozenset({GA4})

ONE_PER_CLICK = "ONE_PER_CLICK"
MANY_PER_CLICK = "MANY_PER_CLICK"

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class TrackingType:
    """One entry of the catalog.

    ``default_ga4_event`` is ``None`` only for ``custom_event``, whose GA4 event defaults to the
    dataLayer event it listens to. ``listener`` names the Custom HTML behaviour the type relies on
    (``None`` for types GTM can trigger natively). ``example_config`` is a valid config, served to
    clients as the schema's example and used by the tests to compile every type.
    """

    key: str
    label: str
    category: str
    description: str
    config_schema: Mapping[str, Any]
    destinations: frozenset[str]
    default_ga4_event: str | None
    ads_category: str
    ads_counting_type: str
    example_config: Mapping[str, Any] = field(default_factory=dict)
    listener: str | None = None
    # A conversion a business counts (a lead, a sign-up, a purchase, a call): a GA4 key event
    # and a primary Ads conversion by default. Engagement (scrolls, timers, visibility, video)
    # is neither: a secondary Ads action is reported but never feeds Smart Bidding.
    conversion: bool = False

    @property
    def supports_ads(self) -> bool:
        return GOOGLE_ADS in self.destinations

    @property
    def key_event_default(self) -> bool:
        return self.conversion

    @property
    def ads_primary_default(self) -> bool:
        return self.conversion


def css_selector(description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": 500,
        "pattern": r"\S",
        "description": description,
    }


URL_OPERATORS = ["equals", "contains", "starts_with", "regex"]


def url_condition(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "operator": {"type": "string", "enum": URL_OPERATORS},
            "value": {"type": "string", "minLength": 1, "maxLength": 500},
        },
        "required": ["operator", "value"],
        "additionalProperties": False,
    }


PAGE = url_condition("Only on pages whose path matches this condition (all pages when absent).")

DATALAYER_EVENT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 100,
    "pattern": r"^[^\s{}]+$",
    "description": "The dataLayer event name the site pushes.",
}


def obj(
    properties: Mapping[str, Any],
    required: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A strict config object schema (no unknown fields)."""
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "type": "object",
        "properties": dict(properties),
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def percent_list(description: str, default: list[int]) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {"type": "integer", "minimum": 1, "maximum": 100},
        "minItems": 1,
        "maxItems": 20,
        "uniqueItems": True,
        "default": default,
    }


def seconds(description: str, default: int, maximum: int = 3600) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
        "description": description,
    }


HOSTNAME = {"type": "string", "pattern": r"^[A-Za-z0-9.-]{1,253}$"}

SUBMISSION_MODES = ["native", "ajax", "embedded"]
AJAX_SUCCESS = ["element", "request", "datalayer"]
EMBED_PROVIDERS = ["hubspot", "typeform", "calendly"]


def form_submission_properties(selector_description: str) -> dict[str, Any]:
    """How a form says it was sent: the browser's submit, an AJAX success or an embed's event.

    ``native``: GTM's form trigger with validation checked (the page loads the action).
    ``ajax``: the form's script sends the data; success is its thank-you element becoming
    visible, a 2xx answer to a fetch/XHR to the form's action (or ``success_url``), or a dataLayer
    event the site pushes. ``embedded``: a HubSpot, Typeform or Calendly embed's own event.
    """
    return {
        "selector": css_selector(selector_description),
        "submission": {"type": "string", "enum": SUBMISSION_MODES, "default": "native"},
        "success": {"type": "string", "enum": AJAX_SUCCESS},
        "success_selector": css_selector("CSS selector of the message shown after sending."),
        "success_url": {
            "type": "string",
            "minLength": 1,
            "maxLength": 500,
            "pattern": r"^(https?://|/)\S*$",
            "description": "The URL (or path) the form's script sends to; the action when absent.",
        },
        "success_event": DATALAYER_EVENT,
        "provider": {"type": "string", "enum": EMBED_PROVIDERS},
        "embed_form_id": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,100}$"},
    }


def _when(field: str, value: str, *required: str) -> dict[str, Any]:
    return {
        "if": {"properties": {field: {"const": value}}, "required": [field]},
        "then": {"required": list(required)},
    }


# Which fields each mode needs; the form's selector is needed unless the form is an embed.
FORM_SUBMISSION_RULES: list[dict[str, Any]] = [
    {
        "if": {"properties": {"submission": {"const": "embedded"}}, "required": ["submission"]},
        "else": {"required": ["selector"]},
    },
    _when("submission", "ajax", "success"),
    _when("submission", "embedded", "provider"),
    _when("success", "element", "success_selector"),
    _when("success", "datalayer", "success_event"),
]

IDLE_SECONDS = {
    "type": "integer",
    "minimum": 0,
    "maximum": 3600,
    "default": 0,
    "description": "Also counts as abandoned after this many idle seconds (0: only on leaving).",
}
