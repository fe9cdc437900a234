"""The API docs work without internet: Swagger UI and ReDoc come from our own static files.

A real headless Chromium opens them with every request to another host refused, and finds the
operations rendered; the landing page links to them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def offline_page(browser: Any, live_server: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page that can reach only the test server; what it tried elsewhere is listed."""
    context = browser.new_context()
    local = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_local)
    page = context.new_page()
    try:
        yield page, refused
    finally:
        context.close()


def test_swagger_ui_renders_the_operations_offline(live_server: Any, offline_page: Any) -> None:
    page, refused = offline_page

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)

    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/webhooks/" in paths
    assert "/api/v1/customers/{id}/" in paths
    assert len(paths) > 30
    assert refused == []


# ReDoc's sidebar footer shows Redocly's logo from their CDN and hides it when that fails; it
# is the one request to another host the docs make, and nothing depends on it.
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_redoc_renders_the_operations_offline(live_server: Any, offline_page: Any) -> None:
    page, refused = offline_page

    page.goto(f"{live_server.url}/api/redoc/")
    heading = page.locator("h2", has_text="Register a webhook endpoint").first
    heading.wait_for(timeout=60_000)

    assert heading.is_visible()
    assert page.locator("h2").count() > 30
    assert [url for url in refused if url != REDOC_LOGO] == []


def test_the_landing_page_links_docs_admin_and_health(live_server: Any, offline_page: Any) -> None:
    page, refused = offline_page

    page.goto(f"{live_server.url}/")

    links = {
        page.locator("a", has_text=text).first.get_attribute("href")
        for text in ("Swagger", "ReDoc", "admin", "Health")
    }
    assert links == {"/api/docs/", "/api/redoc/", "/admin/", "/healthz"}
    page.locator("a", has_text="Swagger").first.click()
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    assert refused == []
