"""The health-check scheduler (beat, every GTM quota window): each customer is checked once per
its `health_check_interval_minutes`, and checks together never take more than
`HEALTH_CHECK_GTM_QUOTA_PERCENT` of the GTM quota, so a thousand customers due at once are
checked a few per window, most overdue first, and deployments people ask for keep the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from customers.models import ConnectionStatus, Customer
from integrations.google.quota import quota_limits
from tenants.actors import Actor
from trackings.models import GTM_CALLS_PER_RUN, Deployment, DeploymentKind, Tracking, TrackingStatus
from trackings.services.deployments import deployment_request_health_check


def health_checks_per_window() -> int:
    """Checks the share allows in one GTM quota window (20 % of 25 calls at 1 call each: 5)."""
    calls = quota_limits().per_window * settings.HEALTH_CHECK_GTM_QUOTA_PERCENT // 100
    return calls // GTM_CALLS_PER_RUN[DeploymentKind.CHECK]


def customers_due_for_health_check(*, now: datetime) -> QuerySet[Customer]:
    """Live customers with a working grant and something live to check, whose turn came, most
    overdue first (never checked: first of all)."""
    live_trackings = Tracking.objects.filter(
        organization_id=OuterRef("organization_id"),
        customer_id=OuterRef("pk"),
        status=TrackingStatus.LIVE,
    )
    return (
        Customer.objects.filter(
            Q(next_health_check_at__isnull=True) | Q(next_health_check_at__lte=now),
            Exists(live_trackings),
            google_connection__status=ConnectionStatus.CONNECTED,
        )
        .order_by(F("next_health_check_at").asc(nulls_first=True), "pk")
        .only("pk", "organization_id", "next_health_check_at", "health_check_interval_minutes")
    )


def customers_schedule_health_checks(*, actor: Actor) -> int:
    """Beat: queue the health checks that are due, within the share of the GTM quota left in
    the current window. Returns how many were queued.

    Every check deployment made in the last window counts (those people asked for too: they
    spend the same quota), so a beat that runs twice, or late, never exceeds the share.
    """
    now = timezone.now()
    window = timedelta(seconds=quota_limits().window_seconds)
    spent = Deployment.objects.filter(kind=DeploymentKind.CHECK, created_at__gt=now - window)
    budget = health_checks_per_window() - spent.count()
    if budget <= 0:
        return 0
    queued = 0
    for customer in customers_due_for_health_check(now=now)[:budget]:
        with transaction.atomic():
            # The claim: a second scheduler that read the same row updates nothing.
            claimed = Customer.objects.filter(
                pk=customer.pk, next_health_check_at=customer.next_health_check_at
            ).update(
                next_health_check_at=now + timedelta(minutes=customer.health_check_interval_minutes)
            )
            if claimed:
                deployment_request_health_check(customer=customer, actor=actor)
                queued += 1
    return queued
