"""One customer page in the sandboxed browser: does it load, does it carry our GTM snippet, what
does each tracking's selector match there, and does clicking or submitting the match make the
tracking's trigger fire. Plain data in and out, no database: Playwright's sync API runs an event
loop in this thread, where Django refuses ORM calls, so the caller reads before and writes after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

from django.conf import settings

from trackings.models import SITE_SCREENSHOT_MAX_BYTES, SiteStatus
from trackings.sitecheck.egress import EgressGate
from trackings.sitecheck.rules import SandboxRule

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--no-pings",
    "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
    # WebRTC would reach addresses by UDP, around the proxy.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
]
USER_AGENT_SUFFIX = " OneClickTag-SiteCheck/1.0"
VIEWPORT = {"width": 1280, "height": 800}
# How long a click or a submission may take to show its event (an AJAX form waits for its answer).
EVENT_WAIT_SECONDS = 4.0
# Elements described per tracking in its detail.
MATCHES_SHOWN = 5

# Stands in for the live container: a check must never send GA4 hits or Ads conversions.
_GTM_STUB = "/* OneClickTag site check: the live container is not run in the sandbox. */"
# What the sandbox answers in the site's place for anything but GET and HEAD: nothing a check
# does (a submitted lead, an add to cart) reaches the customer's server.
_SENT_PAGE = "<!doctype html><title>Sent</title><p>Answered by the OneClickTag site check.</p>"

_MATCH_JS = """
([selector, mark]) => {
  let all;
  try { all = Array.from(document.querySelectorAll(selector)); }
  catch (e) { return {error: 'The selector is not valid CSS: ' + e.message, count: 0, shown: []}; }
  const describe = (el) => {
    const text = (el.innerText || el.value || '').replace(/\\s+/g, ' ').trim();
    const classes = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes
      + (text ? ' "' + text.slice(0, 60) + '"' : '');
  };
  const visible = all.find((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  });
  const chosen = visible || all[0];
  if (chosen) chosen.setAttribute('data-oct-site-check', mark);
  return {count: all.length, shown: all.slice(0, SHOWN).map(describe), visible: !!visible};
}
""".replace("SHOWN", str(MATCHES_SHOWN))

# Plausible values for a form's fields, so its own validation lets it be sent.
_FILL_JS = """
(form) => {
  const values = {email: 'site-check@example.com', tel: '+15555550100', url: 'https://example.com',
    number: '1', date: '2030-01-01', text: 'OneClickTag site check', search: 'site check'};
  for (const field of form.querySelectorAll('input, textarea, select')) {
    if (field.disabled || field.type === 'hidden' || field.type === 'submit') continue;
    if (field.tagName === 'SELECT') {
      const option = Array.from(field.options).find((o) => o.value);
      if (option) field.value = option.value;
    } else if (field.type === 'checkbox' || field.type === 'radio') {
      if (field.required) field.checked = true;
    } else if (!field.value) {
      field.value = values[field.type] || values.text;
    }
    field.dispatchEvent(new Event('input', {bubbles: true}));
    field.dispatchEvent(new Event('change', {bubbles: true}));
  }
}
"""


@dataclass(frozen=True)
class Probe:
    """One tracking to look for on the page."""

    tracking_id: UUID
    selector: str | None
    rule: SandboxRule | None
    # A note for the detail (the page condition the check could not follow, ...).
    note: str = ""


@dataclass
class Finding:
    verdict: str
    message: str
    matched: list[str] = field(default_factory=list)
    match_count: int = 0
    event: dict[str, Any] | None = None
    screenshot: bytes | None = None
    screenshot_size: tuple[int, int] = (0, 0)


@dataclass
class PageReport:
    url: str
    final_url: str = ""
    reachable: bool = False
    http_status: int | None = None
    snippet: bool = False
    error: str = ""
    load_ms: int = 0
    total_ms: int = 0
    received_bytes: int = 0
    refused: list[str] = field(default_factory=list)
    answered_in_place: list[str] = field(default_factory=list)
    findings: dict[UUID, Finding] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "final_url": self.final_url or None,
            "reachable": self.reachable,
            "http_status": self.http_status,
            "snippet": self.snippet,
            "error": self.error or None,
            "load_ms": self.load_ms,
            "total_ms": self.total_ms,
            "received_bytes": self.received_bytes,
            "refused": self.refused[:20],
            "answered_in_place": self.answered_in_place[:20],
        }


@contextmanager
def sandbox_browser(gate: EgressGate) -> Iterator[Any]:
    """Chromium whose every connection goes through the gate."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=settings.SITE_CHECK_CHROMIUM,
            args=CHROMIUM_ARGS,
            proxy={"server": gate.url},
        )
        try:
            yield browser
        finally:
            browser.close()


@cache
def _sandbox_source() -> str:
    return resources.files(__package__).joinpath("sandbox.js").read_text(encoding="utf-8")


def sandbox_script(rules: list[SandboxRule], listeners: list[str]) -> str:
    # JSON is a JavaScript literal; `</` never matters here (not inside HTML).
    return (
        _sandbox_source()
        .replace("OCT_SITE_CHECK_RULES", json.dumps([r.as_json() for r in rules]))
        .replace("OCT_SITE_CHECK_LISTENERS", json.dumps(listeners))
    )


class _Sandbox:
    """One page's browser context: the request rules and what they saw."""

    def __init__(self, container_id: str) -> None:
        self.container_id = container_id.upper()
        self.gtm_loads: list[str] = []
        self.answered: list[str] = []
        self.hits: list[dict[str, Any]] = []
        # Hosts the page asked for: the gate's refusals of other hosts are Chromium's own.
        self.hosts: set[str] = set()

    def route(self, route: Any) -> None:
        request = route.request
        parts = urlsplit(request.url)
        if parts.path.endswith("/gtm.js"):
            self.gtm_loads.extend(i.upper() for i in parse_qs(parts.query).get("id", []))
            route.fulfill(status=200, content_type="application/javascript", body=_GTM_STUB)
        elif request.method not in ("GET", "HEAD"):
            self.answered.append(f"{request.method} {request.url}")
            if request.resource_type == "document":
                route.fulfill(status=200, content_type="text/html", body=_SENT_PAGE)
            else:
                route.fulfill(status=200, content_type="application/json", body="{}")
        else:
            route.continue_()

    def requested(self, request: Any) -> None:
        # Every request of the page, redirects included (those are not routed).
        self.hosts.add((urlsplit(request.url).hostname or "").lower())

    def hit(self, source: Any, hit: Any) -> None:
        if isinstance(hit, dict):
            self.hits.append(hit)


def check_page(
    browser: Any,
    gate: EgressGate,
    *,
    url: str,
    container_id: str,
    probes: list[Probe],
    listeners: list[str],
) -> PageReport:
    report = PageReport(url=url)
    started = time.monotonic()
    log = gate.start_page()
    sandbox = _Sandbox(container_id)
    rules = [p.rule for p in probes if p.rule is not None]
    timeout_ms = settings.SITE_CHECK_PAGE_TIMEOUT_SECONDS * 1000
    context = browser.new_context(
        viewport=VIEWPORT,
        service_workers="block",
        accept_downloads=False,
        # The sandbox runs our listeners with `new Function`; a page's CSP must not stop them.
        bypass_csp=True,
        ignore_https_errors=False,
    )
    try:
        context.set_default_timeout(timeout_ms)
        context.on("request", sandbox.requested)
        context.route("**/*", sandbox.route)
        context.expose_binding("__octSiteCheckHit", sandbox.hit)
        context.add_init_script(sandbox_script(rules, listeners))
        page = context.new_page()
        # Pop-ups a page opens are closed at once: the check looks at one page.
        context.on("page", lambda extra: extra.close())
        html = _load(page, url, report, log=log, timeout_ms=timeout_ms, hosts=sandbox.hosts)
        report.load_ms = int((time.monotonic() - started) * 1000)
        if report.reachable:
            report.snippet = container_id.upper() in sandbox.gtm_loads or _snippet_in(
                html, container_id
            )
            _look_and_act(page, url, probes, report, sandbox=sandbox, timeout_ms=timeout_ms)
        else:
            for probe in probes:
                report.findings[probe.tracking_id] = Finding(
                    verdict=SiteStatus.UNREACHABLE, message=report.error
                )
    finally:
        context.close()
    report.received_bytes = log.received_bytes
    report.refused = [f"{what}: {why}" for host, what, why in log.refused if host in sandbox.hosts]
    report.answered_in_place = list(sandbox.answered)
    report.total_ms = int((time.monotonic() - started) * 1000)
    return report


def _look_and_act(
    page: Any,
    url: str,
    probes: list[Probe],
    report: PageReport,
    *,
    sandbox: _Sandbox,
    timeout_ms: int,
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    try:
        for probe in probes:
            report.findings[probe.tracking_id] = _look(page, probe, report.snippet)
        for probe in probes:
            finding = report.findings[probe.tracking_id]
            if probe.rule is not None and finding.verdict == SiteStatus.VERIFIED:
                _act(page, url, probe, finding, sandbox=sandbox, timeout_ms=timeout_ms)
    except PlaywrightError as error:
        # The page broke under the check (it navigated away, its tab crashed): what was not
        # looked at yet is unreachable; the other pages are checked all the same.
        report.error = f"The page failed while being checked: {str(error).splitlines()[0][:200]}"
        for probe in probes:
            report.findings.setdefault(
                probe.tracking_id, Finding(verdict=SiteStatus.UNREACHABLE, message=report.error)
            )


def _load(
    page: Any, url: str, report: PageReport, *, log: Any, timeout_ms: int, hosts: set[str]
) -> str:
    from playwright.sync_api import Error as PlaywrightError

    try:
        response = page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except PlaywrightError as error:
        report.error = _load_error(str(error), log, hosts)
        return ""
    if response is None:
        report.error = "The page did not load."
        return ""
    report.http_status = response.status
    report.final_url = page.url
    if response.status >= 400:
        # The gate's own 403 for a refused plain-http page looks like the site's answer.
        refused = _load_error("", log, hosts)
        report.error = (
            refused
            if refused.startswith("Refused")
            else f"The page answered HTTP {response.status}."
        )
        return ""
    if log.over_budget:
        report.error = "The page is larger than the site check downloads."
        return ""
    try:
        # Scripts that build the page (and its buttons) run until load; a page that never
        # finishes loading is checked as it stands.
        page.wait_for_load_state("load", timeout=timeout_ms)
        page.wait_for_load_state("networkidle", timeout=2000)
    except PlaywrightError:
        pass
    report.reachable = True
    try:
        return str(response.text())
    except PlaywrightError:
        return ""


def _load_error(message: str, log: Any, hosts: set[str]) -> str:
    # The page's own requests (a redirect's target included), not Chromium's background ones.
    refused = [f"{what}: {why}" for host, what, why in log.refused if host in hosts]
    if refused:
        return f"Refused: {refused[0]}"
    if log.over_budget:
        return "The page is larger than the site check downloads."
    first = message.splitlines()[0] if message else "unknown error"
    if "Timeout" in first:
        return f"The page did not load within {settings.SITE_CHECK_PAGE_TIMEOUT_SECONDS} s."
    return f"The page did not load: {first.removeprefix('Error: ')}"[:500]


def _snippet_in(html: str, container_id: str) -> bool:
    """The page's own HTML loads gtm.js for the container (the request may wait for consent)."""
    return "googletagmanager.com/gtm.js" in html and container_id.upper() in html.upper()


def _look(page: Any, probe: Probe, snippet: bool) -> Finding:
    finding = Finding(verdict=SiteStatus.VERIFIED, message="")
    if probe.selector:
        found = page.evaluate(_MATCH_JS, [probe.selector, str(probe.tracking_id)])
        finding.match_count = int(found.get("count", 0))
        finding.matched = list(found.get("shown", []))
        if found.get("error"):
            finding.verdict, finding.message = SiteStatus.SELECTOR_NOT_FOUND, found["error"]
        elif finding.match_count == 0:
            finding.verdict = SiteStatus.SELECTOR_NOT_FOUND
            finding.message = f"Nothing on the page matches {probe.selector}."
        _screenshot(page, finding, f'[data-oct-site-check="{probe.tracking_id}"]')
    else:
        _screenshot(page, finding, None)
    if not snippet:
        # The first thing wrong is the snippet: without it nothing fires, whatever matches.
        finding.verdict = SiteStatus.SNIPPET_MISSING
        finding.message = "The page has no Google Tag Manager snippet with our container id."
    elif finding.verdict == SiteStatus.VERIFIED:
        finding.message = (
            f"The snippet is installed and {probe.selector} matches {finding.match_count} "
            "element(s)."
            if probe.selector
            else "The snippet is installed (this type names no element to find)."
        )
    if probe.note:
        finding.message = f"{finding.message} {probe.note}"
    return finding


def _screenshot(page: Any, finding: Finding, marked: str | None) -> None:
    """A JPEG of the match (outlined) with some context around it, else of the visible page."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        clip = None
        if marked and finding.match_count:
            element = page.locator(marked).first
            element.scroll_into_view_if_needed(timeout=2000)
            element.evaluate("(el) => { el.style.outline = '3px solid #e11d48'; }")
            box = element.bounding_box()
            if box and box["width"] > 0 and box["height"] > 0:
                clip = _clip_around(box)
        for quality in (70, 40):
            image = page.screenshot(type="jpeg", quality=quality, clip=clip, timeout=5000)
            if len(image) <= SITE_SCREENSHOT_MAX_BYTES:
                finding.screenshot = image
                finding.screenshot_size = (
                    (int(clip["width"]), int(clip["height"]))
                    if clip
                    else (VIEWPORT["width"], VIEWPORT["height"])
                )
                break
        if marked and finding.match_count:
            page.locator(marked).first.evaluate("(el) => { el.style.outline = ''; }")
    except PlaywrightError:
        # A picture is a courtesy; the verdict stands without one.
        finding.screenshot = None


def _clip_around(box: dict[str, float]) -> dict[str, float]:
    margin = 120
    x = max(0.0, box["x"] - margin)
    y = max(0.0, box["y"] - margin)
    width = min(float(VIEWPORT["width"]), box["width"] + 2 * margin)
    height = min(float(VIEWPORT["height"]), box["height"] + 2 * margin)
    return {"x": x, "y": y, "width": width, "height": height}


def _act(
    page: Any, url: str, probe: Probe, finding: Finding, *, sandbox: _Sandbox, timeout_ms: int
) -> None:
    """Click or submit the match on a fresh load of the page, then wait for the trigger."""
    from playwright.sync_api import Error as PlaywrightError

    assert probe.rule is not None
    assert probe.selector
    expected = probe.rule.event
    tracking = str(probe.tracking_id)
    sandbox.hits.clear()
    how = ""
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        found = page.evaluate(_MATCH_JS, [probe.selector, tracking])
        if not found.get("count"):
            how = "the element was gone when the page was loaded again"
        else:
            element = page.locator(f'[data-oct-site-check="{tracking}"]').first
            how = _click(element) if probe.rule.action == "click" else _submit(page, element)
            deadline = time.monotonic() + EVENT_WAIT_SECONDS
            while time.monotonic() < deadline and not _hit_for(sandbox, tracking):
                page.wait_for_timeout(100)
    except PlaywrightError as error:
        how = f"the page failed while acting: {str(error).splitlines()[0][:200]}"
    hit = _hit_for(sandbox, tracking)
    finding.event = {
        "expected": expected,
        "action": probe.rule.action,
        "reached": hit is not None,
        "element": hit.get("element") if hit else None,
        "how": how,
    }
    if hit is not None:
        finding.message = (
            f"Verified: {'clicking' if probe.rule.action == 'click' else 'submitting'} "
            f"{hit.get('element') or probe.selector} made the trigger fire ({hit['event']})."
        )
    else:
        finding.verdict = SiteStatus.SELECTOR_NOT_FOUND
        finding.message = (
            f"{probe.selector} matches, but {probe.rule.action}ing it did not make the trigger "
            f"fire ({expected} never matched its conditions; {how or 'no event'})."
        )


def _hit_for(sandbox: _Sandbox, tracking: str) -> dict[str, Any] | None:
    return next((h for h in sandbox.hits if h.get("tracking") == tracking), None)


def _click(element: Any) -> str:
    from playwright.sync_api import Error as PlaywrightError

    try:
        element.click(timeout=3000)
        return "clicked"
    except PlaywrightError:
        # Something covers it (a cookie banner): the click event itself still tells.
        element.evaluate("(el) => el.click()")
        return "clicked with a script (something covered the element)"


def _submit(page: Any, element: Any) -> str:
    from playwright.sync_api import Error as PlaywrightError

    form = element.evaluate_handle(
        "(el) => el.tagName === 'FORM' ? el : (el.closest('form') || el.querySelector('form'))"
    )
    if page.evaluate("(form) => !form", form):
        return "no form at the match to submit"
    page.evaluate(_FILL_JS, form)
    button = form.as_element().query_selector(
        "button[type=submit], input[type=submit], button:not([type])"
    )
    if button is not None:
        try:
            button.click(timeout=3000)
            return "filled and submitted with its button"
        except PlaywrightError:
            pass
    page.evaluate("(form) => form.requestSubmit()", form)
    return "filled and submitted"
