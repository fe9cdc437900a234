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

import re
from functools import cache
from importlib import resources

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
    "form_abandon": (*ELEMENT_FIELDS, "oct.field_name", "oct.changed_fields"),
    "form_field_interaction": (
        *ELEMENT_FIELDS,
        "oct.interaction",
        "oct.field_name",
        "oct.field_type",
    ),
    "cart_abandonment": ("oct.cart_items", "oct.cart_source"),
    "return_visitor": ("oct.days_since_first_visit",),
}

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


def listener_script(behaviour: str) -> str:
    """The JavaScript shipped to pages: the source without comment lines and indentation."""
    _check(behaviour)
    return _compact(behaviour)


def listener_html(behaviour: str) -> str:
    """The Custom HTML for the behaviour's `html` tag: one `<script>` element."""
    return f"<script>\n{listener_script(behaviour)}\n</script>"


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
