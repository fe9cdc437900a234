"""Builders for GTM API entities, in the API's lower-camel spelling.

Shapes follow the UI exports in tests/data/gtm-exports (parameter keys, types and order),
with enums in the discovery document's spelling (``cssSelector`` where an export says
``CSS_SELECTOR``). All scalar values are strings, as GTM stores them.
"""

from __future__ import annotations

import re
from typing import Any

# GTM's built-in variables we reference, by API type -> the name used in ``{{…}}``.
BUILT_IN_VARIABLES = {
    "pageUrl": "Page URL",
    "pageHostname": "Page Hostname",
    "pagePath": "Page Path",
    "referrer": "Referrer",
    "event": "Event",
    "clickElement": "Click Element",
    "clickClasses": "Click Classes",
    "clickId": "Click ID",
    "clickTarget": "Click Target",
    "clickUrl": "Click URL",
    "clickText": "Click Text",
    "formElement": "Form Element",
    "formId": "Form ID",
    "videoProvider": "Video Provider",
    "videoUrl": "Video URL",
    "videoTitle": "Video Title",
    "videoDuration": "Video Duration",
    "videoPercent": "Video Percent",
    "videoStatus": "Video Status",
    "videoCurrentTime": "Video Current Time",
    "scrollDepthThreshold": "Scroll Depth Threshold",
    "scrollDepthUnits": "Scroll Depth Units",
    "scrollDepthDirection": "Scroll Depth Direction",
}
BUILT_IN_BY_NAME = {name: api_type for api_type, name in BUILT_IN_VARIABLES.items()}

# A ``{{Name}}`` reference to a variable inside any parameter value.
VARIABLE_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


def strings_in(value: Any) -> list[str]:
    """Every string anywhere inside an entity body, in no particular order. A loop over a
    stack, not nested generators: every compile walks every entity body with it."""
    found: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


# The catalog's URL operators -> GTM condition types.
OPERATORS = {
    "equals": "equals",
    "contains": "contains",
    "starts_with": "startsWith",
    "regex": "matchRegex",
}


def template(key: str | None, value: str | None) -> dict[str, Any]:
    param: dict[str, Any] = {"type": "template"}
    if key is not None:
        param["key"] = key
    if value is not None:
        param["value"] = value
    return param


def boolean(key: str | None, value: bool) -> dict[str, Any]:
    param: dict[str, Any] = {"type": "boolean"}
    if key is not None:
        param["key"] = key
    param["value"] = "true" if value else "false"
    return param


def integer(key: str, value: int) -> dict[str, Any]:
    return {"type": "integer", "key": key, "value": str(value)}


def settings_table(key: str, rows: list[tuple[str, str]]) -> dict[str, Any]:
    """A LIST of MAP rows ``{parameter, parameterValue}`` (gaawe/googtag settings tables)."""
    return {
        "type": "list",
        "key": key,
        "list": [
            {
                "type": "map",
                "map": [template("parameter", name), template("parameterValue", value)],
            }
            for name, value in rows
        ],
    }


def condition(
    kind: str, arg0: str, arg1: str, *, negate: bool = False, ignore_case: bool = False
) -> dict[str, Any]:
    parameter = [template("arg0", arg0), template("arg1", arg1)]
    if ignore_case:
        parameter.append(boolean("ignore_case", True))
    if negate:
        parameter.append(boolean("negate", True))
    return {"type": kind, "parameter": parameter}


def url_condition(variable: str, cond: dict[str, str]) -> dict[str, Any]:
    """A catalog ``{operator, value}`` condition applied to ``{{variable}}``."""
    return condition(OPERATORS[cond["operator"]], "{{" + variable + "}}", cond["value"])


def split_selector_list(selector: str) -> list[str]:
    """Split a CSS selector list on top-level commas (not inside (), [] or quotes)."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for char in selector:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


def with_descendants(selector: str) -> str:
    """``X`` -> ``X, X *``: the idiom GTM users write so clicks on inner elements count.

    GTM's click trigger reports the innermost element clicked (an icon inside the button), so a
    bare ``button.buy`` would miss most real clicks.
    """
    parts = split_selector_list(selector)
    extra = [f"{part} *" for part in parts if not part.endswith(" *")]
    return ", ".join([*parts, *extra])


def link_or_form_options(*, wait_for_tags: bool, check_validation: bool) -> dict[str, Any]:
    """The four keys every linkClick (and formSubmission) trigger carries, as exported."""
    return {
        "waitForTags": boolean(None, wait_for_tags),
        "checkValidation": boolean(None, check_validation),
        "waitForTagsTimeout": template(None, "2000"),
        "uniqueTriggerId": template(None, None),
    }


ALL_PAGES_CONDITION = condition("matchRegex", "{{Page URL}}", ".*")


def tag_common(*, needs_consent: str | None = None) -> dict[str, Any]:
    """The keys every tag of a current UI export carries.

    ``needs_consent`` names a consent type (``analytics_storage``) the tag must wait for under
    consent mode: GTM's own tags check consent themselves, Custom HTML that writes to the
    visitor's device does not, so it declares it.
    """
    consent: dict[str, Any] = {"consentStatus": "notSet"}
    if needs_consent:
        consent = {
            "consentStatus": "needed",
            # The API wants a LIST of string (template) items.
            "consentType": {"type": "list", "list": [template(None, needs_consent)]},
        }
    return {
        "tagFiringOption": "oncePerEvent",
        "monitoringMetadata": {"type": "map"},
        "consentSettings": consent,
    }
