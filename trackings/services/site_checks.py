"""Asking for a site check (the API and the daily beat); the check itself runs in a worker
(trackings.sitecheck.run, by the task `trackings.run_site_check`)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import Customer, GoogleConnection
from oneclicktag.core.exceptions import InvalidInput
from oneclicktag.core.infrastructure import broker_check
from oneclicktag.core.tasks import enqueue_on_commit
from tenants.actors import Actor
from tenants.services import audit_record
from trackings.lifecycle import site_check_abandon
from trackings.models import WANTED_STATUSES, SiteCheck, SiteCheckStatus, Tracking
from trackings.sitecheck.policy import site_check_policy
from webhooks.targets import TargetRefused, target_parse

RUN_SITE_CHECK_TASK = "trackings.run_site_check"
OPEN_STATUSES = (SiteCheckStatus.QUEUED, SiteCheckStatus.RUNNING)
# A check still open after this long lost its task or its worker: a new request replaces it.
ABANDONED_AFTER = timedelta(minutes=30)


def site_check_request(*, customer: Customer, actor: Actor) -> SiteCheck:
    """Queue a site check of the customer's pages, or answer the one already waiting/running."""
    _check_can_run(customer)
    now = timezone.now()
    with transaction.atomic():
        open_checks = SiteCheck.objects.select_for_update().filter(
            organization_id=customer.organization_id, customer=customer, status__in=OPEN_STATUSES
        )
        for open_check in open_checks:
            if open_check.created_at >= now - ABANDONED_AFTER:
                return open_check
            site_check_abandon(open_check, now=now)
        broker_check()
        try:
            with transaction.atomic():
                check = SiteCheck.objects.create(
                    organization_id=customer.organization_id,
                    customer=customer,
                    created_by=actor.user,
                    updated_by=actor.user,
                )
        except IntegrityError:
            # Another request created it first: theirs is ours.
            return SiteCheck.objects.get(
                organization_id=customer.organization_id,
                customer=customer,
                status__in=OPEN_STATUSES,
            )
        audit_record(
            organization=customer.organization_id,
            actor=actor,
            action="site_check.request",
            object_type="customer",
            object_id=customer.pk,
            after={"site_check": str(check.pk)},
        )
        enqueue_on_commit(RUN_SITE_CHECK_TASK, str(check.organization_id), str(check.pk))
    return check


def _check_can_run(customer: Customer) -> None:
    connection = GoogleConnection.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    if connection is None or not connection.gtm_public_id:
        raise InvalidInput(
            {
                "gtm_container_id": [
                    "Choose the customer's GTM container first (PATCH "
                    "/customers/{id}/google/): the check looks for its snippet on the pages."
                ]
            }
        )
    try:
        # Scheme and address literals now; names are resolved (and refused) by the check.
        target_parse(customer.website_url, site_check_policy())
    except TargetRefused as refused:
        raise InvalidInput({"website_url": [refused.message]}) from refused


def customers_schedule_site_checks(*, actor: Actor) -> int:
    """Beat (daily): a site check of every customer with a chosen container and wanted
    trackings, unless one is open or one finished within the interval."""
    since = (
        timezone.now() - timedelta(hours=settings.SITE_CHECK_INTERVAL_HOURS) + timedelta(minutes=5)
    )
    customer_ids = (
        Tracking.objects.filter(status__in=WANTED_STATUSES, customer__deleted__isnull=True)
        .exclude(customer__google_connection__gtm_public_id="")
        .values_list("customer_id", flat=True)
        .distinct()
    )
    recent = SiteCheck.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(created_at__gte=since), customer_id__in=customer_ids
    ).values_list("customer_id", flat=True)
    count = 0
    for customer in Customer.objects.filter(pk__in=list(customer_ids)).exclude(pk__in=list(recent)):
        try:
            site_check_request(customer=customer, actor=actor)
        except InvalidInput:
            # A website we may not load (a private address): its trackings keep their status.
            continue
        count += 1
    return count
