"""Ecommerce and lead generation types."""

from __future__ import annotations

from typing import Any

from trackings.catalog.base import (
    BOTH,
    DATALAYER_EVENT,
    FORM_SUBMISSION_RULES,
    GA4_ONLY,
    MANY_PER_CLICK,
    ONE_PER_CLICK,
    PAGE,
    TrackingType,
    css_selector,
    form_submission_properties,
    obj,
)

DEFAULT_DOWNLOAD_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip"]
EXTENSION = {"type": "string", "pattern": "^[A-Za-z0-9]{1,10}$"}


def ecommerce_schema(event: str) -> dict[str, Any]:
    """The site pushes a GA4 ecommerce dataLayer event, or (no dataLayer) a click stands in."""
    return obj(
        {
            "source": {"type": "string", "enum": ["datalayer", "click"], "default": "datalayer"},
            "event": {**DATALAYER_EVENT, "default": event},
            "selector": css_selector("CSS selector of the element clicked (source 'click')."),
            "page": PAGE,
        },
        allOf=[
            {
                "if": {"properties": {"source": {"const": "click"}}, "required": ["source"]},
                "then": {"required": ["selector"]},
            }
        ],
    )


# key, label, GA4 recommended event, destinations, Ads category, Ads counting type
ECOMMERCE = [
    ("add_to_cart", "Add to cart", "add_to_cart", BOTH, "ADD_TO_CART", MANY_PER_CLICK),
    (
        "remove_from_cart",
        "Remove from cart",
        "remove_from_cart",
        GA4_ONLY,
        "DEFAULT",
        ONE_PER_CLICK,
    ),
    ("add_to_wishlist", "Add to wishlist", "add_to_wishlist", BOTH, "DEFAULT", ONE_PER_CLICK),
    ("view_cart", "View cart", "view_cart", BOTH, "DEFAULT", ONE_PER_CLICK),
    ("checkout_start", "Checkout start", "begin_checkout", BOTH, "BEGIN_CHECKOUT", ONE_PER_CLICK),
    ("checkout_step", "Checkout step", "add_shipping_info", GA4_ONLY, "DEFAULT", ONE_PER_CLICK),
    ("purchase", "Purchase", "purchase", BOTH, "PURCHASE", MANY_PER_CLICK),
    ("product_view", "Product view", "view_item", BOTH, "PAGE_VIEW", ONE_PER_CLICK),
]


VIA_FORM_OR_CLICK = {"type": "string", "enum": ["form", "click"], "default": "form"}


def form_or_click_schema() -> dict[str, Any]:
    """Via a form (any submission mode) or a click on the selector."""
    return obj(
        {
            "via": VIA_FORM_OR_CLICK,
            **form_submission_properties(
                "CSS selector of the form (via 'form') or element clicked (via 'click')."
            ),
            "page": PAGE,
        },
        allOf=FORM_SUBMISSION_RULES,
    )


TYPES = [
    *(
        TrackingType(
            key=key,
            label=label,
            category="ecommerce",
            description=f"The site's GA4 ecommerce '{event}' dataLayer event (or a click).",
            config_schema=ecommerce_schema(event),
            destinations=destinations,
            default_ga4_event=event,
            ads_category=category,
            ads_counting_type=counting,
            example_config={"source": "datalayer", "event": event},
            conversion=key == "purchase",
        )
        for key, label, event, destinations, category, counting in ECOMMERCE
    ),
    TrackingType(
        key="phone_call_click",
        label="Phone call click",
        category="lead_generation",
        description="A click on a tel: link.",
        config_schema=obj({"page": PAGE}),
        destinations=BOTH,
        default_ga4_event="click_to_call",
        ads_category="PHONE_CALL_LEAD",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
        conversion=True,
    ),
    TrackingType(
        key="email_click",
        label="Email click",
        category="lead_generation",
        description="A click on a mailto: link.",
        config_schema=obj({"page": PAGE}),
        destinations=BOTH,
        default_ga4_event="click_to_email",
        ads_category="CONTACT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
        conversion=True,
    ),
    TrackingType(
        key="download",
        label="Lead magnet download",
        category="lead_generation",
        description="A click on a link to a file with one of the extensions.",
        config_schema=obj(
            {
                "extensions": {
                    "type": "array",
                    "items": EXTENSION,
                    "minItems": 1,
                    "maxItems": 30,
                    "uniqueItems": True,
                    "default": DEFAULT_DOWNLOAD_EXTENSIONS,
                },
                "selector": css_selector("Only links matching this CSS selector."),
                "page": PAGE,
            }
        ),
        destinations=BOTH,
        default_ga4_event="asset_download",
        ads_category="DOWNLOAD",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"extensions": ["pdf"], "selector": "a.whitepaper"},
        conversion=True,
    ),
    TrackingType(
        key="demo_request",
        label="Demo request",
        category="lead_generation",
        description="A demo request form submitted (or a click on its button).",
        config_schema=form_or_click_schema(),
        destinations=BOTH,
        default_ga4_event="generate_lead",
        ads_category="BOOK_APPOINTMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"via": "form", "selector": "form.demo"},
        conversion=True,
    ),
    TrackingType(
        key="signup",
        label="Sign-up",
        category="lead_generation",
        description="An account sign-up form submitted (or a click on its button).",
        config_schema=form_or_click_schema(),
        destinations=BOTH,
        default_ga4_event="sign_up",
        ads_category="SIGNUP",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"via": "click", "selector": "button#signup"},
        conversion=True,
    ),
]
