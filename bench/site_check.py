"""The site check's time per page: headless Chromium on a local shop (the test shop's pages,
served here on 127.0.0.1), every connection through the address-checking proxy, each click or
form tracking acted out on a fresh load. Prints p50/max per page over BENCH_ROUNDS checks, and
the whole check with Chromium's start."""

from __future__ import annotations

import os
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.utils import timezone

from bench.seed import seeded_organization
from trackings.models import SiteCheck, Tracking
from trackings.sitecheck.run import site_check_browse, site_check_plan, site_check_record

SHOP = Path(__file__).resolve().parent.parent / "tests" / "trackings" / "shop"
CONTAINER = "GTM-SHOP1"


def _serve() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            page = SHOP / urlsplit(self.path).path.lstrip("/")
            found = page.parent == SHOP and page.is_file()
            body = page.read_bytes() if found else b"<!doctype html><title>Not found</title>"
            body = body.replace(b"PRIVATE_ORIGIN", b"http://127.0.0.1:9")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _page(path: str) -> dict[str, str]:
    return {"operator": "equals", "value": path}


# What each page carries: (name, type, config). Clicks and forms are acted out; the others
# are looked for only.
TRACKINGS = [
    ("Add to cart", "button_click", {"selector": "button.add-to-cart"}),
    ("Contact link", "link_click", {"selector": "a.contact-link"}),
    ("Wishlist (absent)", "button_click", {"selector": "button.wishlist"}),
    ("Scrolled", "scroll_depth", {"thresholds": [50]}),
    (
        "Lead form",
        "form_submit",
        {
            "selector": "form#lead",
            "submission": "ajax",
            "success": "element",
            "success_selector": "#thanks",
            "page": _page("/contact.html"),
        },
    ),
    ("Sale cart", "button_click", {"selector": ".add-to-cart", "page": _page("/plain.html")}),
    (
        "Blog cart",
        "button_click",
        {"selector": ".add-to-cart", "page": _page("/other-container.html")},
    ),
    ("Gone", "button_click", {"selector": ".add-to-cart", "page": _page("/gone.html")}),
]


def print_site_check() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    server = _serve()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        seeded = seeded_organization(name="Bench site check", customers=1)
        customer = seeded.customers[0]
        customer.website_url = f"{origin}/product.html"
        customer.save(update_fields=["website_url"])
        customer.google_connection.gtm_public_id = CONTAINER
        customer.google_connection.save(update_fields=["gtm_public_id"])
        for name, kind, config in TRACKINGS:
            Tracking.objects.create(
                organization=seeded.organization,
                customer=customer,
                name=name,
                type=kind,
                config=config,
                destinations=["ga4"],
            )
        per_page: dict[str, list[tuple[int, int]]] = {}
        wholes: list[float] = []
        starts: list[float] = []
        verdicts: dict[str, int] = {}
        for _ in range(rounds):
            plan = site_check_plan(customer)
            started = time.monotonic()
            reports = site_check_browse(plan)
            whole = time.monotonic() - started
            wholes.append(whole)
            starts.append(whole - sum(r.total_ms for r in reports) / 1000)
            for report in reports:
                path = urlsplit(report.url).path
                per_page.setdefault(path, []).append((report.load_ms, report.total_ms))
            check = SiteCheck.objects.create(organization=seeded.organization, customer=customer)
            SiteCheck.objects.filter(pk=check.pk).update(
                status="running", started_at=timezone.now()
            )
            check.refresh_from_db()
            site_check_record(check, plan, reports)
            verdicts = dict(check.summary)
    finally:
        server.shutdown()
        server.server_close()
    acted = {
        "/product.html": "2 clicks",
        "/contact.html": "1 AJAX form",
    }
    print(
        f"\nsite check: {len(TRACKINGS)} trackings on {len(per_page)} local pages, "
        f"{rounds} checks (headless Chromium, every connection through the address gate)"
    )
    print(
        f"  {'page':24} {'load p50':>9} {'load max':>9} {'page p50':>9} {'page max':>9}  acted out"
    )
    for path, times in per_page.items():
        loads = [load for load, _ in times]
        totals = [total for _, total in times]
        print(
            f"  {path:24} {statistics.median(loads):7.0f}ms {max(loads):7.0f}ms "
            f"{statistics.median(totals):7.0f}ms {max(totals):7.0f}ms  {acted.get(path, '-')}"
        )
    print(
        f"  whole check p50 {statistics.median(wholes):.2f}s (Chromium start and proxy "
        f"{statistics.median(starts) * 1000:.0f}ms); verdicts {verdicts}"
    )
