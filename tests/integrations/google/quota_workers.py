"""Worker processes for the quota concurrency tests (forked, as prefork Celery workers are).

Each one sets Django up as a Celery worker would, says it is ready, waits for the common start,
then calls GTM through the real wrapper (GtmClient -> `google_call`) as fast as the bucket lets
it, recording when each call was sent. A refusal is handled like a rescheduled task: come back
after `retry_after_seconds` plus `retry_slack` (capped by `max_pause`, which lets a "backlog"
tenant hammer).
"""

from __future__ import annotations

import os
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any


def run(job: dict[str, Any], ready: Queue[str], go: Event, results: Queue[dict[str, Any]]) -> None:
    os.environ.update(job["env"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneclicktag.settings")
    import django

    django.setup()
    from django.test.utils import override_settings
    from google.oauth2.credentials import Credentials

    from integrations.google.calls import CallContext, CallCounter
    from integrations.google.clients import _discovery_service
    from integrations.google.errors import GoogleError, GoogleQuotaExceeded
    from integrations.google.gtm_client import GtmClient

    override_settings(**job["overrides"]).enable()
    sent: list[float] = []
    credentials = Credentials(token=job["access_token"])
    service = _discovery_service("tagmanager", "v2", credentials)
    context = CallContext(counter=CallCounter(organization_id=job["organization_id"]))
    client = GtmClient(service, context)

    authorize = credentials.before_request

    def record_send(request: Any, method: str, url: str, headers: Any) -> None:
        sent.append(time.time())
        authorize(request, method, url, headers)

    # The moment the HTTP request leaves (after the bucket granted the token).
    credentials.before_request = record_send  # type: ignore[method-assign]
    ready.put(job["organization_id"])
    go.wait()
    time.sleep(job.get("delay", 0.0))
    started = time.time()
    stop_at = started + job["duration"]
    refusals = 0
    errors: list[str] = []
    while time.time() < stop_at and len(sent) < job["max_calls"]:
        try:
            client.list_accounts()
        except GoogleQuotaExceeded as refused:
            refusals += 1
            # `retry_slack`: a rescheduled task never comes back to the millisecond.
            pause = min(
                refused.retry_after_seconds + job.get("retry_slack", 0.0),
                job["max_pause"],
                stop_at - time.time(),
            )
            time.sleep(max(0.0, pause))
        except GoogleError as failed:  # reported to the test, which fails on any
            errors.append(f"{type(failed).__name__}: {failed.message}")
            break
    results.put(
        {
            "organization_id": job["organization_id"],
            "started": started,
            "sent": sent,
            "refusals": refusals,
            "errors": errors,
        }
    )
