"""Celery tasks of webhooks. Thin: each calls one service with ids."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import webhook_deliveries_send_due, webhook_delivery_attempt


@shared_task(name="webhooks.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(organization_id: str, delivery_id: str) -> None:
    """One attempt of one delivery; a failed one is retried by the sweep at its next time."""
    webhook_delivery_attempt(organization_id=organization_id, delivery_id=delivery_id)


@shared_task(name="webhooks.send_due_deliveries")
def send_due_deliveries() -> int:
    """Beat, every 30 seconds: deliveries whose retry time came."""
    return webhook_deliveries_send_due()
