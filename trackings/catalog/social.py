"""Social, content and custom types."""

from __future__ import annotations

from trackings.catalog.base import (
    BOTH,
    DATALAYER_EVENT,
    FORM_SUBMISSION_RULES,
    GA4_ONLY,
    ONE_PER_CLICK,
    PAGE,
    TrackingType,
    form_submission_properties,
    obj,
)

# The host + path prefix of each network's share endpoint, and its profile domains.
SHARE_URLS = {
    "facebook": r"facebook\.com/sharer",
    "x": r"(twitter|x)\.com/intent",
    "linkedin": r"linkedin\.com/(shareArticle|sharing)",
    "pinterest": r"pinterest\.[a-z.]+/pin/create",
    "reddit": r"reddit\.com/submit",
    "whatsapp": r"(api\.whatsapp\.com/send|wa\.me/\?)",
    "telegram": r"t\.me/share",
}
PROFILE_DOMAINS = {
    "facebook": r"facebook\.com",
    "x": r"(twitter|x)\.com",
    "linkedin": r"linkedin\.com",
    "pinterest": r"pinterest\.[a-z.]+",
    "reddit": r"reddit\.com",
    "instagram": r"instagram\.com",
    "youtube": r"youtube\.com",
    "tiktok": r"tiktok\.com",
}
DEFAULT_FILE_EXTENSIONS = [
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "csv",
    "txt",
    "rtf",
    "zip",
    "rar",
    "7z",
    "gz",
    "dmg",
    "exe",
    "msi",
    "apk",
    "mp3",
    "mp4",
    "mov",
    "epub",
]


def networks(options: dict[str, str]) -> dict[str, object]:
    return {
        "type": "array",
        "items": {"type": "string", "enum": sorted(options)},
        "minItems": 1,
        "uniqueItems": True,
        "default": sorted(options),
    }


TYPES = [
    TrackingType(
        key="social_share",
        label="Social share",
        category="social",
        description="A click on a share link of one of the networks.",
        config_schema=obj({"networks": networks(SHARE_URLS), "page": PAGE}),
        destinations=GA4_ONLY,
        default_ga4_event="share",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"networks": ["facebook", "linkedin", "x"]},
    ),
    TrackingType(
        key="social_click",
        label="Social profile click",
        category="social",
        description="A click on a link to the site's profile on one of the networks.",
        config_schema=obj({"networks": networks(PROFILE_DOMAINS), "page": PAGE}),
        destinations=GA4_ONLY,
        default_ga4_event="social_click",
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"networks": ["instagram", "linkedin"]},
    ),
    TrackingType(
        key="pdf_download",
        label="PDF download",
        category="content",
        description="A click on a link to a .pdf file.",
        config_schema=obj({"page": PAGE}),
        destinations=BOTH,
        default_ga4_event="pdf_download",
        ads_category="DOWNLOAD",
        ads_counting_type=ONE_PER_CLICK,
        example_config={},
    ),
    TrackingType(
        key="file_download",
        label="File download",
        category="content",
        description="A click on a link to a file with one of the extensions.",
        config_schema=obj(
            {
                "extensions": {
                    "type": "array",
                    "items": {"type": "string", "pattern": "^[A-Za-z0-9]{1,10}$"},
                    "minItems": 1,
                    "maxItems": 50,
                    "uniqueItems": True,
                    "default": DEFAULT_FILE_EXTENSIONS,
                },
                "page": PAGE,
            }
        ),
        destinations=BOTH,
        default_ga4_event="download_file",
        ads_category="DOWNLOAD",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"extensions": ["zip", "dmg"]},
    ),
    TrackingType(
        key="newsletter_signup",
        label="Newsletter sign-up",
        category="content",
        description="The newsletter form sent (browser submit, AJAX success or an embed's event).",
        config_schema=obj(
            {**form_submission_properties("CSS selector of the newsletter <form>."), "page": PAGE},
            allOf=FORM_SUBMISSION_RULES,
        ),
        destinations=BOTH,
        default_ga4_event="newsletter_signup",
        ads_category="SIGNUP",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"selector": "form.newsletter"},
        conversion=True,
    ),
    TrackingType(
        key="custom_event",
        label="Custom dataLayer event",
        category="custom",
        description="A dataLayer event the site pushes; the GA4 event defaults to its name.",
        config_schema=obj({"event": DATALAYER_EVENT, "page": PAGE}, ("event",)),
        destinations=BOTH,
        default_ga4_event=None,
        ads_category="DEFAULT",
        ads_counting_type=ONE_PER_CLICK,
        example_config={"event": "quote_requested"},
    ),
]
