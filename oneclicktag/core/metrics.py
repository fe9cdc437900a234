"""Prometheus metrics every process records (web, workers, beat), served at `/metrics`.

With `PROMETHEUS_MULTIPROC_DIR` set in the environment of every process (before it starts),
prometheus_client keeps the values in files there and `/metrics` adds up all processes: the
workers' deployments and Google calls show on the web's page. Without it (tests, one process)
each process only sees its own. Counters and histograms only: they add up across processes.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

NAMESPACE = "oneclicktag"

HTTP_REQUESTS = Counter(
    "http_requests",
    "API requests by route (the URL pattern, not the path), method and status.",
    ["route", "method", "status"],
    namespace=NAMESPACE,
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request, by route and method.",
    ["route", "method"],
    namespace=NAMESPACE,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DEPLOYMENTS = Counter(
    "deployments",
    "Deployments that ended, by kind (deploy, remove, repair, check, rollback) and outcome.",
    ["kind", "outcome"],
    namespace=NAMESPACE,
)
DEPLOYMENT_DURATION = Histogram(
    "deployment_duration_seconds",
    "From a deployment's start to its end, by kind.",
    ["kind"],
    namespace=NAMESPACE,
    buckets=(1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
GOOGLE_CALLS = Counter(
    "google_calls",
    "Calls to Google APIs by API (gtm, ads, ga4, oauth), method and outcome.",
    ["api", "method", "outcome"],
    namespace=NAMESPACE,
)
QUOTA_WAITS = Counter(
    "quota_waits",
    "Times work was put off because our quota bucket was empty, by API and scope "
    "(window or daily).",
    ["api", "scope"],
    namespace=NAMESPACE,
)
QUOTA_WAIT_SECONDS = Histogram(
    "quota_wait_seconds",
    "How long work was put off by the quota bucket.",
    ["api"],
    namespace=NAMESPACE,
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600, 86400),
)
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries",
    "Webhook delivery attempts by event and outcome (succeeded, retrying, failed).",
    ["event", "outcome"],
    namespace=NAMESPACE,
)
WEBHOOK_LATENCY = Histogram(
    "webhook_delivery_duration_seconds",
    "Time receivers took to answer a delivery.",
    namespace=NAMESPACE,
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
