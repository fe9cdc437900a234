"""What one run of a deployment carries around: the rows it works on, the Google clients, and
the small writes that report progress (each one doubles as the run's heartbeat)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils import timezone

from customers.models import Customer, GoogleConnection
from integrations.google.errors import TransientGoogleError
from trackings.lifecycle import deployment_move
from trackings.models import Deployment

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A 5xx or a timeout is retried in place a few times before the deployment is rescheduled:
# every step is safe to repeat (see the callers), and restarting the whole run would spend
# the scarce GTM quota on calls that already succeeded.
STEP_ATTEMPTS = 5
STEP_BACKOFF_SECONDS = 0.2
STEP_BACKOFF_MAX_SECONDS = 2.0


class DeploymentFailed(Exception):
    """Stops a run with an error a person can act on (stored as the deployment's error)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        entity_names: tuple[str, ...] = (),
        reason: str = "",
        release_trackings: bool = False,
        reopen_review: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        # The GTM entities Google blamed, when it said (compiler errors).
        self.entity_names = entity_names
        # What went wrong without what it meant for the deployment (for per-tracking errors).
        self.reason = reason or message
        # Nothing is wrong with the trackings (review before publish refused the run): they go
        # back to pending instead of failed.
        self.release_trackings = release_trackings
        # The approved change could not be published as reviewed: it waits for review again.
        self.reopen_review = reopen_review


@dataclass
class RunContext:
    deployment: Deployment
    customer: Customer
    connection: GoogleConnection
    clients: Any
    # Calls made by earlier attempts of the same deployment (a rescheduled run adds to them).
    previous_calls: dict[str, int] = field(default_factory=dict)
    # Under review: the live GTM version the approved plan was made against (trackings.engine
    # .review); the GTM step publishes over no other. None: any.
    expected_live_version_id: str | None = None

    @property
    def container_path(self) -> str:
        return (
            f"accounts/{self.connection.gtm_account_id}"
            f"/containers/{self.connection.gtm_container_id}"
        )

    @property
    def ads_customer_id(self) -> str:
        return (
            self.connection.ads_conversion_customer_id or self.connection.ads_customer_id
        ).replace("-", "")

    def calls(self) -> dict[str, int]:
        current = self.clients.calls if self.clients is not None else {}
        return {
            api: int(self.previous_calls.get(api, 0)) + int(current.get(api, 0))
            for api in ("gtm", "ads", "ga4")
        }

    def report(self, **changes: Any) -> None:
        """Store progress fields on the deployment, plus the calls made so far."""
        self._write(self._honest_progress(changes))

    def move(self, status: str, **changes: Any) -> None:
        """Move the deployment on to `status` (see trackings.lifecycle), with progress fields."""
        changes = self._honest_progress(changes)
        self.deployment.google_calls = self.calls()
        deployment_move(
            self.deployment,
            status,
            **changes,
            google_calls=self.deployment.google_calls,
            updated_at=timezone.now(),
        )

    def _honest_progress(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Progress is honest across reruns: `total` is fixed by the first plan (a later attempt
        that re-plans does not move it) and `done` never goes back."""
        deployment = self.deployment
        if "progress_total" in changes and deployment.progress_total:
            changes["progress_total"] = deployment.progress_total
        if "progress_done" in changes:
            total = changes.get("progress_total", deployment.progress_total)
            done = max(int(changes["progress_done"]), deployment.progress_done)
            changes["progress_done"] = min(done, total) if total else done
        return changes

    def _write(self, changes: dict[str, Any]) -> None:
        deployment = self.deployment
        for name, value in changes.items():
            setattr(deployment, name, value)
        deployment.google_calls = self.calls()
        deployment.updated_at = timezone.now()
        Deployment.objects.filter(
            pk=deployment.pk, organization_id=deployment.organization_id
        ).update(**changes, google_calls=deployment.google_calls, updated_at=deployment.updated_at)

    def advance(self, steps: int = 1) -> None:
        done = min(self.deployment.progress_done + steps, self.deployment.progress_total)
        self.report(progress_done=done)


def with_retries(step: str, call: Callable[[], T], *, attempts: int = STEP_ATTEMPTS) -> T:
    """Run a step that is safe to repeat, retrying transient Google errors a few times."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except TransientGoogleError:
            if attempt == attempts:
                raise
            logger.info(
                "Retrying a transient Google error", extra={"step": step, "attempt": attempt}
            )
            time.sleep(min(STEP_BACKOFF_SECONDS * 2 ** (attempt - 1), STEP_BACKOFF_MAX_SECONDS))
    raise AssertionError("unreachable")


def with_retries_create(
    step: str,
    create: Callable[[], T],
    *,
    find: Callable[[], T | None],
    attempts: int = STEP_ATTEMPTS,
) -> T:
    """A create retried like `with_retries`, for APIs without request ids: a transient error may
    be a lost answer (Google made the resource, then the reply failed), so every retry first
    looks for what the failed try may have made (`find`) and creates only when it is absent.
    Without the look, the retry would meet its own resource as ALREADY_EXISTS (or make a twin)."""
    lost = False

    def attempt() -> T:
        nonlocal lost
        if lost:
            found = find()
            if found is not None:
                return found
        try:
            return create()
        except TransientGoogleError:
            lost = True
            raise

    return with_retries(step, attempt, attempts=attempts)
