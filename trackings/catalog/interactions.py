"""Interactions and forms: clicks, links, key pages, element visibility, form submissions."""

from __future__ import annotations

from trackings.catalog.base import (
    BOTH,
    FORM_SUBMISSION_RULES,
    GA4_ONLY,
    IDLE_SECONDS,
    ONE_PER_CLICK,
    PAGE,
    TrackingType,
    css_selector,
    form_submission_properties,
    obj,
    url_condition,
)

SELECTOR = css_selector("CSS selector of the element (clicks on its children count too).")
OPTIONAL_FORM_SELECTOR = css_selector("CSS selector of the form (all forms when absent).")

TYPES = [
    TrackingType(
        key="button_click",
        label="Button click",
        category="interactions",
        description="A click on an element matching the selector.",
        config_schema=obj({"selector": SELECTOR, "page": PAGE}, ("selector",)),
        destinations=BOTH,
        default_ga4_event="button_click",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "button.buy-now"},
    ),
    TrackingType(
        key="link_click",
        label="Link click",
        category="interactions",
        description="A click on a link matching the selector and/or the link URL condition.",
        config_schema=obj(
            {
                "selector": css_selector("CSS selector of the link."),
                "url": url_condition("Condition on the clicked link's URL."),
                "page": PAGE,
            },
            anyOf=[{"required": ["selector"]}, {"required": ["url"]}],
        ),
        destinations=BOTH,
        default_ga4_event="link_click",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"url": {"operator": "contains", "value": "/pricing"}},
    ),
    TrackingType(
        key="page_view",
        label="Key page view",
        category="interactions",
        description="A view of the pages whose path (or full URL) matches the condition.",
        config_schema=obj(
            {
                "page": url_condition("Condition on the page's path or URL."),
                "match_on": {"type": "string", "enum": ["path", "url"], "default": "path"},
            },
            ("page",),
        ),
        destinations=BOTH,
        default_ga4_event="key_page_view",
        ads_category="PAGE_VIEW",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"page": {"operator": "starts_with", "value": "/thank-you"}},
    ),
    TrackingType(
        key="element_visibility",
        label="Element visibility",
        category="interactions",
        description="An element matching the selector becomes visible on screen.",
        config_schema=obj(
            {
                "selector": SELECTOR,
                "visible_percent": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "default": 50,
                },
                "frequency": {
                    "type": "string",
                    "enum": ["once_per_page", "once_per_element", "every_time"],
                    "default": "once_per_page",
                },
                "min_seconds_on_screen": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 600,
                    "default": 0,
                },
                "page": PAGE,
            },
            ("selector",),
        ),
        destinations=BOTH,
        default_ga4_event="element_visible",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "#pricing-table", "visible_percent": 50},
    ),
    TrackingType(
        key="form_submit",
        label="Form submission",
        category="forms",
        description=(
            "A successful submission of the form matching the selector: the browser's validated "
            "submit, an AJAX form's success, or an embedded form's own event."
        ),
        config_schema=obj(
            {**form_submission_properties("CSS selector of the <form> element."), "page": PAGE},
            allOf=FORM_SUBMISSION_RULES,
        ),
        destinations=BOTH,
        default_ga4_event="generate_lead",
        ads_category="SUBMIT_LEAD_FORM",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "form#contact"},
        conversion=True,
    ),
    TrackingType(
        key="form_start",
        label="Form start",
        category="forms",
        description="The first interaction with a form's fields.",
        config_schema=obj({"selector": OPTIONAL_FORM_SELECTOR, "page": PAGE}),
        destinations=GA4_ONLY,
        default_ga4_event="form_begin",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "form#contact"},
        listener="form_start",
    ),
    TrackingType(
        key="form_abandon",
        label="Form abandonment",
        category="forms",
        description=(
            "Leaving the page (or idling, when set) after changing a form without sending it; "
            "hiding the tab is not leaving."
        ),
        config_schema=obj(
            {"selector": OPTIONAL_FORM_SELECTOR, "idle_seconds": IDLE_SECONDS, "page": PAGE}
        ),
        destinations=GA4_ONLY,
        default_ga4_event="form_abandon",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
        listener="form_abandon",
    ),
]
