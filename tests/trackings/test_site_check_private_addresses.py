"""The site check never reaches inside our network: the website URL, a redirect and every
request a page makes are checked against the public-address policy. The local shop is loaded
only because the test allows 127.0.0.1 explicitly; 127.0.0.2 (another loopback address) stays
private, and a server there must never see a request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.trackings import make_tracking
from tests.trackings.site_check_support import (
    Shop,
    run_site_check,
    serve,
    shop,
    shop_customer,
)
from trackings.models import SiteCheck, SiteCheckStatus

pytestmark = pytest.mark.django_db
__all__ = ["shop"]


@pytest.fixture
def inside(shop: Shop) -> Iterator[Shop]:
    """A server on 127.0.0.2, standing for an internal service (metadata, admin panels)."""
    holder: list[Shop] = []
    server = serve(holder, host="127.0.0.2")
    holder.append(Shop(origin=f"http://127.0.0.2:{server.server_address[1]}"))
    shop.private_origin = holder[0].origin
    yield holder[0]
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.slow
def test_requests_a_page_makes_to_a_private_address_are_refused(
    alice: Any, shop: Shop, inside: Shop
) -> None:
    customer = shop_customer(alice, shop.url("private.html"))
    buy = make_tracking(customer, config={"selector": "button.add-to-cart"})

    check = run_site_check(customer)

    assert check.status == SiteCheckStatus.SUCCEEDED, check.error_message
    assert inside.requests == [], "the browser reached a private address"
    [page] = check.pages
    refused = " ".join(page["refused"])
    assert f"{inside.origin.removeprefix('http://')}" in refused or inside.origin in refused
    assert "private, loopback, link-local or reserved" in refused
    buy.refresh_from_db()
    # The page itself is public and has what the tracking needs.
    assert buy.site_status == "verified"


@pytest.mark.browser
@pytest.mark.slow
def test_a_redirect_into_our_network_is_unreachable(alice: Any, shop: Shop, inside: Shop) -> None:
    customer = shop_customer(alice, shop.url("product.html"))
    moved = make_tracking(
        customer,
        config={
            "selector": "button.add-to-cart",
            "page": {"operator": "equals", "value": "/to-private"},
        },
    )

    run_site_check(customer)

    moved.refresh_from_db()
    assert inside.requests == []
    assert moved.site_status == "unreachable"
    assert moved.site_detail["message"].startswith("Refused: ")
    assert "127.0.0.2" in moved.site_detail["message"]


def test_a_private_website_url_is_refused_before_anything_is_queued(
    alice: Any, settings: Any
) -> None:
    # Not development, nothing allowed: what every non-development setting is without a test's
    # explicit allowance (production refuses to start with one).
    settings.SITE_CHECK_ALLOWED_NETWORKS = []
    for url in (
        "http://127.0.0.1:8000/",
        "http://10.0.0.8/shop",
        "http://[::1]/",
        "http://169.254.169.254/",
    ):
        customer = shop_customer(alice, url)
        response = alice.client.post(f"/api/v1/customers/{customer.pk}/site-check/")
        assert response.status_code == 400, url
        error = response.json()["error"]
        assert list(error["fields"]) == ["website_url"]
        assert "private, loopback, link-local or reserved" in error["fields"]["website_url"][0]
        customer.google_connection.delete()
        customer.delete()
    assert not SiteCheck.objects.exists()


def test_local_host_names_and_other_schemes_are_refused(alice: Any, settings: Any) -> None:
    settings.SITE_CHECK_ALLOWED_NETWORKS = []
    for url, message in (
        ("http://localhost:8000/", "local host name"),
        ("http://shop.internal/", "local host name"),
        ("ftp://shop.example.com/", "https or http"),
    ):
        customer = shop_customer(alice, url)
        response = alice.client.post(f"/api/v1/customers/{customer.pk}/site-check/")
        assert response.status_code == 400, url
        assert message in response.json()["error"]["fields"]["website_url"][0]
        customer.google_connection.delete()
        customer.delete()


@pytest.mark.browser
@pytest.mark.slow
def test_a_name_that_resolves_to_a_private_address_is_unreachable(
    alice: Any, shop: Shop, settings: Any
) -> None:
    # The request passed (names are resolved by the check); the check resolves and refuses.
    customer = shop_customer(alice, shop.url("product.html"))
    tracking = make_tracking(customer, config={"selector": "button.add-to-cart"})
    settings.SITE_CHECK_ALLOWED_NETWORKS = []

    from trackings.sitecheck.run import site_check_run

    check = SiteCheck.objects.create(organization=alice.organization, customer=customer)
    site_check_run(organization_id=alice.organization.pk, site_check_id=check.pk)

    tracking.refresh_from_db()
    assert tracking.site_status == "unreachable"
    assert "private, loopback, link-local or reserved" in tracking.site_detail["message"]
