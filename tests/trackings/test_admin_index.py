"""The admin index: Google quota use of the last hour per 100-s window (as the call wrapper
counted it) and a 14-day chart of deployments by outcome (server-rendered SVG, no script), for
every organization, in a bounded number of queries; and a customer's page shows the latest
rows of its history with links to all of it."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenants.models import User
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import deploy, make_tracking
from trackings.models import Deployment, DeploymentKind, DeploymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(email="staff@oneclicktag.example"))
    return client


def _panel(html: str, panel_id: str) -> str:
    return html.split(f'id="{panel_id}"', 1)[1].split('<div class="module', 1)[0]


def _quota(staff: Client) -> dict[str, dict[str, int]]:
    block = _panel(staff.get("/admin/").content.decode(), "quota-use")
    rows = re.findall(
        r'<tr data-api="(\w+)">.*?<td class="calls-hour">(\d+)</td>'
        r'<td class="calls-busiest">(\d+)</td><td class="calls-now">(\d+)</td>',
        block,
    )
    return {
        api: {"hour": int(hour), "busiest": int(busiest), "now": int(now)}
        for api, hour, busiest, now in rows
    }


def test_the_quota_panel_counts_the_google_calls_the_wrapper_made(
    engine_customer: Any, staff: Client
) -> None:
    before = _quota(staff)
    assert set(before) == {"gtm", "ads", "ga4", "oauth"}

    make_tracking(engine_customer, destinations=["ga4", "google_ads"])
    deployment = deploy(engine_customer)
    assert deployment.status == DeploymentStatus.SUCCEEDED, deployment.error_message

    after = _quota(staff)
    for api in ("gtm", "ads", "ga4"):
        assert after[api]["hour"] - before[api]["hour"] == deployment.google_calls[api], api
    assert deployment.google_calls["gtm"] > 0
    assert after["gtm"]["busiest"] >= 1
    # The limit is the bucket's (lifted for engine tests to 10000 per window).
    assert "10000 per 100 s" in _panel(staff.get("/admin/").content.decode(), "quota-use")


def _deployment(customer: Any, status: str, *, days_ago: int) -> Deployment:
    deployment = Deployment.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        kind=DeploymentKind.CHECK,
        status=status,
    )
    Deployment.objects.filter(pk=deployment.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return deployment


def _bars(staff: Client) -> dict[tuple[str, str], int]:
    """The chart's bars: (day, outcome label) -> count, read from each bar's <title>."""
    block = _panel(staff.get("/admin/").content.decode(), "deployments-chart")
    assert "<svg" in block
    assert "<script" not in block
    return {
        (day, label): int(count)
        for day, count, label in re.findall(r"<title>([\d-]+): (\d+) ([a-z ]+)</title>", block)
    }


def test_the_chart_shows_fourteen_days_of_deployments_by_outcome_in_every_organization(
    alice: Any, bob: Any, staff: Client
) -> None:
    assert _bars(staff) == {}
    today = timezone.now().date()
    ours, theirs = make_customer(alice), make_customer(bob)
    for _ in range(3):
        _deployment(ours, DeploymentStatus.SUCCEEDED, days_ago=0)
    _deployment(theirs, DeploymentStatus.FAILED, days_ago=0)
    _deployment(ours, DeploymentStatus.PARTIALLY_FAILED, days_ago=2)
    _deployment(theirs, DeploymentStatus.CANCELLED, days_ago=13)
    _deployment(ours, DeploymentStatus.QUEUED, days_ago=13)
    _deployment(ours, DeploymentStatus.FAILED, days_ago=14)  # before the chart's first day

    bars = _bars(staff)

    def day(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat()

    assert bars == {
        (day(0), "succeeded"): 3,
        (day(0), "failed"): 1,
        (day(2), "partially failed"): 1,
        (day(13), "cancelled"): 1,
        (day(13), "queued or running"): 1,
    }
    caption = _panel(staff.get("/admin/").content.decode(), "deployments-chart")
    assert f"{day(13)} to {day(0)}" in caption


def _index_queries(staff: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert staff.get("/admin/").status_code == 200
    return len(queries)


def test_the_index_takes_the_same_few_queries_however_much_there_is(
    alice: Any, bob: Any, charlie: Any, staff: Client
) -> None:
    _deployment(make_customer(alice), DeploymentStatus.SUCCEEDED, days_ago=1)
    small = _index_queries(staff)

    for tenant in (alice, bob, charlie):
        for days_ago in range(0, 14, 2):
            customer = make_customer(tenant)
            make_tracking(customer)
            for status in (DeploymentStatus.FAILED, DeploymentStatus.SUCCEEDED):
                _deployment(customer, status, days_ago=days_ago)
    large = _index_queries(staff)

    assert small == large
    # Session and user (2), the failing-now counts (4: failed, stuck, drifted, reconnect), the
    # chart (1, grouped in the database), the admin's recent actions (1). Quota use reads the
    # cache only.
    assert large == 8


def test_a_customer_page_shows_its_latest_deployments_and_links_to_all_of_them(
    alice: Any, bob: Any, staff: Client
) -> None:
    customer = make_customer(alice)
    deployments = [
        _deployment(customer, DeploymentStatus.SUCCEEDED, days_ago=days) for days in range(25)
    ]
    other = _deployment(make_customer(bob), DeploymentStatus.SUCCEEDED, days_ago=0)

    html = staff.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()

    shown = set(re.findall(r"/admin/trackings/deployment/([0-9a-f-]{36})/change/", html))
    assert shown == {str(d.pk) for d in deployments[:20]}  # the newest 20
    link = f"/admin/trackings/deployment/?customer__id__exact={customer.pk}"
    assert link in html.replace("&amp;", "&")
    listed = staff.get(link)
    assert listed.status_code == 200
    changelist = listed.context["cl"]
    assert "e" not in changelist.params
    assert {d.pk for d in changelist.queryset} == {d.pk for d in deployments}
    assert other.pk not in {d.pk for d in changelist.queryset}
