"""Per catalog type: which GTM mechanism fires it, with what conditions and GA4 parameters.

``RULES`` maps every catalog type to one rule (see ``trackings.compiler.triggers`` for the
trigger shapes). No rule may produce a trigger that cannot fire: listener-based types get their
``oct.<behaviour>`` custom event, whose listener tag the container compiler adds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from trackings.catalog.commerce import DEFAULT_DOWNLOAD_EXTENSIONS
from trackings.catalog.social import PROFILE_DOMAINS, SHARE_URLS
from trackings.compiler import variables
from trackings.compiler.entities import condition, url_condition, with_descendants
from trackings.compiler.triggers import (
    ExtraEvent,
    Firing,
    Rule,
    click,
    custom_event,
    extensions_regex,
    form_submission,
    link_click,
    link_url_regex,
    page_filter,
    scroll_depth,
    timer,
    trigger_group,
    visibility,
    youtube,
)
from trackings.compiler.types import TrackingSpec
from trackings.compiler.variables import VariableDef


def rule_click(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(click(config["selector"], config))


def rule_link(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    conditions = []
    if config.get("selector"):
        conditions.append(condition("cssSelector", "{{Click Element}}", config["selector"]))
    if config.get("url"):
        conditions.append(url_condition("Click URL", config["url"]))
    return Firing(link_click(conditions, config), ga4_parameters=[("link_url", "{{Click URL}}")])


def rule_page_view(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    variable = "Page URL" if config["match_on"] == "url" else "Page Path"
    return Firing({"type": "pageview", "filter": [url_condition(variable, config["page"])]})


def rule_visibility(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(visibility(config["selector"], config))


def rule_modal(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(visibility(config["selector"], {**config, "frequency": "every_time"}))


def form_key(spec: TrackingSpec) -> str:
    """The key the form_success listener pushes for this tracking (its id, shortened)."""
    return spec.id.hex[:12]


def form_sent(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    """A form sent, as its submission mode proves it (see catalog.base.form_submission_properties).

    ``native``: GTM's form trigger, validation checked. ``ajax``: the site's dataLayer event, or
    the form_success listener's event for this tracking's key. ``embedded``: the form_embed
    listener's event for the provider (and form id when given).
    """
    mode = config.get("submission", "native")
    if mode == "native":
        return Firing(form_submission(config["selector"], config))
    if mode == "ajax" and config["success"] == "datalayer":
        return Firing(custom_event(config["success_event"], page_filter(config)))
    if mode == "ajax":
        key = variables.data_layer("oct.form_key")
        entry = {"key": form_key(spec), "form": config["selector"], "on": config["success"]}
        if config["success"] == "element":
            entry["selector"] = config["success_selector"]
        elif config.get("success_url"):
            entry["url"] = config["success_url"]
        conditions = [condition("equals", key.reference, form_key(spec)), *page_filter(config)]
        return Firing(
            custom_event("oct.form_success", conditions),
            listener="form_success",
            variables=[key],
            listener_settings={"forms": [entry]},
        )
    provider, form_id = (
        variables.data_layer("oct.embed_provider"),
        variables.data_layer("oct.embed_form_id"),
    )
    used = [provider]
    conditions = [condition("equals", provider.reference, config["provider"])]
    if config.get("embed_form_id"):
        used.append(form_id)
        conditions.append(condition("equals", form_id.reference, config["embed_form_id"]))
    return Firing(
        custom_event("oct.form_embed", conditions + page_filter(config)),
        listener="form_embed",
        variables=used,
    )


def rule_form(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return form_sent(spec, config)


def rule_form_or_click(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    if config["via"] == "click":
        return Firing(click(config["selector"], config))
    return form_sent(spec, config)


# Per behaviour: the dataLayer key a config field filters on, and GA4 parameters worth sending.
LISTENER_FILTERS = {
    "tab_visibility": ("state", "oct.visibility_state"),
    "session_duration": ("seconds", "oct.session_seconds"),
    # Abandonment listeners push once per idle time the container asks for (0: leaving only).
    "form_abandon": ("idle_seconds", "oct.idle_seconds"),
    "cart_abandonment": ("idle_seconds", "oct.idle_seconds"),
}
LISTENER_PARAMETERS = {
    "rage_click": [("click_count", "oct.click_count")],
    "tab_visibility": [("visibility_state", "oct.visibility_state")],
    "session_duration": [("session_seconds", "oct.session_seconds")],
    "form_field_interaction": [
        ("interaction", "oct.interaction"),
        ("field_name", "oct.field_name"),
    ],
    "form_start": [("field_name", "oct.field_name")],
    "form_abandon": [("field_name", "oct.field_name"), ("abandon_reason", "oct.abandon_reason")],
    "cart_abandonment": [
        ("cart_items", "oct.cart_items"),
        ("abandon_reason", "oct.abandon_reason"),
    ],
    "return_visitor": [("days_since_first_visit", "oct.days_since_first_visit")],
}


def rule_listener(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    # The listener sets gtm.element, so {{Click Element}} works on its custom event.
    conditions = []
    if config.get("selector"):
        conditions.append(
            condition("cssSelector", "{{Click Element}}", with_descendants(config["selector"]))
        )
    used: dict[str, VariableDef] = {}
    if spec.type in LISTENER_FILTERS:
        field_name, path = LISTENER_FILTERS[spec.type]
        wanted = str(config[field_name])
        if wanted != "any":
            used[path] = variables.data_layer(path)
            conditions.append(condition("equals", used[path].reference, wanted))
    conditions += page_filter(config)
    params = []
    for name, path in LISTENER_PARAMETERS.get(spec.type, []):
        used.setdefault(path, variables.data_layer(path))
        params.append((name, used[path].reference))
    settings: dict[str, list[Any]] = {}
    if config.get("idle_seconds"):
        settings["idle"] = [int(config["idle_seconds"])]
    if config.get("checkout_hosts"):
        settings["checkout_hosts"] = sorted(h.lower() for h in config["checkout_hosts"])
    return Firing(
        custom_event(f"oct.{spec.type}", conditions),
        listener=spec.type,
        variables=list(used.values()),
        ga4_parameters=params,
        listener_settings=settings,
    )


def rule_ecommerce(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    if config["source"] == "click":
        return Firing(click(config["selector"], config))
    firing = Firing(custom_event(config["event"], page_filter(config)), ecommerce=True)
    if spec.type == "purchase":
        value, currency, order = (
            variables.data_layer("ecommerce.value"),
            variables.data_layer("ecommerce.currency"),
            variables.data_layer("ecommerce.transaction_id"),
        )
        firing.variables = [value, currency, order]
        firing.ads_dynamic = {
            "conversionValue": value.reference,
            "currencyCode": currency.reference,
            "orderId": order.reference,
        }
    return firing


def rule_tel(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    firing = Firing(link_click([condition("startsWith", "{{Click URL}}", "tel:")], config))
    firing.ga4_parameters = [("link_url", "{{Click URL}}")]
    return firing


def rule_mailto(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    firing = Firing(link_click([condition("startsWith", "{{Click URL}}", "mailto:")], config))
    firing.ga4_parameters = [("link_url", "{{Click URL}}")]
    return firing


def rule_extensions(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    extensions = ["pdf"] if spec.type == "pdf_download" else config.get("extensions")
    conditions = [
        condition(
            "matchRegex",
            "{{Click URL}}",
            extensions_regex(extensions or DEFAULT_DOWNLOAD_EXTENSIONS),
            ignore_case=True,
        )
    ]
    if config.get("selector"):
        conditions.append(condition("cssSelector", "{{Click Element}}", config["selector"]))
    return Firing(link_click(conditions, config), ga4_parameters=[("link_url", "{{Click URL}}")])


def rule_scroll(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(
        scroll_depth(config["thresholds"], config),
        ga4_parameters=[("percent_scrolled", "{{Scroll Depth Threshold}}")],
    )


def rule_timer(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(timer(config["seconds"], config))


VIDEO_PARAMETERS = [
    ("video_provider", "{{Video Provider}}"),
    ("video_title", "{{Video Title}}"),
    ("video_url", "{{Video URL}}"),
]


def rule_video_play(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    # GTM's YouTube trigger fires its tags on every status it captures: starts and percentages
    # on one trigger would send video_play again at each percentage. The play is the start only;
    # percentages get their own trigger and a GA4 video_play_progress tag (no Ads conversion;
    # not video_progress, which GA4's enhanced measurement sends by itself).
    firing = Firing(
        youtube(config, start=True, complete=False, progress=[]),
        ga4_parameters=list(VIDEO_PARAMETERS),
    )
    progress = list(config.get("progress_percents") or [])
    if progress:
        firing.extra_ga4.append(
            ExtraEvent(
                kind="progress",
                label="Video progress",
                event_name="video_play_progress",
                trigger=youtube(config, start=False, complete=False, progress=progress),
                ga4_parameters=[*VIDEO_PARAMETERS, ("video_percent", "{{Video Percent}}")],
            )
        )
    return firing


def rule_video_complete(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(
        youtube(config, start=False, complete=True, progress=[]),
        ga4_parameters=list(VIDEO_PARAMETERS),
    )


def rule_site_search(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    key = config["query_parameter"]
    term = variables.url_query(key)
    body = {
        "type": "pageview",
        "filter": [
            condition("matchRegex", "{{Page URL}}", rf"[?&]{re.escape(key)}=[^&#]"),
            *page_filter(config),
        ],
    }
    return Firing(body, variables=[term], ga4_parameters=[("search_term", term.reference)])


def rule_share(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    pattern = "|".join(SHARE_URLS[n] for n in sorted(config["networks"]))
    body = link_url_regex(rf"^https?://([a-z0-9-]+\.)*({pattern})", config)
    return Firing(body, ga4_parameters=[("link_url", "{{Click URL}}")])


def rule_social_click(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    domains = "|".join(PROFILE_DOMAINS[n] for n in sorted(config["networks"]))
    shares = "|".join(SHARE_URLS[n] for n in sorted(SHARE_URLS))
    body = link_url_regex(rf"^https?://([a-z0-9-]+\.)*({domains})(/|$)", config)
    # A share link is not a profile visit.
    body["filter"].insert(
        1,
        condition(
            "matchRegex",
            "{{Click URL}}",
            rf"^https?://([a-z0-9-]+\.)*({shares})",
            ignore_case=True,
            negate=True,
        ),
    )
    return Firing(body, ga4_parameters=[("link_url", "{{Click URL}}")])


def rule_custom_event(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return Firing(custom_event(config["event"], page_filter(config)))


def rule_error_page(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    if config["match_on"] == "path":
        return Firing(
            {"type": "pageview", "filter": [url_condition("Page Path", config["condition"])]}
        )
    title = variables.page_title()
    # The title is parsed by DOM Ready, not necessarily when the container loads.
    body = {"type": "domReady", "filter": [url_condition(title.name, config["condition"])]}
    return Firing(body, variables=[title], ga4_parameters=[("page_title", title.reference)])


def rule_outbound(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    click_host, here = variables.click_url_host(), variables.page_host()
    conditions = [
        condition("matchRegex", "{{Click URL}}", "^https?://", ignore_case=True),
        condition("equals", click_host.reference, here.reference, negate=True),
    ]
    excluded = config.get("exclude_domains") or []
    if excluded:
        hosts = "|".join(re.escape(d.lower().removeprefix("www.")) for d in sorted(excluded))
        conditions.append(
            condition(
                "matchRegex",
                click_host.reference,
                rf"(^|\.)({hosts})$",
                ignore_case=True,
                negate=True,
            )
        )
    return Firing(
        link_click(conditions, config),
        variables=[click_host, here],
        ga4_parameters=[("link_url", "{{Click URL}}"), ("link_domain", click_host.reference)],
    )


def rule_page_engagement(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    return trigger_group(
        spec, [("time", timer(config["seconds"], config)), ("click", click(None, config))]
    )


def rule_read_through(spec: TrackingSpec, config: Mapping[str, Any]) -> Firing:
    firing = trigger_group(
        spec,
        [
            ("scroll", scroll_depth([config["scroll_percent"]], config)),
            ("time", timer(config["seconds"], config)),
        ],
    )
    return firing


RULES: dict[str, Rule] = {
    "button_click": rule_click,
    "link_click": rule_link,
    "page_view": rule_page_view,
    "element_visibility": rule_visibility,
    "form_submit": rule_form,
    "form_start": rule_listener,
    "form_abandon": rule_listener,
    **dict.fromkeys(
        [
            "add_to_cart",
            "remove_from_cart",
            "add_to_wishlist",
            "view_cart",
            "checkout_start",
            "checkout_step",
            "purchase",
            "product_view",
        ],
        rule_ecommerce,
    ),
    "phone_call_click": rule_tel,
    "email_click": rule_mailto,
    "download": rule_extensions,
    "demo_request": rule_form_or_click,
    "signup": rule_form_or_click,
    "scroll_depth": rule_scroll,
    "time_on_page": rule_timer,
    "video_play": rule_video_play,
    "video_complete": rule_video_complete,
    "site_search": rule_site_search,
    "filter_use": rule_click,
    "tab_switch": rule_click,
    "accordion_expand": rule_click,
    "modal_open": rule_modal,
    "social_share": rule_share,
    "social_click": rule_social_click,
    "pdf_download": rule_extensions,
    "file_download": rule_extensions,
    "newsletter_signup": rule_form,
    "custom_event": rule_custom_event,
    **dict.fromkeys(
        [
            "rage_click",
            "dead_click",
            "tab_visibility",
            "session_duration",
            "exit_intent",
            "text_copy",
            "page_print",
            "form_field_interaction",
            "return_visitor",
            "cart_abandonment",
        ],
        rule_listener,
    ),
    "error_page_view": rule_error_page,
    "outbound_click": rule_outbound,
    "page_engagement": rule_page_engagement,
    "product_image_interaction": rule_click,
    "price_comparison": rule_click,
    "review_interaction": rule_click,
    "content_read_through": rule_read_through,
}
