"""GTM trigger shapes, one builder per trigger kind, and ``Firing``, what a rule returns.

A ``Firing`` holds the main trigger (the one the tags fire on), helper triggers a trigger group
waits for, and what the tags need to know (variables, listener, ecommerce data, dynamic Ads
values). Shapes follow the reference exports (see trackings/compiler/entities.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from trackings.compiler.entities import (
    ALL_PAGES_CONDITION,
    boolean,
    condition,
    link_or_form_options,
    template,
    url_condition,
    with_descendants,
)
from trackings.compiler.types import TrackingSpec, entity_key, ref
from trackings.compiler.variables import VariableDef


@dataclass
class Firing:
    trigger: dict[str, Any]
    parts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (label, body)
    variables: list[VariableDef] = field(default_factory=list)
    listener: str | None = None
    ecommerce: bool = False
    ga4_parameters: list[tuple[str, str]] = field(default_factory=list)
    # awct parameters read from the page (purchase value, currency, order id).
    ads_dynamic: dict[str, str] = field(default_factory=dict)
    # What the listener needs from this tracking (merged across the container's trackings).
    listener_settings: dict[str, list[Any]] = field(default_factory=dict)
    # GA4-only events besides the tracking's own (video_play_progress beside video_play).
    extra_ga4: list[ExtraEvent] = field(default_factory=list)


@dataclass
class ExtraEvent:
    """A second GA4 event of one tracking, with its own trigger; never an Ads conversion."""

    kind: str
    label: str
    event_name: str
    trigger: dict[str, Any]
    ga4_parameters: list[tuple[str, str]] = field(default_factory=list)


Rule = Callable[[TrackingSpec, Mapping[str, Any]], Firing]


def page_filter(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    page = config.get("page")
    return [url_condition("Page Path", page)] if page else []


def click(selector: str | None, config: Mapping[str, Any]) -> dict[str, Any]:
    conditions = []
    if selector:
        conditions.append(condition("cssSelector", "{{Click Element}}", with_descendants(selector)))
    conditions += page_filter(config)
    body: dict[str, Any] = {"type": "click"}
    if conditions:
        body["filter"] = conditions
    return body


def link_click(conditions: list[dict[str, Any]], config: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "linkClick"}
    conditions = conditions + page_filter(config)
    if conditions:
        body["filter"] = conditions
    # GA4 and Ads hits go out as beacons, so links need not wait for tags.
    body.update(link_or_form_options(wait_for_tags=False, check_validation=False))
    return body


def form_submission(selector: str, config: Mapping[str, Any]) -> dict[str, Any]:
    # Only validated submissions count, and the page waits (up to 2 s) for the tags; with those
    # boxes ticked GTM requires the "enable when" condition (autoEventFilter).
    return {
        "type": "formSubmission",
        "filter": [
            condition("cssSelector", "{{Form Element}}", selector),
            *page_filter(config),
        ],
        "autoEventFilter": [ALL_PAGES_CONDITION],
        **link_or_form_options(wait_for_tags=True, check_validation=True),
    }


def custom_event(event: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "customEvent",
        "customEventFilter": [condition("equals", "{{_event}}", event)],
    }
    if conditions:
        body["filter"] = conditions
    return body


def timer(seconds: int, config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "timer",
        "autoEventFilter": page_filter(config) or [ALL_PAGES_CONDITION],
        "eventName": template(None, "gtm.timer"),
        "interval": template(None, str(seconds * 1000)),
        "limit": template(None, "1"),
    }


def scroll_depth(thresholds: list[int], config: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "scrollDepth"}
    if config.get("page"):
        body["filter"] = page_filter(config)
    body["parameter"] = [
        template("verticalThresholdUnits", "PERCENT"),
        template("verticalThresholdsPercent", ",".join(str(t) for t in sorted(thresholds))),
        boolean("verticalThresholdOn", True),
        template("triggerStartOption", "WINDOW_LOAD"),
        boolean("horizontalThresholdOn", False),
    ]
    return body


def link_url_regex(pattern: str, config: Mapping[str, Any]) -> dict[str, Any]:
    return link_click([condition("matchRegex", "{{Click URL}}", pattern, ignore_case=True)], config)


def extensions_regex(extensions: list[str]) -> str:
    alternatives = "|".join(sorted({re.escape(e.lower()) for e in extensions}))
    return rf"\.({alternatives})([?#].*)?$"


VISIBILITY_FREQUENCY = {
    "once_per_page": "ONCE",
    "once_per_element": "ONCE_PER_ELEMENT",
    "every_time": "MANY_PER_ELEMENT",
}


def visibility(selector: str, config: Mapping[str, Any]) -> dict[str, Any]:
    duration = int(config.get("min_seconds_on_screen") or 0)
    body: dict[str, Any] = {"type": "elementVisibility"}
    if config.get("page"):
        body["filter"] = page_filter(config)
    parameter = [
        boolean("useOnScreenDuration", duration > 0),
        # Elements (modals, lazy sections) often appear after load: watch DOM changes.
        boolean("useDomChangeListener", True),
        template("elementSelector", selector),
        template("firingFrequency", VISIBILITY_FREQUENCY[config.get("frequency", "once_per_page")]),
        template("selectorType", "CSS"),
        template("onScreenRatio", str(config.get("visible_percent", 50))),
    ]
    if duration:
        parameter.append(template("onScreenDuration", str(duration * 1000)))
    body["parameter"] = parameter
    return body


def youtube(
    config: Mapping[str, Any], *, start: bool, complete: bool, progress: list[int]
) -> dict[str, Any]:
    parameter = []
    if progress:
        parameter += [
            template("progressThresholdsPercent", ",".join(str(p) for p in sorted(progress))),
            template("radioButtonGroup1", "PERCENTAGE"),
        ]
    parameter += [
        boolean("captureComplete", complete),
        boolean("captureStart", start),
        boolean("fixMissingApi", True),
        template("triggerStartOption", "WINDOW_LOAD"),
        boolean("capturePause", False),
        boolean("captureProgress", bool(progress)),
    ]
    body: dict[str, Any] = {"type": "youTubeVideo"}
    if config.get("page"):
        body["filter"] = page_filter(config)
    body["parameter"] = parameter
    return body


def trigger_group(spec: TrackingSpec, parts: list[tuple[str, dict[str, Any]]]) -> Firing:
    """A trigger group fires once every member trigger has fired on the page."""
    keys = [entity_key(f"trigger-part-{n}", spec.id) for n in range(1, len(parts) + 1)]
    body = {
        "type": "triggerGroup",
        "parameter": [
            {
                "type": "list",
                "key": "triggerIds",
                "list": [{"type": "triggerReference", "value": ref(key)} for key in keys],
            }
        ],
    }
    return Firing(body, parts=parts)
