"""`/metrics`: Prometheus text of every process's counters (see oneclicktag.core.metrics) plus
gauges read from the database and the broker when scraped (trackings by status, deployments
waiting or running, customers needing a reconnect, webhook deliveries waiting, queue depth)."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from customers.models import ConnectionStatus, GoogleConnection
from trackings.models import RUNNING_STATUSES, Deployment, DeploymentStatus, Tracking
from webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)

CELERY_QUEUES = ("celery", "webhooks", "site_checks")
# kombu's Redis transport keeps each priority of a queue in its own list: "<queue>",
# "<queue>\x06\x163", "\x06\x166", "\x06\x169" (its default priority steps).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class StateCollector(Collector):
    def describe(self) -> Iterator[Metric]:
        # Registering would otherwise call collect() to learn the names: database queries at
        # import time (before `migrate` has made the tables).
        return iter(())

    def collect(self) -> Iterator[Metric]:
        trackings = GaugeMetricFamily(
            "oneclicktag_trackings", "Trackings (not deleted) by status.", labels=["status"]
        )
        for row in Tracking.objects.values("status").annotate(n=Count("id")).order_by():
            trackings.add_metric([row["status"]], row["n"])
        yield trackings

        health = GaugeMetricFamily(
            "oneclicktag_trackings_health", "Trackings (not deleted) by health.", labels=["health"]
        )
        for by_health in Tracking.objects.values("health").annotate(n=Count("id")).order_by():
            health.add_metric([by_health["health"]], by_health["n"])
        yield health

        deployments = GaugeMetricFamily(
            "oneclicktag_deployments_open",
            "Deployments queued or running, by status.",
            labels=["status"],
        )
        open_statuses = (DeploymentStatus.QUEUED, *RUNNING_STATUSES)
        counts = dict(
            Deployment.objects.filter(status__in=open_statuses)
            .values_list("status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for status in open_statuses:
            deployments.add_metric([str(status)], counts.get(status, 0))
        yield deployments

        yield GaugeMetricFamily(
            "oneclicktag_google_connections_needing_reconnect",
            "Customers whose Google grant was refused and who must reconnect.",
            value=GoogleConnection.objects.filter(status=ConnectionStatus.NEEDS_RECONNECT).count(),
        )
        yield GaugeMetricFamily(
            "oneclicktag_webhook_deliveries_waiting",
            "Webhook deliveries waiting for their first attempt or a retry.",
            value=WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count(),
        )

        depth = queue_depths()
        if depth is not None:
            queues = GaugeMetricFamily(
                "oneclicktag_queue_depth",
                "Tasks waiting in the broker, by queue.",
                labels=["queue"],
            )
            for queue, length in depth.items():
                queues.add_metric([queue], length)
            yield queues


def queue_depths() -> dict[str, int] | None:
    """Messages waiting per Celery queue: Redis lists, or the embedded filesystem broker's
    message files (None when the broker cannot be read)."""
    if not settings.REDIS_URL:
        return _filesystem_queue_depths()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        return {
            queue: sum(int(client.llen(queue + suffix)) for suffix in _PRIORITY_SUFFIXES)
            for queue in CELERY_QUEUES
        }
    except redis.RedisError:
        logger.warning("Could not read the broker's queue depth")
        return None


def _filesystem_queue_depths() -> dict[str, int] | None:
    """kombu's filesystem transport keeps each waiting message as `<stamp>_<id>.<queue>.msg`
    in its in-folder; a worker moves the file out when it takes the message."""
    folder = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("data_folder_in")
    if not folder:
        return None
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        logger.warning("Could not read the broker's queue depth")
        return None
    queues = [name.partition(".")[2] for name in names]
    return {queue: queues.count(f"{queue}.msg") for queue in CELERY_QUEUES}


_STATE = StateCollector()
REGISTRY.register(_STATE)


def metrics_registry() -> CollectorRegistry:
    """Every process's values when they share PROMETHEUS_MULTIPROC_DIR; else this process's."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    registry.register(_STATE)
    return registry


def _authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    sent = request.headers.get("Authorization", "")
    scheme, _, value = sent.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if settings.METRICS_REQUIRE_TOKEN and not settings.METRICS_TOKEN:
        # Production without a token: as if the page did not exist.
        return HttpResponse(status=404)
    if not _authorized(request):
        response = HttpResponse("A valid metrics token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
