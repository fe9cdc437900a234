"""Webhook deliveries: emit an event, attempt (signed, to a checked address), retry with
exponential backoff, disable an endpoint failing for days, redeliver. Network calls happen
outside any database transaction."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from oneclicktag.core.crypto import decrypt_token
from oneclicktag.core.exceptions import InvalidInput
from oneclicktag.core.metrics import WEBHOOK_DELIVERIES, WEBHOOK_LATENCY
from oneclicktag.core.tasks import enqueue_on_commit
from tenants.actors import Actor
from tenants.services.audit import audit_record
from tenants.services.notifications import organization_email_admins
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.sending import webhook_post
from webhooks.signing import signature_header
from webhooks.targets import TargetRefused, TargetUnresolved, target_parse, target_resolve

logger = logging.getLogger(__name__)

# Delay before retry n (1-based): 1 min, 3 min, 9 min ... capped at 12 h. With MAX_ATTEMPTS the
# retries span more than a day (see RETRY_SPAN), so a receiver down overnight still gets it.
RETRY_BASE_SECONDS = 60
RETRY_FACTOR = 3
RETRY_CAP_SECONDS = 12 * 3600
MAX_ATTEMPTS = 10
# An endpoint whose deliveries fail for this long without one success is disabled.
DISABLE_AFTER = timedelta(days=3)
# A delivery left `sending` this long belongs to a dead worker; the sweep takes it back.
STALE_SENDING = timedelta(minutes=5)
# A new delivery is sent by its task at once; if that task is lost (broker restart), the sweep
# sends it after this long.
LOST_TASK_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500


def retry_delay_seconds(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based)."""
    return int(min(RETRY_BASE_SECONDS * RETRY_FACTOR ** (attempt - 1), RETRY_CAP_SECONDS))


RETRY_SPAN = timedelta(seconds=sum(retry_delay_seconds(n) for n in range(1, MAX_ATTEMPTS)))


def live_secrets(endpoint: WebhookEndpoint) -> list[str]:
    """The secrets that sign a delivery now, newest first."""
    secrets_ = [decrypt_token(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > timezone.now():
        secrets_.append(decrypt_token(endpoint.previous_secret_encrypted))
    return secrets_


def webhook_event_emit(
    *,
    organization_id: Any,
    event: str,
    payload: dict[str, Any],
    endpoint_ids: list[Any] | None = None,
) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the organization that asked for `event`, each sent
    by a task once the caller's transaction commits. `endpoint_ids` narrows (a ping)."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}")
    endpoints = WebhookEndpoint.objects.filter(organization_id=organization_id, is_active=True)
    if endpoint_ids is not None:
        endpoints = endpoints.filter(pk__in=endpoint_ids)
    # Filtered here rather than with a JSON lookup: SQLite (embedded mode) has no `contains`.
    wanted = [
        e for e in endpoints.only("pk", "events") if event in e.events or event == WebhookEvent.PING
    ]
    if not wanted:
        return []
    event_id = uuid.uuid4()
    envelope = {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "organization": str(organization_id),
        "data": payload,
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            organization_id=organization_id,
            endpoint=endpoint,
            event_id=event_id,
            event=event,
            payload=envelope,
            next_attempt_at=timezone.now() + LOST_TASK_GRACE,
        )
        for endpoint in wanted
    )
    for delivery in deliveries:
        _enqueue(delivery)
    return deliveries


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `ping` event to this endpoint alone, whatever events it chose."""
    if not endpoint.is_active:
        raise InvalidInput(
            {"is_active": ["The endpoint is disabled; turn it back on before pinging it."]}
        )
    deliveries = webhook_event_emit(
        organization_id=endpoint.organization_id,
        event=WebhookEvent.PING,
        payload={"endpoint": str(endpoint.pk)},
        endpoint_ids=[endpoint.pk],
    )
    return deliveries[0]


def _enqueue(delivery: WebhookDelivery) -> None:
    from webhooks.tasks import deliver_webhook

    enqueue_on_commit(deliver_webhook, str(delivery.organization_id), str(delivery.pk))


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_delivery_attempt(*, organization_id: Any, delivery_id: Any) -> WebhookDelivery | None:
    """One attempt, when the delivery is due and not taken by another worker (the claim is a
    conditional UPDATE). Returns the delivery as it ended, or None when not claimed."""
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(
            organization_id=organization_id, pk=delivery_id, status=DeliveryStatus.PENDING
        )
        # The first attempt goes at once; a retry only once its time came.
        .filter(Q(attempts=0) | Q(next_attempt_at__lte=now))
        .update(
            status=DeliveryStatus.SENDING,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            updated_at=now,
        )
    )
    if claimed != 1:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active or endpoint.deleted is not None:
        _finish(delivery, DeliveryStatus.FAILED, error="The endpoint is disabled or deleted.")
        return delivery
    body = delivery_body(delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OneClickTag-Webhooks/1",
        "X-OneClickTag-Event": delivery.event,
        "X-OneClickTag-Delivery": str(delivery.event_id),
        "X-OneClickTag-Signature": signature_header(
            secrets_=live_secrets(endpoint), timestamp=timestamp, body=body
        ),
    }
    try:
        target = target_parse(endpoint.url)
        address = target_resolve(target)[0]
    except TargetUnresolved as error:
        # DNS failing now (an outage, a record not yet published) is a failed attempt like a
        # refused connection: retried with backoff, the name checked again before each.
        _record_failure(delivery, error=error.message, retry=True)
        return delivery
    except TargetRefused as error:
        # Refused by policy: retrying would only knock on the same address again.
        _record_failure(delivery, error=error.message, retry=False)
        return delivery
    result = webhook_post(target=target, address=address, body=body, headers=headers)
    delivery.response_status = result.status
    delivery.response_body = result.body
    delivery.latency_ms = result.latency_ms
    if result.ok:
        _finish(delivery, DeliveryStatus.SUCCEEDED, error="")
        WebhookEndpoint.all_objects.filter(pk=endpoint.pk, failing_since__isnull=False).update(
            failing_since=None
        )
    else:
        _record_failure(delivery, error=result.error, retry=True)
    WEBHOOK_LATENCY.observe(result.latency_ms / 1000)
    logger.info(
        "Webhook delivery attempt",
        extra={
            "delivery_id": str(delivery.pk),
            "webhook_event": delivery.event,
            "delivery_status": delivery.status,
            "response_status": result.status,
        },
    )
    return delivery


def _finish(delivery: WebhookDelivery, status: str, *, error: str) -> None:
    WEBHOOK_DELIVERIES.labels(event=delivery.event, outcome=status).inc()
    delivery.status = status
    delivery.error = error
    delivery.next_attempt_at = None
    if status == DeliveryStatus.SUCCEEDED:
        delivery.delivered_at = timezone.now()
    delivery.save()


def _record_failure(delivery: WebhookDelivery, *, error: str, retry: bool) -> None:
    now = timezone.now()
    if retry and delivery.attempts < MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.PENDING
        delivery.error = error
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(delivery.attempts))
        delivery.save()
        WEBHOOK_DELIVERIES.labels(event=delivery.event, outcome="retrying").inc()
    else:
        _finish(delivery, DeliveryStatus.FAILED, error=error)
    endpoint_id = delivery.endpoint_id
    WebhookEndpoint.all_objects.filter(pk=endpoint_id, failing_since__isnull=True).update(
        failing_since=now
    )
    disabled = WebhookEndpoint.all_objects.filter(
        pk=endpoint_id, is_active=True, failing_since__lte=now - DISABLE_AFTER
    ).update(
        is_active=False,
        disabled_at=now,
        disabled_reason=f"Every delivery failed for {DISABLE_AFTER.days} days; last: {error}"[:500],
        updated_at=now,
    )
    if disabled:
        _endpoint_disabled(delivery)


def _endpoint_disabled(delivery: WebhookDelivery) -> None:
    endpoint = WebhookEndpoint.all_objects.get(pk=delivery.endpoint_id)
    WebhookDelivery.objects.filter(endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, error="The endpoint was disabled.", next_attempt_at=None
    )
    with transaction.atomic():
        audit_record(
            organization=endpoint.organization_id,
            actor=Actor.system_actor("webhooks"),
            action="webhook_endpoint.disable",
            object_type="webhook_endpoint",
            object_id=endpoint.pk,
            after={"is_active": False, "disabled_reason": endpoint.disabled_reason},
        )
    logger.warning(
        "Webhook endpoint disabled",
        extra={"endpoint_id": str(endpoint.pk)},
    )
    organization_email_admins(
        organization_id=endpoint.organization_id,
        subject="OneClickTag disabled a webhook endpoint",
        message=(
            f"Deliveries to {endpoint.url} failed for {DISABLE_AFTER.days} days, so "
            f"OneClickTag stopped sending to it.\n\nLast error: {delivery.error}\n\n"
            "Fix the receiver, then turn the endpoint back on with PATCH "
            f'/api/v1/webhooks/{endpoint.pk}/ {{"is_active": true}} and redeliver what '
            "it missed from GET .../deliveries/."
        ),
    )


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send the same event (same id, same body) again as a new delivery record."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        raise InvalidInput(
            {"endpoint": ["The endpoint is disabled; turn it back on before redelivering."]}
        )
    copy = WebhookDelivery.objects.create(
        organization_id=delivery.organization_id,
        endpoint=endpoint,
        event_id=delivery.event_id,
        event=delivery.event,
        payload=delivery.payload,
        redelivery_of=delivery,
        next_attempt_at=timezone.now() + LOST_TASK_GRACE,
        created_by=actor.user,
    )
    audit_record(
        organization=delivery.organization_id,
        actor=actor,
        action="webhook_delivery.redeliver",
        object_type="webhook_delivery",
        object_id=delivery.pk,
        after={"redelivery": str(copy.pk)},
    )
    _enqueue(copy)
    return copy


def webhook_deliveries_send_due(*, limit: int = SWEEP_BATCH) -> int:
    """Beat: send the deliveries whose retry time came, and take back ones a dead worker held."""
    now = timezone.now()
    WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, last_attempt_at__lt=now - STALE_SENDING
    ).update(status=DeliveryStatus.PENDING, next_attempt_at=now, updated_at=now)
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("organization_id", "pk")[:limit]
    )
    from webhooks.tasks import deliver_webhook

    for organization_id, delivery_id in due:
        deliver_webhook.delay(str(organization_id), str(delivery_id))
    return len(due)
