"""Behavioural and niche types: most need a listener, a few use native GTM conditions."""

from __future__ import annotations

from typing import Any

from trackings.catalog.base import (
    BOTH,
    GA4_ONLY,
    HOSTNAME,
    IDLE_SECONDS,
    ONE_PER_CLICK,
    PAGE,
    TrackingType,
    css_selector,
    obj,
    seconds,
    url_condition,
)
from trackings.listeners import SESSION_MARKS

# The session_duration listener pushes only at SESSION_MARKS, so a tracking picks one of them.


def listener_type(
    key: str,
    label: str,
    description: str,
    *,
    selector: str | None = None,
    category: str = "behavioural",
    extra: dict[str, Any] | None = None,
    example: dict[str, Any] | None = None,
) -> TrackingType:
    """A type GTM cannot trigger natively: the shared listener pushes ``oct.<key>``."""
    properties: dict[str, Any] = {"page": PAGE}
    if selector:
        properties["selector"] = css_selector(selector)
    properties.update(extra or {})
    return TrackingType(
        key=key,
        label=label,
        category=category,
        description=description,
        config_schema=obj(properties),
        destinations=GA4_ONLY,
        default_ga4_event=key,
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config=example or {},
        listener=key,
    )


def region_click(key: str, label: str, description: str, event: str) -> TrackingType:
    return TrackingType(
        key=key,
        label=label,
        category="niche",
        description=description,
        config_schema=obj(
            {"selector": css_selector("CSS selector of the region clicked."), "page": PAGE},
            ("selector",),
        ),
        destinations=GA4_ONLY,
        default_ga4_event=event,
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": f".{key.replace('_', '-')}"},
    )


ELEMENT = "Only for elements matching this CSS selector (any element when absent)."
FORM = "Only for fields inside forms matching this CSS selector (any form when absent)."

TYPES = [
    listener_type(
        "rage_click", "Rage click", "Rapid repeated clicks on one element.", selector=ELEMENT
    ),
    listener_type(
        "dead_click", "Dead click", "A click that changes nothing on the page.", selector=ELEMENT
    ),
    listener_type(
        "tab_visibility",
        "Tab visibility",
        "The visitor hides (or shows again) the tab.",
        extra={
            "state": {"type": "string", "enum": ["hidden", "visible", "any"], "default": "hidden"}
        },
        example={"state": "hidden"},
    ),
    listener_type(
        "session_duration",
        "Session duration",
        "The session reached the number of seconds (one of the listener's marks).",
        extra={"seconds": {"type": "integer", "enum": list(SESSION_MARKS), "default": 60}},
        example={"seconds": 120},
    ),
    listener_type("exit_intent", "Exit intent", "The pointer leaves through the top edge."),
    listener_type("text_copy", "Text copy", "The visitor copies text.", selector=ELEMENT),
    listener_type("page_print", "Page print", "The visitor prints the page."),
    listener_type(
        "form_field_interaction",
        "Form field interaction",
        "A form field gets focus or changes.",
        selector=FORM,
    ),
    TrackingType(
        key="error_page_view",
        label="Error page view",
        category="behavioural",
        description="A view of an error page, recognised by its title or its path.",
        config_schema=obj(
            {
                "match_on": {"type": "string", "enum": ["title", "path"], "default": "title"},
                "condition": {
                    **url_condition("Condition on the page title or path."),
                    "default": {"operator": "contains", "value": "404"},
                },
            }
        ),
        destinations=GA4_ONLY,
        default_ga4_event="error_page_view",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"match_on": "title", "condition": {"operator": "contains", "value": "404"}},
    ),
    listener_type("return_visitor", "Return visitor", "A visitor who has been here before."),
    TrackingType(
        key="outbound_click",
        label="Outbound link click",
        category="behavioural",
        description="A click on a link whose host differs from the page's.",
        config_schema=obj(
            {
                "exclude_domains": {
                    "type": "array",
                    "items": HOSTNAME,
                    "maxItems": 50,
                    "uniqueItems": True,
                    "description": "Hosts not counted as outbound (e.g. your other sites).",
                },
                "page": PAGE,
            }
        ),
        destinations=BOTH,
        default_ga4_event="outbound_click",
        ads_category="OUTBOUND_CLICK",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"exclude_domains": ["shop.example.com"]},
    ),
    TrackingType(
        key="page_engagement",
        label="Page engagement",
        category="behavioural",
        description="The visitor stayed the number of seconds and clicked on the page.",
        config_schema=obj({"seconds": seconds("Seconds on the page.", 15), "page": PAGE}),
        destinations=BOTH,
        default_ga4_event="page_engagement",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"seconds": 15},
    ),
    region_click(
        "product_image_interaction",
        "Product image interaction",
        "A click in the product image gallery.",
        "product_image_interaction",
    ),
    listener_type(
        "cart_abandonment",
        "Cart abandonment",
        "Leaving the site with a non-empty cart (not for another page of the site or checkout).",
        category="niche",
        extra={
            "idle_seconds": IDLE_SECONDS,
            "checkout_hosts": {
                "type": "array",
                "items": HOSTNAME,
                "maxItems": 20,
                "uniqueItems": True,
                "description": "Hosts of an off-site checkout (leaving to them is not abandoning).",
            },
        },
        example={"idle_seconds": 0, "checkout_hosts": ["checkout.stripe.com"]},
    ),
    region_click(
        "price_comparison",
        "Price comparison",
        "A click in the price comparison region.",
        "price_comparison",
    ),
    region_click(
        "review_interaction",
        "Review interaction",
        "A click in the reviews region.",
        "review_interaction",
    ),
    TrackingType(
        key="content_read_through",
        label="Content read-through",
        category="niche",
        description="The visitor scrolled through the content and stayed the number of seconds.",
        config_schema=obj(
            {
                "scroll_percent": {"type": "integer", "minimum": 1, "maximum": 100, "default": 90},
                "seconds": seconds("Seconds on the page.", 30),
                "page": PAGE,
            }
        ),
        destinations=BOTH,
        default_ga4_event="content_read_through",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"scroll_percent": 90, "seconds": 30},
    ),
]
