"""Webhook services: endpoints (endpoints.py) and deliveries (deliveries.py)."""

from webhooks.services.deliveries import (
    MAX_ATTEMPTS,
    RETRY_SPAN,
    retry_delay_seconds,
    webhook_deliveries_send_due,
    webhook_delivery_attempt,
    webhook_delivery_redeliver,
    webhook_endpoint_ping,
    webhook_event_emit,
)
from webhooks.services.endpoints import (
    EDITABLE_FIELDS,
    EndpointWithSecret,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_ATTEMPTS",
    "RETRY_SPAN",
    "EndpointWithSecret",
    "retry_delay_seconds",
    "webhook_deliveries_send_due",
    "webhook_delivery_attempt",
    "webhook_delivery_redeliver",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_ping",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
    "webhook_event_emit",
]
