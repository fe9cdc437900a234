"""The listener scripts in a real headless Chromium, against local pages.

Each test makes the behaviour happen with real input (Playwright's mouse and keyboard, real
navigation and tab closing) and reads what reached `window.dataLayer`: the behaviour pushes its
event with the documented fields, and its near miss pushes nothing.

The pages in tests/trackings/pages/ get, in place of `<!--listeners-->`, a recorder and then the
listener scripts exactly as `listener_html()` ships them. The recorder copies every push into
`window.__pushed` (elements as "<tag#id>") and also sends it with `navigator.sendBeacon`, so
pushes made while a page is being left (pagehide, visibilitychange) are seen after it is gone.
A page being left beacons a `test.left` marker last; a test waiting for absence waits for it.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from trackings.listeners import BEHAVIOURS, LISTENER_FIELDS, listener_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = Path(__file__).parent / "pages"

RECORDER = """<script>
(function () {
  var run = /[?&]run=([^&]+)/.exec(location.search);
  var send = function (data) {
    data.__run = run ? run[1] : '';
    data.__page = location.pathname;
    data.__at = performance.timeOrigin + performance.now();
    navigator.sendBeacon('/collect', JSON.stringify(data));
  };
  window.__pushed = [];
  window.dataLayer = [];
  window.dataLayer.push = function () {
    for (var i = 0; i < arguments.length; i++) {
      var message = arguments[i], copy = {};
      for (var key in message) {
        var value = message[key];
        copy[key] = value && value.nodeType === 1
          ? '<' + value.tagName.toLowerCase() + (value.id ? '#' + value.id : '') + '>' : value;
      }
      window.__pushed.push(copy);
      send(JSON.parse(JSON.stringify(copy)));
    }
    return Array.prototype.push.apply(this, arguments);
  };
  // Added on load, after the listeners' own, so it is the last thing a leaving page sends.
  window.addEventListener('load', function () {
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden') send({event: 'test.left'});
    });
  });
})();
</script>"""


class Site:
    """The local site: serves the fixture pages with listeners and collects beacons."""

    def __init__(self) -> None:
        self.beacons: list[dict[str, Any]] = []
        self.requests: list[str] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                page = PAGES / url.path.lstrip("/")
                if page.parent != PAGES or page.suffix != ".html" or not page.is_file():
                    self.send_error(404)
                    return
                query = parse_qs(url.query)
                behaviours = [b for b in query.get("listen", [""])[0].split(",") if b]
                copies = 2 if query.get("twice") else 1
                settings = json.loads(query.get("settings", ["{}"])[0])
                scripts = "\n".join(
                    listener_html(b, settings.get(b)) for b in behaviours for _ in range(copies)
                )
                body = page.read_text().replace("<!--listeners-->", RECORDER + "\n" + scripts)
                # Every page of the site has the same container: links keep the listeners.
                body = re.sub(r'href="(/[\w-]+\.html)"', rf'href="\1?{url.query}"', body)
                self._answer(200, body.encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path = urlsplit(self.path).path
                if path.startswith("/api/"):
                    # The site's form endpoints: a body saying "fail" is refused, as a server
                    # refusing a submission would.
                    with site.lock:
                        site.requests.append(path)
                    self._answer(422 if b"fail" in body else 200, b"{}")
                    return
                with site.lock:
                    site.beacons.append(json.loads(body))
                self._answer(204, b"")

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def sent(self, run: str, event: str) -> list[dict[str, Any]]:
        with self.lock:
            sent = [b for b in self.beacons if b["__run"] == run and b.get("event") == event]
        # Beacons are concurrent requests: they arrive in any order.
        return sorted(sent, key=lambda b: b["__at"])


class Visit:
    """One test's tabs, in a browser context without cookies; a new tab has empty sessionStorage."""

    def __init__(self, site: Site, context: Any) -> None:
        self.site = site
        self.context = context
        self.run = uuid.uuid4().hex
        self.errors: list[str] = []
        self.left = 0
        self.tabs: list[Any] = []
        self.page = self.new_tab()

    def new_tab(self) -> Any:
        tab = self.context.new_page()
        tab.on("pageerror", lambda error: self.errors.append(str(error)))
        self.tabs.append(tab)
        return tab

    def close(self) -> None:
        for tab in self.tabs:
            if not tab.is_closed():
                tab.close()
        # A listener must never break the host page.
        assert self.errors == []

    def open(
        self,
        page: str,
        *behaviours: str,
        twice: bool = False,
        tab: Any = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        query = f"run={self.run}&listen={','.join(behaviours)}" + ("&twice=1" if twice else "")
        if settings:
            query += "&settings=" + quote(json.dumps(settings))
        (tab or self.page).goto(f"{self.site.origin}/{page}?{query}")

    def pushed(self, behaviour: str, tab: Any = None) -> list[dict[str, Any]]:
        messages = (tab or self.page).evaluate("window.__pushed")
        return [m for m in messages if m.get("event") == f"oct.{behaviour}"]

    def close_tab(self) -> None:
        """Closes the page as a visitor closing the tab would: pagehide, then hidden."""
        self.page.close(run_before_unload=True)
        self.wait_until_left()

    def wait_until_left(self) -> None:
        deadline = time.monotonic() + 5
        self.left += 1
        while len(self.site.sent(self.run, "test.left")) < self.left:
            assert time.monotonic() < deadline, "the page never reported leaving"
            time.sleep(0.02)
        # Beacons are separate requests: give those sent just before the marker time to land.
        time.sleep(0.2)

    def sent(self, behaviour: str) -> list[dict[str, Any]]:
        return self.site.sent(self.run, f"oct.{behaviour}")


def fields_of(message: dict[str, Any]) -> set[str]:
    return {key for key in message if not key.startswith("__")} - {"event"}


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shared_context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def visit(site: Site, shared_context: Any) -> Iterator[Visit]:
    shared_context.clear_cookies()
    visit = Visit(site, shared_context)
    yield visit
    visit.close()


@pytest.fixture
def own_visit(site: Site, browser: Any) -> Iterator[Visit]:
    """A visit in a context of its own, free to install a fake clock or init scripts."""
    context = browser.new_context()
    visit = Visit(site, context)
    yield visit
    visit.close()
    context.close()


def _frozen(visit):
    """The page's clock stands still: clicks are "quick" by the listener's clock however slowly
    a loaded machine delivers them (a test's own wall-clock pace cannot decide the verdict)."""
    visit.page.clock.pause_at(visit.page.evaluate("Date.now()") + 1_000)


def test_three_quick_clicks_on_one_element_are_one_rage_click(own_visit):
    visit = own_visit
    visit.page.clock.install()
    visit.open("shop.html", "rage_click")
    _frozen(visit)
    for _ in range(5):
        visit.page.click("#buy", delay=10)

    (rage,) = visit.pushed("rage_click")
    assert fields_of(rage) == set(LISTENER_FIELDS["rage_click"])
    assert rage["oct.click_count"] == 3
    assert rage["gtm.element"] == "<button#buy>"
    assert rage["gtm.elementClasses"] == "btn primary"
    assert rage["gtm.elementId"] == "buy"
    assert rage["gtm.elementUrl"] == ""


def test_a_rage_click_on_a_link_carries_its_url(own_visit):
    visit = own_visit
    visit.page.clock.install()
    visit.open("shop.html", "rage_click")
    _frozen(visit)
    for _ in range(3):
        visit.page.click("#jump")

    (rage,) = visit.pushed("rage_click")
    assert rage["gtm.element"] == "<span#jump-text>"
    assert rage["gtm.elementId"] == "jump-text"
    assert rage["gtm.elementUrl"] == visit.page.url.split("#")[0] + "#reviews"


def test_two_clicks_three_slow_ones_or_a_script_clicking_are_not_rage(own_visit):
    visit = own_visit
    visit.page.clock.install()
    visit.open("shop.html", "rage_click")
    _frozen(visit)
    visit.page.click("#buy")
    visit.page.click("#buy")
    visit.page.click("#banner")
    visit.page.click("#article")
    visit.page.click("#article")
    visit.page.clock.run_for(1_050)
    visit.page.click("#article")
    visit.page.evaluate("for (var i = 0; i < 5; i++) document.getElementById('buy').click()")

    assert visit.pushed("rage_click") == []


def test_a_click_that_changes_nothing_is_a_dead_click(visit):
    visit.open("shop.html", "dead_click")
    # Controls are never dead, whatever they do (they take the focus first, so it stays put after).
    for control in ("#email", "#buy", "#jump-text"):
        visit.page.click(control)
    visit.page.click("#banner")
    visit.page.wait_for_timeout(1200)

    (dead,) = visit.pushed("dead_click")
    assert fields_of(dead) == set(LISTENER_FIELDS["dead_click"])
    assert dead["gtm.element"] == "<div#banner>"
    assert dead["gtm.elementClasses"] == "hero wide"
    assert dead["gtm.elementId"] == "banner"


def test_a_click_that_changes_the_dom_the_url_or_the_focus_is_not_dead(visit):
    # One tab each, all waiting the same second: a change in one page cannot hide another.
    reactions = {
        "#menu-toggle": "opens a menu",
        "#details-tab": "pushState",
        "#write-review": "focus",
        "#to-top": "scrolls",
        "#rating": "a custom element, whose shadow DOM the observer cannot see",
    }
    tabs = {selector: visit.new_tab() for selector in reactions}
    for selector, tab in tabs.items():
        visit.open("shop.html", "dead_click", tab=tab)
        tab.click(selector)
    tabs["#menu-toggle"].wait_for_timeout(1200)

    assert tabs["#menu-toggle"].is_visible("#menu")
    assert tabs["#details-tab"].url.endswith("#details")
    for selector, tab in tabs.items():
        assert visit.pushed("dead_click", tab=tab) == [], reactions[selector]


def test_hiding_and_showing_the_page_pushes_the_visibility_state(visit):
    visit.open("shop.html", "tab_visibility")
    assert visit.pushed("tab_visibility") == []
    # Headless Chromium keeps every tab visible, so coming back is simulated; leaving is real.
    for state in ("visible", "hidden", "visible"):
        visit.page.evaluate(
            """state => {
              var property = {value: state, configurable: true};
              Object.defineProperty(document, 'visibilityState', property);
              document.dispatchEvent(new Event('visibilitychange'));
            }""",
            state,
        )
    visit.page.evaluate("delete document.visibilityState")
    assert [m["oct.visibility_state"] for m in visit.pushed("tab_visibility")] == [
        "hidden",
        "visible",
    ]
    visit.close_tab()

    pushed = visit.sent("tab_visibility")
    assert [m["oct.visibility_state"] for m in pushed] == ["hidden", "visible", "hidden"]
    assert fields_of(pushed[-1]) == set(LISTENER_FIELDS["tab_visibility"])


def test_session_marks_are_pushed_once_per_session_across_pages(own_visit):
    own_visit.page.clock.install()
    own_visit.open("shop.html", "session_duration")
    own_visit.page.clock.run_for(29_000)
    assert own_visit.pushed("session_duration") == []
    own_visit.page.clock.run_for(2_000)
    (thirty,) = own_visit.pushed("session_duration")
    assert fields_of(thirty) == set(LISTENER_FIELDS["session_duration"])
    assert thirty["oct.session_seconds"] == 30

    own_visit.open("other.html", "session_duration")
    own_visit.page.clock.run_for(30_000)
    assert [m["oct.session_seconds"] for m in own_visit.pushed("session_duration")] == [60]
    own_visit.page.clock.run_for(240_000)
    assert [m["oct.session_seconds"] for m in own_visit.pushed("session_duration")] == [
        60,
        120,
        300,
    ]


def test_a_session_restarts_after_thirty_idle_minutes(own_visit):
    own_visit.page.clock.install()
    own_visit.open("shop.html", "session_duration")
    own_visit.page.clock.run_for(61_000)
    assert [m["oct.session_seconds"] for m in own_visit.pushed("session_duration")] == [30, 60]
    own_visit.page.goto("about:blank")
    own_visit.page.clock.fast_forward("31:00")

    own_visit.open("other.html", "session_duration")
    assert own_visit.pushed("session_duration") == []
    own_visit.page.clock.run_for(31_000)
    assert [m["oct.session_seconds"] for m in own_visit.pushed("session_duration")] == [30]


def test_leaving_through_the_top_edge_is_exit_intent_once(visit):
    visit.open("shop.html", "exit_intent")
    for _ in range(2):
        visit.page.mouse.move(400, 300)
        visit.page.mouse.move(400, -20, steps=4)

    (exit_intent,) = visit.pushed("exit_intent")
    assert fields_of(exit_intent) == set(LISTENER_FIELDS["exit_intent"])


def test_leaving_through_a_side_or_the_bottom_is_not_exit_intent(visit):
    visit.open("shop.html", "exit_intent")
    for x, y in ((-20, 300), (1400, 300), (400, 900)):
        visit.page.mouse.move(400, 300)
        visit.page.mouse.move(x, y, steps=4)

    assert visit.pushed("exit_intent") == []


def test_a_touch_device_has_no_exit_intent(site, browser):
    context = browser.new_context(is_mobile=True, has_touch=True)
    visit = Visit(site, context)
    try:
        visit.open("shop.html", "exit_intent")
        assert visit.page.evaluate("matchMedia('(hover: none)').matches")
        visit.page.mouse.move(200, 300)
        visit.page.mouse.move(200, -20, steps=4)
        assert visit.pushed("exit_intent") == []
    finally:
        visit.close()
        context.close()


def test_copying_text_pushes_its_length_never_the_text(visit):
    visit.open("shop.html", "text_copy")
    visit.page.click("#article", click_count=3)
    visit.page.keyboard.press("Control+C")
    selected = visit.page.evaluate("String(getSelection())")
    visit.page.fill("#full-name", "Alice Example")
    visit.page.evaluate("document.getElementById('full-name').setSelectionRange(0, 5)")
    visit.page.keyboard.press("Control+C")

    article, field = visit.pushed("text_copy")
    assert fields_of(article) == set(LISTENER_FIELDS["text_copy"])
    assert article["oct.copied_length"] == len(selected) > 0
    assert article["gtm.element"] in {"<p#article>", "<main>", "<body>"}
    assert field["oct.copied_length"] == 5
    assert field["gtm.element"] == "<input#full-name>"
    payload = json.dumps(visit.pushed("text_copy"))
    assert "Copy this sentence" not in payload
    assert "Alice" not in payload


def test_copying_with_nothing_selected_is_not_a_copy(visit):
    visit.open("shop.html", "text_copy")
    visit.page.click("#banner")
    visit.page.evaluate("getSelection().removeAllRanges()")
    visit.page.keyboard.press("Control+C")
    visit.page.evaluate("document.execCommand('copy')")

    assert visit.pushed("text_copy") == []


def test_printing_the_page_is_pushed(visit):
    visit.open("shop.html", "page_print")
    assert visit.pushed("page_print") == []
    visit.page.evaluate("window.print()")

    (printed,) = visit.pushed("page_print")
    assert fields_of(printed) == set(LISTENER_FIELDS["page_print"])


def test_the_first_interaction_with_a_form_starts_it_once(visit):
    visit.open("shop.html", "form_start")
    visit.page.click("#email")
    visit.page.keyboard.type("a@example.com")
    visit.page.click("#full-name")
    visit.page.keyboard.type("Ann")
    visit.page.fill("input[name=newsletter_email]", "b@example.com")

    signup, newsletter = visit.pushed("form_start")
    assert fields_of(signup) == set(LISTENER_FIELDS["form_start"])
    assert signup["gtm.element"] == "<form#signup>"
    assert signup["gtm.elementId"] == "signup"
    assert signup["gtm.elementClasses"] == "lead-form"
    assert signup["gtm.elementUrl"] == visit.site.origin + "/thanks.html"
    assert signup["oct.field_name"] == "email"
    assert newsletter["oct.field_name"] == "newsletter_email"
    assert newsletter["gtm.elementUrl"] == visit.site.origin + "/subscribe.html"


def test_an_autofocused_field_does_not_start_its_form(visit):
    visit.open("autofocus.html", "form_start")
    visit.page.wait_for_function("document.activeElement.id === 'q'")
    assert visit.pushed("form_start") == []

    visit.page.keyboard.type("shoes")
    assert [m["oct.field_name"] for m in visit.pushed("form_start")] == ["q"]


def test_a_started_form_left_unsent_is_abandoned(visit):
    visit.open("shop.html", "form_abandon")
    visit.page.click("#email")
    visit.page.keyboard.type("a@example.com")
    visit.page.focus("select[name=plan]")
    visit.page.keyboard.press("ArrowDown")
    visit.page.click("#full-name")
    assert visit.pushed("form_abandon") == []
    visit.close_tab()

    (abandoned,) = visit.sent("form_abandon")
    assert fields_of(abandoned) == set(LISTENER_FIELDS["form_abandon"])
    assert abandoned["oct.abandon_reason"] == "left"
    assert abandoned["oct.idle_seconds"] == 0
    assert abandoned["gtm.element"] == "<form#signup>"
    assert abandoned["oct.field_name"] == "full-name"
    assert abandoned["oct.changed_fields"] == 2
    assert "a@example.com" not in json.dumps(abandoned)


def test_a_submitted_or_untouched_form_is_not_abandoned(visit):
    visit.open("shop.html", "form_abandon")
    visit.page.fill("#email", "a@example.com")
    with visit.page.expect_navigation():
        visit.page.click("#send")
    visit.wait_until_left()

    assert visit.sent("form_abandon") == []


def test_a_form_that_fails_validation_can_still_be_abandoned(visit):
    visit.open("shop.html", "form_abandon")
    visit.page.fill("#email", "not an email")
    visit.page.click("#send")
    visit.close_tab()

    assert [m["oct.field_name"] for m in visit.sent("form_abandon")] == ["email"]


def hide_and_show(page: Any) -> None:
    """A tab switch: headless Chromium keeps tabs visible, so the switch is simulated."""
    for state in ("hidden", "visible"):
        page.evaluate(
            """state => {
              var property = {value: state, configurable: true};
              Object.defineProperty(document, 'visibilityState', property);
              document.dispatchEvent(new Event('visibilitychange'));
            }""",
            state,
        )
    page.evaluate("delete document.visibilityState")


def test_switching_tabs_is_not_abandoning_the_form_leaving_is(visit):
    visit.open("shop.html", "form_abandon")
    visit.page.click("#email")
    visit.page.keyboard.type("a@example.com")
    hide_and_show(visit.page)
    assert visit.pushed("form_abandon") == []

    # Back to the form, still unsent; then the visitor goes back to the previous page.
    visit.page.click("#full-name")
    with visit.page.expect_navigation():
        visit.page.click("#next")
    visit.page.go_back()
    visit.wait_until_left()
    (abandoned,) = visit.sent("form_abandon")
    assert abandoned["oct.changed_fields"] == 1
    assert abandoned["__page"] == "/shop.html"


def test_a_form_only_looked_at_is_not_abandoned(visit):
    visit.open("shop.html", "form_abandon")
    visit.page.click("#email")
    visit.page.click("#full-name")
    visit.close_tab()

    assert visit.sent("form_abandon") == []


def test_an_idle_time_abandons_the_form_once_for_its_trackings(own_visit):
    own_visit.page.clock.install()
    own_visit.open("shop.html", "form_abandon", settings={"form_abandon": {"idle": [60]}})
    own_visit.page.click("#email")
    own_visit.page.keyboard.type("a@example.com")
    own_visit.page.clock.run_for(30_000)
    own_visit.page.keyboard.type("x")
    own_visit.page.clock.run_for(45_000)
    assert own_visit.pushed("form_abandon") == []
    own_visit.page.clock.run_for(20_000)

    (idle,) = own_visit.pushed("form_abandon")
    assert (idle["oct.abandon_reason"], idle["oct.idle_seconds"]) == ("idle", 60)
    own_visit.page.clock.run_for(120_000)
    own_visit.close_tab()
    # Leaving then reports the form to the trackings without an idle time, and only to them.
    pushed = own_visit.sent("form_abandon")
    assert [(m["oct.abandon_reason"], m["oct.idle_seconds"]) for m in pushed] == [
        ("idle", 60),
        ("left", 0),
    ]


def test_a_form_sent_before_the_idle_time_is_not_abandoned(own_visit):
    own_visit.page.clock.install()
    own_visit.open("shop.html", "form_abandon", settings={"form_abandon": {"idle": [60]}})
    own_visit.page.fill("#email", "a@example.com")
    with own_visit.page.expect_navigation():
        own_visit.page.click("#send")
    own_visit.wait_until_left()

    assert own_visit.sent("form_abandon") == []


def test_field_focus_and_change_push_the_field_never_its_value(visit):
    visit.open("shop.html", "form_field_interaction")
    visit.page.click("#email")
    visit.page.keyboard.type("secret@example.com")
    visit.page.keyboard.press("Tab")
    visit.page.click("#email")
    visit.page.focus("select[name=plan]")
    visit.page.keyboard.press("ArrowDown")

    pushed = visit.pushed("form_field_interaction")
    assert [(m["oct.interaction"], m["oct.field_name"]) for m in pushed] == [
        ("focus", "email"),
        ("change", "email"),
        ("focus", "full-name"),
        ("focus", "plan"),
        ("change", "plan"),
    ]
    assert fields_of(pushed[0]) == set(LISTENER_FIELDS["form_field_interaction"])
    assert pushed[0]["gtm.element"] == "<input#email>"
    assert pushed[0]["gtm.elementClasses"] == "field"
    assert pushed[0]["oct.field_type"] == "email"
    assert pushed[3]["oct.field_type"] == "select-one"
    assert "secret" not in json.dumps(pushed)
    assert "pro" not in json.dumps(pushed[4])


ADD_TWO_SHOES = """window.dataLayer.push({event: 'add_to_cart', ecommerce: {items: [
  {item_id: 'SKU-1', item_name: 'Shoes', quantity: 2}]}})"""


def test_leaving_with_items_in_the_cart_is_cart_abandonment(visit):
    visit.open("shop.html", "cart_abandonment")
    visit.page.evaluate(ADD_TWO_SHOES)
    # gtag('event', ...) pushes an arguments object; it counts the same.
    visit.page.evaluate(
        "(function () { window.dataLayer.push(arguments); })"
        "('event', 'add_to_cart', {items: [{item_id: 'SKU-2'}]})"
    )
    visit.close_tab()

    (abandoned,) = visit.sent("cart_abandonment")
    assert fields_of(abandoned) == set(LISTENER_FIELDS["cart_abandonment"])
    assert (abandoned["oct.abandon_reason"], abandoned["oct.idle_seconds"]) == ("left", 0)
    assert abandoned["oct.cart_items"] == 3
    assert abandoned["oct.cart_source"] == "dataLayer"


def test_an_emptied_or_bought_cart_is_not_abandoned(visit):
    visit.open("shop.html", "cart_abandonment")
    visit.page.evaluate(ADD_TWO_SHOES)
    visit.page.evaluate(ADD_TWO_SHOES.replace("add_to_cart", "remove_from_cart"))
    visit.page.evaluate(ADD_TWO_SHOES)
    visit.page.evaluate(ADD_TWO_SHOES.replace("add_to_cart", "purchase"))
    visit.close_tab()

    assert visit.sent("cart_abandonment") == []


def test_the_cart_badge_attribute_is_the_whole_truth(visit):
    visit.open("shop.html", "cart_abandonment")
    visit.page.evaluate(ADD_TWO_SHOES)
    visit.page.evaluate("document.getElementById('badge').setAttribute('data-oct-cart-count', '0')")
    visit.close_tab()
    assert visit.sent("cart_abandonment") == []

    visit.page = visit.new_tab()
    visit.open("other.html", "cart_abandonment")
    visit.page.evaluate("document.getElementById('text').setAttribute('data-oct-cart-count', '4')")
    visit.close_tab()
    assert [m["oct.cart_items"] for m in visit.sent("cart_abandonment")] == [4]
    assert visit.sent("cart_abandonment")[0]["oct.cart_source"] == "attribute"


def test_moving_within_the_site_carries_the_cart_without_abandoning_it(visit):
    visit.open("shop.html", "cart_abandonment")
    visit.page.evaluate(ADD_TWO_SHOES)
    with visit.page.expect_navigation():
        visit.page.click("#next")
    visit.wait_until_left()
    assert visit.sent("cart_abandonment") == []

    visit.close_tab()
    (abandoned,) = visit.sent("cart_abandonment")
    assert abandoned["__page"] == "/other.html"
    assert abandoned["oct.cart_items"] == 2


def test_a_tab_switch_or_the_back_button_within_the_site_is_not_cart_abandonment(visit):
    visit.open("shop.html", "cart_abandonment")
    visit.page.evaluate(ADD_TWO_SHOES)
    hide_and_show(visit.page)
    with visit.page.expect_navigation():
        visit.page.click("#next")
    visit.wait_until_left()
    visit.page.go_back()
    visit.wait_until_left()
    assert visit.sent("cart_abandonment") == []

    visit.close_tab()
    (abandoned,) = visit.sent("cart_abandonment")
    assert abandoned["__page"] == "/shop.html"


def route_away(context: Any, *hosts: str) -> None:
    """Other sites, answered locally: the machine has no network."""
    for host in hosts:
        context.route(
            f"https://{host}/**",
            lambda route: route.fulfill(body="<p>elsewhere</p>", content_type="text/html"),
        )


def test_an_off_site_checkout_is_not_cart_abandonment(own_visit):
    route_away(own_visit.context, "checkout.example-pay.test", "hosted.example-shop.test")
    settings = {"cart_abandonment": {"checkout_hosts": ["example-pay.test"]}}
    # A link to a checkout host named in the tracking.
    own_visit.open("cart.html", "cart_abandonment", settings=settings)
    own_visit.page.evaluate(ADD_TWO_SHOES)
    with own_visit.page.expect_navigation():
        own_visit.page.click("#pay")
    own_visit.wait_until_left()
    # Any other site, reached by the site's script once checkout has started.
    own_visit.page = own_visit.new_tab()
    own_visit.open("cart.html", "cart_abandonment", settings=settings)
    with own_visit.page.expect_navigation():
        own_visit.page.click("#checkout")
    own_visit.wait_until_left()

    assert own_visit.sent("cart_abandonment") == []


def test_leaving_for_another_site_with_a_full_cart_is_abandonment(own_visit):
    route_away(own_visit.context, "elsewhere.example.test")
    own_visit.open("cart.html", "cart_abandonment")
    own_visit.page.evaluate(ADD_TWO_SHOES)
    with own_visit.page.expect_navigation():
        own_visit.page.click("#elsewhere")
    own_visit.wait_until_left()

    (abandoned,) = own_visit.sent("cart_abandonment")
    assert abandoned["oct.cart_items"] == 2


def test_an_idle_full_cart_is_abandoned_once_per_idle_time(own_visit):
    own_visit.page.clock.install()
    settings = {"cart_abandonment": {"idle": [120]}}
    own_visit.open("shop.html", "cart_abandonment", settings=settings)
    own_visit.page.evaluate(ADD_TWO_SHOES)
    own_visit.page.clock.run_for(100_000)
    own_visit.page.click("#banner")
    own_visit.page.clock.run_for(100_000)
    assert own_visit.pushed("cart_abandonment") == []
    own_visit.page.clock.run_for(30_000)
    own_visit.page.clock.run_for(300_000)

    (idle,) = own_visit.pushed("cart_abandonment")
    assert (idle["oct.abandon_reason"], idle["oct.idle_seconds"]) == ("idle", 120)
    assert idle["oct.cart_items"] == 2


def test_a_visitor_back_in_a_new_session_is_a_return_visitor_once(visit):
    visit.open("shop.html", "return_visitor")
    visit.open("other.html", "return_visitor")
    cookies = {c["name"]: c for c in visit.context.cookies()}
    assert int(cookies["_oct_rv"]["value"]) > 0
    assert cookies["_oct_rv"]["expires"] > time.time() + 399 * 86400

    # Thirty idle minutes end the session cookie; the visitor cookie stays.
    three_days_ago = int((time.time() - 3 * 86400 - 60) * 1000)
    visit.context.clear_cookies(name="_oct_rvs")
    visit.context.add_cookies(
        [{"name": "_oct_rv", "value": str(three_days_ago), "url": visit.site.origin}]
    )
    visit.open("shop.html", "return_visitor")
    visit.open("other.html", "return_visitor")
    visit.page.reload()
    visit.close_tab()

    pushed = visit.sent("return_visitor")
    assert len(pushed) == 1
    assert fields_of(pushed[0]) == set(LISTENER_FIELDS["return_visitor"])
    assert pushed[0]["oct.days_since_first_visit"] == 3


@pytest.mark.parametrize("twice", [False, True], ids=["once", "twice"])
def test_a_script_installed_twice_listens_once(visit, twice):
    visit.open("shop.html", *BEHAVIOURS, twice=twice)
    assert sorted(visit.page.evaluate("Object.keys(window.__oct)")) == sorted(BEHAVIOURS)
    for _ in range(3):
        visit.page.click("#buy")
    visit.page.evaluate("window.print()")
    visit.page.click("#email")
    visit.page.keyboard.type("a")
    visit.page.mouse.move(400, -20, steps=4)

    for behaviour in ("rage_click", "page_print", "form_start", "exit_intent"):
        assert len(visit.pushed(behaviour)) == 1, behaviour
    assert len(visit.pushed("form_field_interaction")) == 1


def test_blocked_storage_and_a_broken_data_layer_do_not_break_the_page(own_visit):
    # Storage blocked by the browser's settings throws on access.
    own_visit.context.add_init_script(
        "Object.defineProperty(window, 'sessionStorage', {get: () => { throw new Error('no'); }})"
    )
    own_visit.page.clock.install()
    own_visit.open("shop.html", *BEHAVIOURS)
    assert own_visit.page.evaluate("() => { try { sessionStorage; } catch (e) { return true; } }")
    own_visit.page.clock.run_for(31_000)
    assert [m["oct.session_seconds"] for m in own_visit.pushed("session_duration")] == [30]

    own_visit.page.evaluate(
        "() => { window.dataLayer.push = () => { throw new Error('broken'); }; }"
    )
    for _ in range(3):
        own_visit.page.click("#menu-toggle")
    own_visit.page.click("#email")
    own_visit.page.keyboard.type("a@example.com")
    own_visit.page.keyboard.press("Control+A")
    own_visit.page.keyboard.press("Control+C")
    own_visit.page.evaluate("window.print()")
    own_visit.page.mouse.move(400, -20, steps=4)
    # The site's own handlers still ran; the fixture checks that no error reached the page.
    assert own_visit.page.is_visible("#menu")
    assert own_visit.page.input_value("#email") == "a@example.com"


AJAX_FORMS = {
    "form_success": {
        "forms": [
            {"key": "contact1", "form": "#contact", "on": "element", "selector": "#thanks"},
            {"key": "contact2", "form": "form.lead-form", "on": "request"},
            {"key": "quote1", "form": "#quote", "on": "request", "url": "/api/quote"},
            # Visible before anything is sent: never proof of success.
            {"key": "notice", "form": "#contact", "on": "element", "selector": ".notice"},
        ]
    }
}


def test_an_ajax_form_sent_successfully_is_one_success_per_tracking(visit):
    visit.open("contact.html", "form_success", settings=AJAX_FORMS)
    visit.page.fill("#email", "a@example.com")
    visit.page.click("#send")
    visit.page.wait_for_selector("#thanks", state="visible")
    visit.page.wait_for_timeout(100)

    by_key = {m["oct.form_key"]: m for m in visit.pushed("form_success")}
    assert sorted(by_key) == ["contact1", "contact2"]
    assert by_key["contact1"]["oct.success_by"] == "element"
    # The request went to the action with a query string: compared without it.
    assert by_key["contact2"]["oct.success_by"] == "request"
    assert fields_of(by_key["contact1"]) == set(LISTENER_FIELDS["form_success"])
    assert by_key["contact1"]["gtm.element"] == "<form#contact>"
    assert by_key["contact1"]["gtm.elementUrl"] == visit.site.origin + "/api/contact"
    assert len(visit.pushed("form_success")) == 2


def test_an_ajax_form_refused_or_failing_its_checks_is_not_a_success(visit):
    visit.open("contact.html", "form_success", settings=AJAX_FORMS)
    # The site's own validation stops it: no request, no thank-you.
    visit.page.fill("#email", "not an email")
    visit.page.click("#send")
    visit.page.wait_for_selector("#invalid", state="visible")
    # The server refuses it (422).
    visit.page.fill("#email", "fail@example.com")
    with visit.page.expect_response("**/api/contact?lang=en"):
        visit.page.click("#send")
    visit.page.wait_for_selector("#error", state="visible")
    # Something already on the page is no proof; nor is a request nobody submitted a form for.
    visit.page.evaluate("fetch('/api/contact', {method: 'POST', body: 'a@example.com'})")
    visit.page.wait_for_timeout(300)

    assert visit.pushed("form_success") == []


def test_an_xhr_form_without_a_submit_event_counts_on_its_answer(visit):
    visit.open("contact.html", "form_success", settings=AJAX_FORMS)
    visit.page.fill("#company", "fail")
    with visit.page.expect_response("**/api/quote"):
        visit.page.click("#ask")
    visit.page.wait_for_timeout(100)
    assert visit.pushed("form_success") == []

    visit.page.fill("#company", "Acme")
    visit.page.click("#ask")
    visit.page.wait_for_selector("#quoted", state="visible")
    visit.page.wait_for_timeout(100)
    ((key, by),) = [(m["oct.form_key"], m["oct.success_by"]) for m in visit.pushed("form_success")]
    assert (key, by) == ("quote1", "request")


VENDOR_PAGE = (PAGES / "vendor.html").read_text()


def embed_visit(visit: Visit) -> dict[str, Any]:
    for host in ("calendly.com", "form.typeform.com"):
        visit.context.route(
            f"https://{host}/**",
            lambda route: route.fulfill(body=VENDOR_PAGE, content_type="text/html"),
        )
    visit.open("embeds.html", "form_embed")
    visit.page.wait_for_function(
        "[...document.querySelectorAll('iframe')].every(f => f.contentDocument !== null || true)"
    )
    frames = {}
    for name, marker in (
        ("calendly", "calendly.com"),
        ("typeform", "typeform.com"),
        ("impostor", "localhost"),
    ):
        (frame,) = [f for f in visit.page.frames if marker in f.url]
        frame.wait_for_load_state()
        frames[name] = frame
    return frames


def post(frame: Any, message: Any) -> None:
    frame.evaluate("message => parent.postMessage(message, '*')", message)


def test_embedded_forms_count_on_their_services_documented_completion(own_visit):
    frames = embed_visit(own_visit)
    post(frames["calendly"], {"event": "calendly.event_scheduled", "payload": {"event": {}}})
    post(frames["typeform"], {"type": "form-submit", "embedId": "e1", "formId": "AbC123"})
    own_visit.page.evaluate(
        "window.postMessage({type: 'hsFormCallback', eventName: 'onFormSubmitted',"
        " id: 'f-42', data: {}}, '*')"
    )
    own_visit.page.evaluate(
        "window.dispatchEvent(new CustomEvent('hs-form-event:on-submission:success',"
        " {detail: {formId: 'f-43'}}))"
    )
    own_visit.page.wait_for_function("window.__pushed.length >= 4")

    pushed = own_visit.pushed("form_embed")
    assert fields_of(pushed[0]) == set(LISTENER_FIELDS["form_embed"])
    assert sorted((m["oct.embed_provider"], m["oct.embed_form_id"]) for m in pushed) == [
        ("calendly", ""),
        ("hubspot", "f-42"),
        ("hubspot", "f-43"),
        ("typeform", "AbC123"),
    ]


def test_embed_steps_failures_and_impostors_are_not_completions(own_visit):
    frames = embed_visit(own_visit)
    post(frames["calendly"], {"event": "calendly.date_and_time_selected", "payload": {}})
    post(frames["typeform"], {"type": "form-ready", "embedId": "e1"})
    post(frames["typeform"], "form-submit")
    # Any frame can post the right shapes; only the service's own origin is believed.
    post(frames["impostor"], {"event": "calendly.event_scheduled", "payload": {}})
    post(frames["impostor"], {"type": "form-submit", "embedId": "e1"})
    post(frames["impostor"], {"type": "hsFormCallback", "eventName": "onFormSubmitted", "id": "x"})
    own_visit.page.evaluate(
        "window.postMessage({type: 'hsFormCallback', eventName: 'onFormSubmit', id: 'f'}, '*')"
    )
    own_visit.page.evaluate(
        "window.dispatchEvent(new CustomEvent('hs-form-event:on-submission:failed'))"
    )
    # A marker posted last: every message before it has been handled when it arrives.
    own_visit.page.evaluate(
        """new Promise(done => {
          window.addEventListener('message', e => { if (e.data === 'test.done') done(); });
          window.postMessage('test.done', '*');
        })"""
    )

    assert own_visit.pushed("form_embed") == []
