"""Listener scripts: the Custom HTML (`html` tags) for behaviours GTM has no native trigger for.

Each behaviour is one dependency-free ES5 file next to this module. Installed as a Custom HTML
tag on All Pages, it listens in the page and pushes `{"event": "oct.<behaviour>", ...}` to
`window.dataLayer`; a `customEvent` trigger on that name fires the tracking's tags. One listener
per behaviour serves every tracking of that behaviour in a container.

What the scripts share (tests/trackings/test_listeners_*.py hold them to it in a real Chromium):
- one IIFE, everything inside try/catch: a listener never breaks the host page;
- a guard `window.__oct.<behaviour>`: a script installed twice listens once;
- events about an element push GTM's element keys (`gtm.element`, `gtm.elementClasses`,
  `gtm.elementId`, `gtm.elementTarget`, `gtm.elementUrl`), always all of them, because GTM's data
  model keeps old keys and `{{Click URL}}` would otherwise show the previous click's link;
- never a typed or copied value: field names, counts and lengths only.

The rules each behaviour applies (what counts, the near misses that do not) are in the header
comment of its `.js` file; the fields it pushes are in `LISTENER_FIELDS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

BEHAVIOURS: tuple[str, ...] = (
    "rage_click",
    "dead_click",
    "tab_visibility",
    "session_duration",
    "exit_intent",
    "text_copy",
    "page_print",
    "form_start",
    "form_abandon",
    "form_field_interaction",
    "cart_abandonment",
    "return_visitor",
    "form_success",
    "form_embed",
)

EVENT_PREFIX = "oct."

ELEMENT_FIELDS: tuple[str, ...] = (
    "gtm.element",
    "gtm.elementClasses",
    "gtm.elementId",
    "gtm.elementTarget",
    "gtm.elementUrl",
)

# The keys each listener pushes besides "event", for the compiler's Data Layer Variables.
LISTENER_FIELDS: dict[str, tuple[str, ...]] = {
    "rage_click": (*ELEMENT_FIELDS, "oct.click_count"),
    "dead_click": ELEMENT_FIELDS,
    "tab_visibility": ("oct.visibility_state",),
    "session_duration": ("oct.session_seconds",),
    "exit_intent": (),
    "text_copy": (*ELEMENT_FIELDS, "oct.copied_length"),
    "page_print": (),
    "form_start": (*ELEMENT_FIELDS, "oct.field_name"),
    "form_abandon": (
        *ELEMENT_FIELDS,
        "oct.abandon_reason",
        "oct.idle_seconds",
        "oct.field_name",
        "oct.changed_fields",
    ),
    "form_field_interaction": (
        *ELEMENT_FIELDS,
        "oct.interaction",
        "oct.field_name",
        "oct.field_type",
    ),
    "cart_abandonment": (
        "oct.abandon_reason",
        "oct.idle_seconds",
        "oct.cart_items",
        "oct.cart_source",
    ),
    "return_visitor": ("oct.days_since_first_visit",),
    "form_success": (*ELEMENT_FIELDS, "oct.form_key", "oct.success_by"),
    "form_embed": ("oct.embed_provider", "oct.embed_form_id"),
}

# The settings a listener reads (from the trackings that use it), and their empty value. The
# compiler merges every tracking's settings of one behaviour into one object: lists are unions.
LISTENER_SETTINGS: dict[str, tuple[str, ...]] = {
    "form_abandon": ("idle",),
    "cart_abandonment": ("idle", "checkout_hosts"),
    "form_success": ("forms",),
}
# Where the source reads its settings; replaced by a JSON object when shipped.
SETTINGS_PLACEHOLDER = "OCT_SETTINGS"

# session_duration pushes only at these marks: a tracking can wait for one of them, not any number.
SESSION_MARKS: tuple[int, ...] = (30, 60, 120, 300)

# The attribute a site can put on its cart badge to state the cart size for cart_abandonment.
CART_COUNT_ATTRIBUTE = "data-oct-cart-count"

RETURN_VISITOR_COOKIE = "_oct_rv"

# Listeners that write to the visitor's device (cookies, sessionStorage): under consent mode their
# tags need analytics_storage, like any analytics cookie.
STORES_ON_DEVICE: frozenset[str] = frozenset(
    {"session_duration", "cart_abandonment", "return_visitor"}
)

# Whole-line `//` comments and indentation are for readers, not for every page view. The sources
# keep comments on their own lines and have no multi-line strings, so dropping them is safe.
_COMMENT_LINE = re.compile(r"^\s*//.*$")


def listener_event(behaviour: str) -> str:
    """The dataLayer event name the behaviour's listener pushes (the customEvent to trigger on)."""
    _check(behaviour)
    return EVENT_PREFIX + behaviour


def listener_source(behaviour: str) -> str:
    """The readable JavaScript, as kept in the package."""
    _check(behaviour)
    return _read(behaviour)


def listener_script(behaviour: str, settings: Mapping[str, Any] | None = None) -> str:
    """The JavaScript shipped to pages: the source without comment lines and indentation.

    A behaviour that reads settings gets them (``{}`` when none) in place of its placeholder.
    """
    _check(behaviour)
    script = _compact(behaviour)
    if behaviour in LISTENER_SETTINGS:
        script = script.replace(SETTINGS_PLACEHOLDER, settings_literal(settings or {}))
    return script


def settings_literal(settings: Mapping[str, Any]) -> str:
    """Settings as a JavaScript literal safe inside a Custom HTML tag.

    JSON is a JavaScript literal. ``{{`` can only occur inside its strings (an object's first
    member is always a key), where GTM would read it as a variable reference, and ``<`` could
    close the script element: both are written as ``\\u`` escapes, which JavaScript reads back.
    """
    text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("{{", "{\\u007b")


def listener_html(behaviour: str, settings: Mapping[str, Any] | None = None) -> str:
    """The Custom HTML for the behaviour's `html` tag: one `<script>` element."""
    return f"<script>\n{listener_script(behaviour, settings)}\n</script>"


def _check(behaviour: str) -> None:
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"No listener for behaviour {behaviour!r}; known: {', '.join(BEHAVIOURS)}")


@cache
def _read(behaviour: str) -> str:
    return resources.files(__name__).joinpath(f"{behaviour}.js").read_text(encoding="utf-8")


@cache
def _compact(behaviour: str) -> str:
    lines = (line.strip() for line in _read(behaviour).splitlines())
    return "\n".join(line for line in lines if line and not _COMMENT_LINE.match(line))
