"""The tag and trigger types the emulator knows, with their required parameters and types.

Google's server refuses a tag of a type it has no template for, and a tag or trigger whose
required parameters are missing or not of their type (400 INVALID_ARGUMENT naming the field, the
same shape as every other validation error here). Sources, per type:

- Tag Dictionary Reference (developers.google.com/tag-platform/tag-manager/api/v2/
  tag-dictionary-reference): `html` (html: template; convertJsValuesToExpressions, usePostscribe:
  boolean), `img` (url: template; useCacheBuster: boolean; cacheBusterQueryParam: template).
  Custom Image needs its Image URL and Custom HTML its HTML (support.google.com/tagmanager/answer/
  6107167, "Custom tags").
- Real exports (../shared/reference/gtm-exports/, summarised in gtm-shapes.md §3): `gaawe`
  always has eventName and measurementIdOverride (template), sendEcommerceData/enhancedUserId
  (boolean), eventSettingsTable (list); `googtag` tagId (template), configSettingsTable and
  eventSettingsTable (list); `awct` conversionId and conversionLabel (template); `sp`
  conversionId (template); `gclidw` enableCrossDomain/enableUrlPassthrough/
  enableCookieOverrides (boolean), nothing required; `html` supportDocumentWrite (boolean).
  Other types seen in those exports (`ua`, `gaawc`, `sgtmgaaw`) are known, without a parameter
  table of ours.
- Triggers (gtm-shapes.md §2, from the same exports; the Trigger resource of the discovery
  document for the top-level fields): `timer` has eventName and interval (template) and the
  "enable when" `autoEventFilter`; `scrollDepth` verticalThresholdOn/horizontalThresholdOn
  (boolean); `elementVisibility` selectorType, firingFrequency (template) and elementSelector
  (template, for selectorType CSS) or elementId (ID); `youTubeVideo` captureStart,
  captureComplete, capturePause, captureProgress (boolean); `triggerGroup` triggerIds (list of
  triggerReference).

Parameters not in a table are accepted as they are (Google's templates have many optional ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import invalid_field


@dataclass(frozen=True)
class ParameterTable:
    required: dict[str, str] = field(default_factory=dict)  # key -> parameter type
    optional: dict[str, str] = field(default_factory=dict)


TAG_TYPES: dict[str, ParameterTable] = {
    "html": ParameterTable(
        required={"html": "template"},
        optional={
            "supportDocumentWrite": "boolean",
            "convertJsValuesToExpressions": "boolean",
            "usePostscribe": "boolean",
        },
    ),
    "img": ParameterTable(
        required={"url": "template"},
        optional={"useCacheBuster": "boolean", "cacheBusterQueryParam": "template"},
    ),
    "gaawe": ParameterTable(
        required={"eventName": "template", "measurementIdOverride": "template"},
        optional={
            "sendEcommerceData": "boolean",
            "getEcommerceDataFrom": "template",
            "enhancedUserId": "boolean",
            "eventSettingsTable": "list",
            "eventSettingsVariable": "template",
            "userProperties": "list",
        },
    ),
    "googtag": ParameterTable(
        required={"tagId": "template"},
        optional={
            "configSettingsTable": "list",
            "eventSettingsTable": "list",
            "configSettingsVariable": "template",
            "eventSettingsVariable": "template",
        },
    ),
    "awct": ParameterTable(
        required={"conversionId": "template", "conversionLabel": "template"},
        optional={
            "conversionValue": "template",
            "currencyCode": "template",
            "orderId": "template",
            "enableConversionLinker": "boolean",
            "enableProductReporting": "boolean",
            "rdp": "boolean",
        },
    ),
    "sp": ParameterTable(
        required={"conversionId": "template"},
        optional={
            "conversionLabel": "template",
            "customParamsFormat": "template",
            "enableDynamicRemarketing": "boolean",
            "rdp": "boolean",
        },
    ),
    "gclidw": ParameterTable(
        optional={
            "enableCrossDomain": "boolean",
            "enableUrlPassthrough": "boolean",
            "enableCookieOverrides": "boolean",
            "linkerDomains": "template",
        }
    ),
    # Seen in real exports; the emulator has no parameter table for them.
    "ua": ParameterTable(),
    "gaawc": ParameterTable(),
    "sgtmgaaw": ParameterTable(),
}

TRIGGER_PARAMETERS: dict[str, ParameterTable] = {
    "scrollDepth": ParameterTable(
        required={"verticalThresholdOn": "boolean", "horizontalThresholdOn": "boolean"},
        optional={
            "verticalThresholdUnits": "template",
            "verticalThresholdsPercent": "template",
            "verticalThresholdsPixels": "template",
            "horizontalThresholdUnits": "template",
            "horizontalThresholdsPercent": "template",
            "horizontalThresholdsPixels": "template",
            "triggerStartOption": "template",
        },
    ),
    "elementVisibility": ParameterTable(
        required={"selectorType": "template", "firingFrequency": "template"},
        optional={
            "elementSelector": "template",
            "elementId": "template",
            "onScreenRatio": "template",
            "onScreenDuration": "template",
            "useOnScreenDuration": "boolean",
            "useDomChangeListener": "boolean",
        },
    ),
    "youTubeVideo": ParameterTable(
        required={
            "captureStart": "boolean",
            "captureComplete": "boolean",
            "capturePause": "boolean",
            "captureProgress": "boolean",
        },
        optional={
            "fixMissingApi": "boolean",
            "triggerStartOption": "template",
            "progressThresholdsPercent": "template",
            "progressThresholdsTimeInSeconds": "template",
            "radioButtonGroup1": "template",
        },
    ),
    "triggerGroup": ParameterTable(required={"triggerIds": "list"}),
}


def _check_table(params: list[dict[str, Any]], table: ParameterTable, prefix: str) -> None:
    by_key = {p.get("key"): (i, p) for i, p in enumerate(params)}
    for key, kind in table.required.items():
        if key not in by_key:
            raise invalid_field(f"{prefix}.parameter", f"the required parameter {key!r} is missing")
        index, param = by_key[key]
        if kind != "list" and param.get("value") in (None, ""):
            raise invalid_field(
                f"{prefix}.parameter[{index}].value", f"the required parameter {key!r} is empty"
            )
    for key, kind in {**table.required, **table.optional}.items():
        if key in by_key:
            index, param = by_key[key]
            if param.get("type") != kind:
                raise invalid_field(
                    f"{prefix}.parameter[{index}].type",
                    f"parameter {key!r} must be of type {kind}, not {param.get('type')}",
                )


def check_tag_type(body: dict[str, Any], prefix: str) -> None:
    kind = body.get("type", "")
    table = TAG_TYPES.get(kind)
    if table is None:
        raise invalid_field(f"{prefix}.type", f"unknown tag type {kind!r}")
    _check_table(body.get("parameter", []), table, prefix)


def check_trigger_type(body: dict[str, Any], prefix: str) -> None:
    kind = body.get("type", "")
    table = TRIGGER_PARAMETERS.get(kind)
    if table is None:
        return  # every other type of the discovery enum: nothing more than rules.py checks
    params = body.get("parameter", [])
    _check_table(params, table, prefix)
    if kind == "elementVisibility":
        values = {p.get("key"): p.get("value") for p in params}
        needed = "elementId" if values.get("selectorType") == "ID" else "elementSelector"
        if not values.get(needed):
            raise invalid_field(
                f"{prefix}.parameter", f"the required parameter {needed!r} is missing"
            )
    if kind == "triggerGroup":
        index = next(i for i, p in enumerate(params) if p.get("key") == "triggerIds")
        items = params[index].get("list") or []
        if not items or any(item.get("type") != "triggerReference" for item in items):
            raise invalid_field(
                f"{prefix}.parameter[{index}].list",
                "a trigger group lists at least one triggerReference",
            )
