"""A local shop for the site check: tests/trackings/shop/ served on 127.0.0.1, recording every
request, and a customer of it with a chosen GTM container (GTM-SHOP1)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from customers.models import Customer, GoogleConnection
from tenants.actors import Actor
from trackings.models import SiteCheck
from trackings.services.site_checks import site_check_request
from trackings.sitecheck.run import site_check_run

SHOP = Path(__file__).parent / "shop"
CONTAINER = "GTM-SHOP1"


@dataclass
class Shop:
    origin: str
    requests: list[tuple[str, str]] = field(default_factory=list)
    # Replaces PRIVATE_ORIGIN in pages (a second server's address).
    private_origin: str = "http://127.0.0.2:9"

    def url(self, page: str) -> str:
        return f"{self.origin}/{page}"


def serve(shop_holder: list[Shop], host: str = "127.0.0.1") -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            shop = shop_holder[0]
            shop.requests.append(("GET", self.path))
            if self.path.startswith("/big.html"):
                # A page past any sensible size cap (2 MB of paragraphs).
                self._answer(200, b"<!doctype html><title>Big</title>" + b"<p>filler</p>" * 160_000)
                return
            if self.path.startswith("/slow.html"):
                time.sleep(4)
                self._answer(200, b"<!doctype html><title>Slow</title>")
                return
            if self.path.startswith("/to-private"):
                # A public page that sends the browser inside our network.
                self.send_response(302)
                self.send_header("Location", f"{shop.private_origin}/admin")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            page = SHOP / urlsplit(self.path).path.lstrip("/")
            if page.parent != SHOP or not page.is_file():
                self._answer(404, b"<!doctype html><title>Not found</title>")
                return
            body = page.read_text().replace("PRIVATE_ORIGIN", shop.private_origin)
            self._answer(200, body.encode())

        def do_POST(self) -> None:
            shop_holder[0].requests.append(("POST", self.path))
            self._answer(200, b"{}")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def shop(settings: Any) -> Iterator[Shop]:
    """The shop, and the one explicit allowance that lets the check load it: 127.0.0.1 only."""
    settings.SITE_CHECK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    holder: list[Shop] = []
    server = serve(holder)
    holder.append(Shop(origin=f"http://127.0.0.1:{server.server_address[1]}"))
    yield holder[0]
    server.shutdown()
    server.server_close()


def shop_customer(tenant: Any, website_url: str, container: str = CONTAINER) -> Customer:
    suffix = uuid.uuid4().hex[:6]
    customer = Customer.objects.create(
        organization=tenant.organization,
        name=f"Local shop {suffix}",
        slug=f"local-shop-{suffix}",
        website_url=website_url,
    )
    GoogleConnection.objects.create(
        organization=tenant.organization,
        customer=customer,
        gtm_public_id=container,
        gtm_container_id=f"9{abs(hash(customer.pk)) % 10**8}",
    )
    return customer


def run_site_check(customer: Customer) -> SiteCheck:
    """Asks for a check as the API does and runs it here, as the worker would."""
    check = site_check_request(customer=customer, actor=Actor.system_actor("tests"))
    site_check_run(organization_id=customer.organization_id, site_check_id=check.pk)
    check.refresh_from_db()
    return check
