"""Engagement and navigation types."""

from __future__ import annotations

from trackings.catalog.base import (
    BOTH,
    GA4_ONLY,
    ONE_PER_CLICK,
    PAGE,
    TrackingType,
    css_selector,
    obj,
    percent_list,
    seconds,
)

QUERY_PARAMETER = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_.\-\[\]]{1,50}$",
    "default": "q",
    "description": "The URL query parameter holding the search term.",
}


def click_type(key: str, label: str, description: str, event: str) -> TrackingType:
    return TrackingType(
        key=key,
        label=label,
        category="navigation",
        description=description,
        config_schema=obj(
            {"selector": css_selector("CSS selector of the element clicked."), "page": PAGE},
            ("selector",),
        ),
        destinations=GA4_ONLY,
        default_ga4_event=event,
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": f".{key.replace('_', '-')}"},
    )


TYPES = [
    TrackingType(
        key="scroll_depth",
        label="Scroll depth",
        category="engagement",
        description="The page scrolled past each of the percentages.",
        config_schema=obj(
            {
                "thresholds": percent_list("Vertical scroll percentages.", [25, 50, 75, 100]),
                "page": PAGE,
            },
            ("thresholds",),
        ),
        destinations=BOTH,
        default_ga4_event="scroll_depth",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"thresholds": [25, 50, 75, 100]},
    ),
    TrackingType(
        key="time_on_page",
        label="Time on page",
        category="engagement",
        description="The page stayed open for the number of seconds.",
        config_schema=obj(
            {"seconds": seconds("Seconds on the page.", 30), "page": PAGE}, ("seconds",)
        ),
        destinations=BOTH,
        default_ga4_event="time_on_page",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"seconds": 30},
    ),
    TrackingType(
        key="video_play",
        label="Video play",
        category="engagement",
        description=(
            "An embedded YouTube video starts playing: one video_play per play. Percentages, when "
            "given, are sent as a separate GA4 event, video_play_progress."
        ),
        config_schema=obj(
            {
                "progress_percents": {
                    **percent_list("Also send video_play_progress at these percentages.", []),
                },
                "page": PAGE,
            }
        ),
        destinations=BOTH,
        default_ga4_event="video_play",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
    ),
    TrackingType(
        key="video_complete",
        label="Video complete",
        category="engagement",
        description="An embedded YouTube video is watched to the end.",
        config_schema=obj({"page": PAGE}),
        destinations=BOTH,
        default_ga4_event="video_finish",
        ads_category="ENGAGEMENT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
    ),
    TrackingType(
        key="site_search",
        label="Site search",
        category="navigation",
        description="A search results page (the query parameter is present); sends the term.",
        config_schema=obj({"query_parameter": QUERY_PARAMETER, "page": PAGE}),
        destinations=BOTH,
        default_ga4_event="search",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"query_parameter": "q"},
    ),
    click_type("filter_use", "Filter use", "A click on a listing filter.", "filter_use"),
    click_type("tab_switch", "Tab switch", "A click on a tab.", "tab_switch"),
    click_type(
        "accordion_expand",
        "Accordion expand",
        "A click on an accordion header.",
        "accordion_expand",
    ),
    TrackingType(
        key="modal_open",
        label="Modal open",
        category="navigation",
        description="A modal matching the selector becomes visible.",
        config_schema=obj(
            {"selector": css_selector("CSS selector of the modal."), "page": PAGE},
            ("selector",),
        ),
        destinations=GA4_ONLY,
        default_ga4_event="modal_open",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "#newsletter-modal"},
    ),
]
