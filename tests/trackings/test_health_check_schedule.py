"""The health-check scheduler: each customer at its own interval, all checks together within
their share of the GTM quota (20 % of 25 calls per 100 s, 1 call a check: 5 per window), so a
thousand customers due at once are checked a few per window, most overdue first.

Time moves by ageing rows (a window later = the checks made "now" are a window old), never by
waiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import ConnectionStatus, Customer, GoogleConnection
from tests.fixtures.google import make_customer
from tests.fixtures.trackings import SYSTEM, make_tracking
from trackings.models import (
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    Tracking,
    TrackingStatus,
)
from trackings.services import (
    customers_due_for_health_check,
    customers_schedule_health_checks,
    deployment_enqueue,
    deployment_request_health_check,
    health_checks_per_window,
)

pytestmark = pytest.mark.django_db

WINDOW = timedelta(seconds=100)


@pytest.fixture(autouse=True)
def _default_share(settings: Any) -> None:
    settings.GTM_QUOTA_PER_100S = 25
    settings.GTM_QUOTA_WINDOW_SECONDS = WINDOW.total_seconds()
    settings.HEALTH_CHECK_GTM_QUOTA_PERCENT = 20


def _checked_customer(tenant: Any, **fields: Any) -> Customer:
    """A customer with a working grant and one live tracking: something to check."""
    customer = make_customer(tenant)
    if fields:
        Customer.objects.filter(pk=customer.pk).update(**fields)
        customer.refresh_from_db()
    GoogleConnection.objects.create(organization=tenant.organization, customer=customer)
    make_tracking(customer, status=TrackingStatus.LIVE)
    return customer


def _many_checked_customers(tenant: Any, count: int) -> list[Customer]:
    """`count` such customers, written in bulk (the scheduler reads them, no API needed)."""
    organization = tenant.organization
    customers = Customer.objects.bulk_create(
        Customer(
            organization=organization,
            name=f"Shop {i}",
            slug=f"shop-{i}",
            website_url=f"https://shop-{i}.example/",
        )
        for i in range(count)
    )
    GoogleConnection.objects.bulk_create(
        GoogleConnection(organization=organization, customer=customer) for customer in customers
    )
    Tracking.objects.bulk_create(
        Tracking(
            organization=organization,
            customer=customer,
            name="Buy button",
            type="button_click",
            config={"selector": "button.buy"},
            destinations=["ga4"],
            status=TrackingStatus.LIVE,
        )
        for customer in customers
    )
    # As autovacuum would have by then: without statistics on tables that grew by a thousand
    # rows in a moment, PostgreSQL plans the due query as if they held one.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_customer, customers_googleconnection, trackings_tracking")
    return customers


def _checks() -> Any:
    return Deployment.objects.filter(kind=DeploymentKind.CHECK)


def _a_window_later() -> None:
    """The checks made so far were made a window ago."""
    _checks().update(created_at=F("created_at") - WINDOW - timedelta(seconds=1))


def test_the_share_allows_five_checks_per_window_at_twenty_percent_of_25(settings: Any) -> None:
    assert health_checks_per_window() == 5
    settings.HEALTH_CHECK_GTM_QUOTA_PERCENT = 100
    assert health_checks_per_window() == 25
    settings.HEALTH_CHECK_GTM_QUOTA_PERCENT = 4
    assert health_checks_per_window() == 1


def test_a_thousand_customers_due_at_once_are_spread_over_windows_not_fired_together(
    alice: Any, bob: Any
) -> None:
    alices = _many_checked_customers(alice, 600)
    bobs = _many_checked_customers(bob, 400)

    with CaptureQueriesContext(connection) as queries:
        first = customers_schedule_health_checks(actor=SYSTEM)
    again = customers_schedule_health_checks(actor=SYSTEM)

    assert first == 5
    assert again == 0
    assert _checks().count() == 5
    # The count and the due customers, then per check: the claim, the queued-deployment lock,
    # the insert with its savepoints, the audit event (8). Nothing grows with the thousand.
    assert len(queries) == 2 + 5 * 8, [q["sql"][:60] for q in queries]

    # Each later window, five more: the next most overdue, never one already checked.
    for window in range(2, 5):
        _a_window_later()
        assert customers_schedule_health_checks(actor=SYSTEM) == 5
        assert customers_schedule_health_checks(actor=SYSTEM) == 0
        assert _checks().values("customer_id").distinct().count() == 5 * window
    checked = set(_checks().values_list("customer_id", flat=True))
    assert checked <= {c.pk for c in alices} | {c.pk for c in bobs}
    # The other 980 wait their turn (at five a window: 196 more windows, about 5.4 hours).
    assert customers_due_for_health_check(now=timezone.now()).count() == 980


def test_checks_asked_for_by_people_count_against_the_share(alice: Any) -> None:
    _many_checked_customers(alice, 20)
    # Asked for through the API or the admin (customers the scheduler would not pick itself).
    deployment_request_health_check(customer=make_customer(alice), actor=SYSTEM)
    deployment_request_health_check(customer=make_customer(alice), actor=SYSTEM)

    assert customers_schedule_health_checks(actor=SYSTEM) == 3
    assert _checks().count() == 5


def test_each_customer_is_checked_at_its_own_interval(alice: Any) -> None:
    often = _checked_customer(alice, health_check_interval_minutes=15)
    daily = _checked_customer(alice, health_check_interval_minutes=24 * 60)

    before = timezone.now()
    assert customers_schedule_health_checks(actor=SYSTEM) == 2
    often.refresh_from_db()
    daily.refresh_from_db()
    # Both checks ran (a queued one would carry the next check instead of a new one).
    _checks().update(status=DeploymentStatus.SUCCEEDED)
    assert often.next_health_check_at is not None
    assert daily.next_health_check_at is not None
    assert (
        timedelta(minutes=15)
        <= often.next_health_check_at - before
        <= timedelta(minutes=15, seconds=30)
    )
    assert (
        timedelta(hours=24)
        <= daily.next_health_check_at - before
        <= timedelta(hours=24, seconds=30)
    )

    # Twenty minutes later: the 15-minute customer is due again, the daily one is not.
    for customer in (often, daily):
        Customer.objects.filter(pk=customer.pk).update(
            next_health_check_at=F("next_health_check_at") - timedelta(minutes=20)
        )
    _a_window_later()
    assert customers_schedule_health_checks(actor=SYSTEM) == 1
    assert _checks().filter(customer=often).count() == 2
    assert _checks().filter(customer=daily).count() == 1


def test_the_most_overdue_customers_go_first(alice: Any, bob: Any) -> None:
    now = timezone.now()
    recent = [
        _checked_customer(alice, next_health_check_at=now - timedelta(minutes=1)) for _ in range(5)
    ]
    overdue = [
        _checked_customer(bob, next_health_check_at=now - timedelta(hours=2)) for _ in range(3)
    ]
    never = _checked_customer(alice)

    assert customers_schedule_health_checks(actor=SYSTEM) == 5

    checked = set(_checks().values_list("customer_id", flat=True))
    assert {never.pk, *(c.pk for c in overdue)} <= checked
    assert len(checked & {c.pk for c in recent}) == 1


def test_customers_with_nothing_to_check_or_no_grant_are_left_alone(alice: Any) -> None:
    make_customer(alice)  # no connection
    pending_only = make_customer(alice)
    GoogleConnection.objects.create(organization=alice.organization, customer=pending_only)
    make_tracking(pending_only)
    lost_grant = _checked_customer(alice)
    GoogleConnection.objects.filter(customer=lost_grant).update(
        status=ConnectionStatus.NEEDS_RECONNECT
    )
    deleted = _checked_customer(alice)
    Customer.objects.filter(pk=deleted.pk).update(deleted=timezone.now())
    due = _checked_customer(alice)

    assert customers_schedule_health_checks(actor=SYSTEM) == 1
    assert list(_checks().values_list("customer_id", flat=True)) == [due.pk]


def test_a_check_joining_a_queued_deployment_takes_nothing_from_the_share(alice: Any) -> None:
    customer = _checked_customer(alice)
    deployment_enqueue(customer=customer, actor=SYSTEM)

    assert customers_schedule_health_checks(actor=SYSTEM) == 1

    # The queued deployment carries the check (it verifies what is live anyway).
    assert not _checks().exists()
    customer.refresh_from_db()
    assert customer.next_health_check_at is not None
