"""Celery tasks of the stats app: the beat fans out one pull per connected customer."""

from __future__ import annotations

import logging

from celery import shared_task

from customers.models import Customer
from integrations.google.errors import (
    GoogleNeedsReconnect,
    GoogleQuotaExceeded,
    PermanentGoogleError,
    TransientGoogleError,
)
from stats.services import customer_stats_refresh, customers_to_pull, stats_prune

logger = logging.getLogger(__name__)

# Transient Google errors: try again in 5, 10, 20 … minutes, six times.
TRANSIENT_RETRY_SECONDS = 300
MAX_RETRIES = 6


@shared_task(name="stats.pull_all")
def pull_all() -> int:
    """Beat, every 3 hours: one pull per connected customer with live trackings."""
    pairs = customers_to_pull()
    for organization_id, customer_id in pairs:
        pull_customer.delay(str(organization_id), str(customer_id))
    return len(pairs)


@shared_task(name="stats.pull_customer", bind=True, max_retries=MAX_RETRIES, acks_late=True)
def pull_customer(self: object, organization_id: str, customer_id: str) -> int:
    customer = Customer.objects.filter(organization_id=organization_id, pk=customer_id).first()
    if customer is None:
        return 0
    try:
        return customer_stats_refresh(customer=customer).rows
    except GoogleQuotaExceeded as error:
        # The quota says when: come back then, never sleep in the worker.
        raise self.retry(countdown=error.retry_after_seconds) from error  # type: ignore[attr-defined]
    except TransientGoogleError as error:
        countdown = TRANSIENT_RETRY_SECONDS * 2**self.request.retries  # type: ignore[attr-defined]
        raise self.retry(countdown=countdown) from error  # type: ignore[attr-defined]
    except (GoogleNeedsReconnect, PermanentGoogleError) as error:
        # Nothing to retry: the connection shows the lost grant; the next beat tries again.
        logger.warning(
            "Stats pull refused by Google",
            extra={"customer_id": customer_id, "error_class": type(error).__name__},
        )
        return 0


@shared_task(name="stats.prune")
def prune() -> int:
    """Beat, daily: forget rows older than 13 months."""
    return stats_prune()
