"""A site check asked for through the API is run by a real Celery worker (a subprocess on the
test Redis broker, consuming the `site_checks` queue only) and its verdict read back through the
API. The worker is allowed the local shop explicitly, as the test process is."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.trackings import make_tracking, wait_for
from tests.trackings.site_check_support import shop, shop_customer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]
__all__ = ["shop"]


def test_the_check_runs_on_a_worker_and_the_verdict_reads_back(
    alice: Any, shop: Any, celery_workers: Any
) -> None:
    customer = shop_customer(alice, shop.url("product.html"))
    tracking = make_tracking(customer, config={"selector": "button.add-to-cart"})
    celery_workers.env["SITE_CHECK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    celery_workers.start(purge=True, queues="site_checks")

    asked = alice.client.post(f"/api/v1/customers/{customer.pk}/site-check/")
    assert asked.status_code == 202

    def finished() -> Any:
        body = alice.client.get(asked["Location"]).json()
        return body if body["status"] in ("succeeded", "failed") else None

    check = wait_for(finished, what="the site check")
    assert check["status"] == "succeeded", (check, celery_workers.logs()[-3000:])
    [page] = check["pages"]
    assert page["snippet"] is True
    body = alice.client.get(f"/api/v1/trackings/{tracking.pk}/").json()
    assert body["site_status"] == "verified"
    assert body["site_check"]["event"]["reached"] is True
    assert alice.client.get(body["site_check"]["screenshot_url"]).status_code == 200
