"""Built-in variables: the discovery `type` values and the names `{{...}}` references use."""

from __future__ import annotations

import re
from functools import cache

from ..discovery import schemas

# A new web container has these enabled (GTM UI: Page URL, Page Hostname, Page Path, Referrer,
# Event).
DEFAULT_WEB_BUILTINS = ("pageUrl", "pageHostname", "pagePath", "referrer", "event")
# `{{_event}}` (the dataLayer event of custom-event triggers) is always available.
ALWAYS_AVAILABLE = frozenset({"_event"})
# Built-in triggers that exist in every web container without a trigger entity.
BUILTIN_TRIGGER_IDS = frozenset(
    {
        "2147479553",  # All Pages
        "2147479572",  # Consent Initialization - All Pages
        "2147479573",  # Initialization - All Pages
    }
)

# Names the GTM UI uses where spelling out the camel-case type would be wrong.
_NAME_OVERRIDES = {
    "scrollDepthDirection": "Scroll Direction",
    "elementVisibilityRatio": "Percent Visible",
    "elementVisibilityTime": "On-Screen Duration",
    "elementVisibilityFirstTime": "First Time Visible",
    "elementVisibilityRecentTime": "Recent Time Visible",
    "firstPartyServingUrl": "First Party Serving URL",
    "advertisingTrackingEnabled": "Advertising Tracking Enabled",
}
_ACRONYMS = {"url": "URL", "id": "ID", "html": "HTML", "amp": "AMP", "os": "OS", "sdk": "SDK"}


@cache
def builtin_types() -> tuple[str, ...]:
    enum = schemas("gtm")["BuiltInVariable"]["properties"]["type"]["enum"]
    return tuple(t for t in enum if t != "builtInVariableTypeUnspecified")


def builtin_name(bi_type: str) -> str:
    if bi_type in _NAME_OVERRIDES:
        return _NAME_OVERRIDES[bi_type]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", bi_type).split()
    return " ".join(_ACRONYMS.get(w.lower(), w[:1].upper() + w[1:]) for w in words)


@cache
def builtin_type_by_name() -> dict[str, str]:
    return {builtin_name(t): t for t in builtin_types()}
