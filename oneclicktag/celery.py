"""The Celery app. Tasks live in each app's tasks.py; the beat schedule is defined here in code."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneclicktag.settings")

app = Celery("oneclicktag")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Scheduled work. Each entry names a task by its explicit name (see the tasks modules).
app.conf.beat_schedule = {
    "purge-idempotency-records": {
        "task": "core.purge_idempotency_records",
        "schedule": 3600.0,
    },
    # Deployments whose task was lost (broker restart) or whose worker died mid-run.
    "sweep-deployments": {
        "task": "trackings.sweep_deployments",
        # With heartbeats stale after 40 s, a dead worker's deployment moves on within a minute.
        "schedule": 20.0,
    },
    # Pending changes (review before publish) whose plan task was lost get it sent again.
    "sweep-pending-change-plans": {
        "task": "trackings.sweep_pending_change_plans",
        "schedule": 60.0,
    },
    # Drift detection: live GTM and Ads compared with the desired state, each customer at its
    # own interval; looked at every GTM quota window (100 s), whose share of checks it fills.
    "schedule-health-checks": {
        "task": "trackings.schedule_health_checks",
        "schedule": 100.0,
    },
    # The customer's own pages in a headless browser: snippet, selectors, events. Each customer
    # is checked once per SITE_CHECK_INTERVAL_HOURS (default daily); asking hourly spreads them.
    "schedule-site-checks": {
        "task": "trackings.schedule_site_checks",
        "schedule": 3600.0,
    },
    # Daily numbers per tracking (yesterday and today) and the silence alarm.
    "pull-stats": {
        "task": "stats.pull_all",
        "schedule": 3 * 3600.0,
    },
    "prune-stats": {
        "task": "stats.prune",
        "schedule": 24 * 3600.0,
    },
    # OAuth attempts (state + PKCE verifier) expire after ten minutes.
    # The daily e-mail digest of failures and drift (owners and admins who did not opt out).
    "send-daily-digests": {
        "task": "trackings.send_daily_digests",
        "schedule": 24 * 3600.0,
    },
    # Webhook deliveries whose retry time came (exponential backoff, see webhooks.services).
    "send-due-webhook-deliveries": {
        "task": "webhooks.send_due_deliveries",
        "schedule": 30.0,
    },
    "purge-oauth-attempts": {
        "task": "integrations.purge_oauth_attempts",
        "schedule": 3600.0,
    },
}
