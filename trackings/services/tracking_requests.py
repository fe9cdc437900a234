"""The rules a tracking must follow before anything is stored: the catalog's config schema and
destinations, GA4 naming, Google Ads conversion settings. Pure functions, no I/O, so a bulk
request of 500 items is one fast validation pass.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from trackings.catalog import (
    GA4,
    GOOGLE_ADS,
    config_with_defaults,
    get_tracking_type,
    validate_tracking_config,
)
from trackings.compiler import ContainerSpec, TrackingSpec
from trackings.compiler.compile import compile_tracking_alone, ga4_name_for_data_layer_event
from trackings.compiler.entities import BUILT_IN_BY_NAME, VARIABLE_REFERENCE, strings_in
from trackings.compiler.types import DesiredEntity

Errors = dict[str, list[str]]

# GA4's naming rules and reserved names. Sources: Google Analytics Help "Event naming rules"
# (support.google.com/analytics/answer/13316687: web and app reserved event names, the web's
# reserved prefix, reserved parameter names and prefixes), the Firebase/GA4 SDK references
# (FirebaseAnalytics.Event and .Param: names of 40 characters at most, a letter then letters,
# digits and underscores, 25 parameters per event, values of 100 characters, the "firebase_",
# "google_" and "ga_" prefixes reserved) and "Automatically collected events"
# (support.google.com/analytics/answer/9234069: page_title, page_referrer and page_location
# values may be longer).
GA4_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# Event names GA4 refuses outright (apps' and the web's lists; no opt-in makes them valid).
GA4_RESERVED_EVENTS = frozenset(
    {
        "ad_activeview", "ad_click", "ad_exposure", "ad_impression", "ad_query", "ad_reward",
        "adunit_exposure", "app_background", "app_clear_data", "app_exception", "app_install",
        "app_remove", "app_store_refund", "app_store_subscription_cancel",
        "app_store_subscription_convert", "app_store_subscription_renew", "app_uninstall",
        "app_update", "app_upgrade", "dynamic_link_app_open", "dynamic_link_app_update",
        "dynamic_link_first_open", "error", "first_open", "first_visit", "in_app_purchase",
        "notification_dismiss", "notification_foreground", "notification_open",
        "notification_receive", "notification_send", "os_update", "screen_view",
        "session_start", "session_start_with_rollout", "user_engagement",
    }
)  # fmt: skip
GA4_RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
# The web's list adds one reserved prefix for event names.
GA4_RESERVED_EVENT_PREFIXES = (*GA4_RESERVED_PREFIXES, "query_id")
# The web's reserved event names that GA4 collects by itself (enhanced measurement): sending them
# again double counts, so they need `allow_auto_collected_event_name`. Google's list spells one
# of them "view_complete"; both spellings are held.
GA4_AUTO_COLLECTED_EVENTS = frozenset(
    {
        "page_view", "scroll", "click", "file_download", "form_start", "form_submit",
        "video_start", "video_progress", "video_complete", "view_complete",
        "view_search_results",
    }
)  # fmt: skip
# Event parameter names GA4 reserves (the same page's list, including the names it refuses as
# custom dimensions, which the engine registers for every parameter a tag sends). `currency` is
# on that list too but stays allowed: it is a standard ecommerce parameter a tag may send.
GA4_RESERVED_PARAMETERS = frozenset(
    {
        "cid", "customer_id", "customerid", "dclid", "engagement_time_msec", "gclid",
        "session_id", "session_number", "sessionid", "sfmc_id", "sid", "srsltid", "uid",
        "user_id", "userid",
    }
)  # fmt: skip
GA4_MAX_PARAMETERS = 25
GA4_MAX_PARAMETER_VALUE = 100
# Parameters whose values GA4 keeps longer than GA4_MAX_PARAMETER_VALUE.
GA4_LONG_PARAMETER_VALUES = {"page_title": 300, "page_referrer": 420, "page_location": 1000}
# Conversion action categories a web page conversion can have (Google Ads API
# ConversionActionCategoryEnum, the ones meaningful for a website tag).
ADS_CATEGORIES = frozenset(
    {
        "DEFAULT", "PAGE_VIEW", "PURCHASE", "SIGNUP", "DOWNLOAD", "ADD_TO_CART",
        "BEGIN_CHECKOUT", "SUBSCRIBE_PAID", "PHONE_CALL_LEAD", "SUBMIT_LEAD_FORM",
        "BOOK_APPOINTMENT", "REQUEST_QUOTE", "GET_DIRECTIONS", "OUTBOUND_CLICK", "CONTACT",
        "ENGAGEMENT", "QUALIFIED_LEAD", "CONVERTED_LEAD",
    }
)  # fmt: skip
CURRENCY = re.compile(r"^[A-Z]{3}$")
ADS_MAX_VALUE = Decimal("9999999999.99")


@dataclass
class TrackingRequest:
    """What a client asks for; `tracking_request_resolve` fills the catalog's defaults in."""

    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    destinations: list[str] = field(default_factory=lambda: [GA4])
    ga4_event_name: str = ""
    ga4_parameters: dict[str, Any] = field(default_factory=dict)
    ads_value: Decimal | None = None
    ads_currency: str = ""
    ads_category: str = ""
    allow_auto_collected_event_name: bool = False
    # None: the type's default (trackings.catalog.TrackingType.conversion).
    key_event: bool | None = None
    ads_primary: bool | None = None
    # Created as a draft: stored and validated, never deployed until it is published.
    draft: bool = False


def _ga4_name_errors(name: str, *, what: str) -> list[str]:
    if not GA4_NAME.match(name):
        return [
            f"A GA4 {what} name starts with a letter and holds only letters, digits and "
            "underscores, 40 characters at most."
        ]
    prefixes: tuple[str, ...]
    if what == "event":
        reserved, prefixes = GA4_RESERVED_EVENTS, GA4_RESERVED_EVENT_PREFIXES
    else:
        reserved, prefixes = GA4_RESERVED_PARAMETERS, GA4_RESERVED_PREFIXES
    if name in reserved:
        return [f"'{name}' is a reserved GA4 {what} name."]
    prefix = next((p for p in prefixes if name.startswith(p)), None)
    if prefix is not None:
        return [f"GA4 reserves the prefix '{prefix}' for {what} names."]
    return []


def ga4_event_name_errors(name: str, *, allow_auto_collected: bool) -> list[str]:
    """What GA4 would refuse in an event name (as sent, after the compiler's sanitising)."""
    errors = _ga4_name_errors(name, what="event")
    if not errors and name in GA4_AUTO_COLLECTED_EVENTS and not allow_auto_collected:
        errors = [
            f"GA4 collects '{name}' by itself; sending it again double counts. "
            "Choose another name or set allow_auto_collected_event_name."
        ]
    return errors


def tracking_request_resolve(spec: TrackingRequest) -> tuple[TrackingRequest, Errors]:
    """Check a spec against the catalog and GA4/Ads rules; return it with defaults filled in.

    Errors name the field (`config.selector`, `destinations`, `ga4_event_name`, ...). No I/O.
    """
    try:
        kind = get_tracking_type(spec.type)
    except KeyError:
        return spec, {"type": [f"Unknown tracking type '{spec.type}'; see /tracking-types/."]}
    errors: Errors = dict(validate_tracking_config(spec.type, spec.config))
    errors.update(_nul_character_errors(spec.config, "config"))
    errors.update(_nul_character_errors(spec.ga4_parameters, "ga4_parameters"))
    destinations = list(dict.fromkeys(spec.destinations))
    if not destinations:
        errors["destinations"] = ["Choose at least one destination."]
    unsupported = [d for d in destinations if d not in kind.destinations]
    if unsupported:
        errors["destinations"] = [
            f"'{spec.type}' can be sent to {', '.join(sorted(kind.destinations))} only."
        ]
    event_name = spec.ga4_event_name
    if GA4 in destinations:
        if not event_name:
            event_name = kind.default_ga4_event or ga4_name_for_data_layer_event(
                str(spec.config.get("event", ""))
            )
        name_errors = ga4_event_name_errors(
            event_name, allow_auto_collected=spec.allow_auto_collected_event_name
        )
        if name_errors:
            errors["ga4_event_name"] = name_errors
        errors.update(_ga4_parameter_errors(spec.ga4_parameters))
    else:
        if spec.ga4_event_name:
            errors["ga4_event_name"] = ["Only with ga4 among the destinations."]
        if spec.ga4_parameters:
            errors["ga4_parameters"] = ["Only with ga4 among the destinations."]
        if spec.key_event:
            errors["key_event"] = ["Only with ga4 among the destinations."]
    ads_category = spec.ads_category
    if GOOGLE_ADS in destinations:
        ads_category = ads_category or kind.ads_category
        errors.update(_ads_errors(spec, ads_category))
    elif spec.ads_value is not None or spec.ads_currency or spec.ads_category:
        errors["ads_conversion"] = ["Only with google_ads among the destinations."]
    if GOOGLE_ADS not in destinations and spec.ads_primary:
        errors["ads_primary"] = ["Only with google_ads among the destinations."]
    if errors:
        return spec, errors
    resolved = TrackingRequest(
        name=spec.name,
        type=spec.type,
        config=config_with_defaults(spec.type, spec.config),
        destinations=destinations,
        ga4_event_name=event_name if GA4 in destinations else "",
        ga4_parameters=dict(spec.ga4_parameters) if GA4 in destinations else {},
        ads_value=spec.ads_value,
        ads_currency=spec.ads_currency,
        ads_category=ads_category if GOOGLE_ADS in destinations else "",
        allow_auto_collected_event_name=spec.allow_auto_collected_event_name,
        key_event=GA4 in destinations
        and (kind.key_event_default if spec.key_event is None else spec.key_event),
        ads_primary=GOOGLE_ADS in destinations
        and (kind.ads_primary_default if spec.ads_primary is None else spec.ads_primary),
        draft=spec.draft,
    )
    reference_errors = _reference_errors(resolved)
    if reference_errors:
        return spec, reference_errors
    return resolved, {}


# Placeholders for compiling one tracking alone: only the names of its variables are read.
_PROBE_CONTAINER = ContainerSpec(
    measurement_id="G-PROBE", ads_conversion_id=None, public_id="", owner="probe"
)
_PROBE_ID = uuid.UUID(int=0)


def _reference_errors(spec: TrackingRequest) -> Errors:
    """Every `{{Name}}` in the config and GA4 parameters must be a variable the compiler makes
    for this tracking, a GTM built-in variable it enables, or `_event`: GTM refuses to version
    anything else (a bare `compilerError`, minutes later). Compiling the tracking alone (pure,
    no I/O) also refuses here whatever the compiler itself would refuse."""
    probe = TrackingSpec(
        id=_PROBE_ID,
        type=spec.type,
        name=spec.name or "probe",
        config=spec.config,
        destinations=frozenset(spec.destinations),
        ga4_event_name=spec.ga4_event_name,
        ga4_parameters={str(k): str(v) for k, v in spec.ga4_parameters.items()},
    )
    try:
        entities = compile_tracking_alone(probe, _PROBE_CONTAINER)
    except (ValueError, KeyError, TypeError) as error:
        return {"config": [f"This tracking cannot be compiled for GTM: {error}"]}
    known = {"_event", *BUILT_IN_BY_NAME}
    known |= {e.name for e in entities if e.entity_type == "variable"}
    errors: Errors = _compiled_ga4_errors(entities)
    for path, value in (
        *((f"config.{k}", v) for k, v in spec.config.items()),
        *((f"ga4_parameters.{k}", v) for k, v in spec.ga4_parameters.items()),
    ):
        unknown = sorted(
            {name for text in strings_in(value) for name in VARIABLE_REFERENCE.findall(text)}
            - known
        )
        if unknown:
            listed = ", ".join("{{" + name + "}}" for name in unknown)
            errors[path] = [
                f"{listed}: neither a variable OneClickTag creates for this tracking nor a GTM "
                "built-in variable (e.g. {{Page URL}}, {{Click Text}}); GTM would refuse it."
            ]
    return errors


def _compiled_ga4_errors(entities: list[DesiredEntity]) -> Errors:
    """GA4's limits on what the compiled tags send: the parameters the tracking type adds count
    toward GA4's 25 next to the client's, and every event name is checked as sent."""
    errors: Errors = {}
    for entity in entities:
        if entity.entity_type != "tag" or entity.body.get("type") != "gaawe":
            continue
        values = {p.get("key"): p for p in entity.body.get("parameter") or []}
        rows = (values.get("eventSettingsTable") or {}).get("list") or []
        if len(rows) > GA4_MAX_PARAMETERS:
            errors["ga4_parameters"] = [
                f"The tag would send {len(rows)} event parameters (the tracking type adds its "
                f"own to yours); GA4 takes {GA4_MAX_PARAMETERS} at most."
            ]
        name = str((values.get("eventName") or {}).get("value") or "")
        # The client's own name was checked already (with its auto-collected opt-in).
        name_errors = _ga4_name_errors(name, what="event")
        if name_errors:
            errors.setdefault("ga4_event_name", name_errors)
    return errors


def _nul_character_errors(value: Any, path: str) -> Errors:
    """NUL characters cannot be stored (PostgreSQL text and jsonb refuse them) nor sent to GTM."""
    if isinstance(value, str):
        return {path: ["NUL characters are not allowed."]} if "\x00" in value else {}
    errors: Errors = {}
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if "\x00" in str(key):
                errors[path] = ["NUL characters are not allowed."]
            errors.update(_nul_character_errors(inner, f"{path}.{key}"))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            errors.update(_nul_character_errors(inner, f"{path}.{index}"))
    return errors


def _ga4_parameter_errors(parameters: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    if len(parameters) > GA4_MAX_PARAMETERS:
        errors["ga4_parameters"] = [f"GA4 takes {GA4_MAX_PARAMETERS} event parameters at most."]
    for name, value in parameters.items():
        problems = _ga4_name_errors(name, what="parameter")
        limit = GA4_LONG_PARAMETER_VALUES.get(name, GA4_MAX_PARAMETER_VALUE)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append("A parameter value is a string or a number.")
        elif len(str(value)) > limit:
            problems.append(f"GA4 keeps {limit} characters of this value at most.")
        if problems:
            errors[f"ga4_parameters.{name}"] = problems
    return errors


def _ads_errors(spec: TrackingRequest, category: str) -> Errors:
    errors: Errors = {}
    if category not in ADS_CATEGORIES:
        errors["ads_conversion.category"] = [
            "Must be one of: " + ", ".join(sorted(ADS_CATEGORIES)) + "."
        ]
    if spec.ads_value is not None:
        if spec.ads_value < 0 or spec.ads_value > ADS_MAX_VALUE:
            errors["ads_conversion.value"] = ["Must be between 0 and 9999999999.99."]
        if not spec.ads_currency:
            errors["ads_conversion.currency"] = ["Required with a value."]
    if spec.ads_currency and not CURRENCY.match(spec.ads_currency):
        errors["ads_conversion.currency"] = ["An ISO 4217 code in capitals, e.g. USD."]
    return errors
