"""Celery tasks of the trackings app. Thin: each re-fetches by (organization_id, id) inside the
service it calls. Names are explicit so the beat schedule and other processes can refer to them."""

from __future__ import annotations

from celery import Task, shared_task

from oneclicktag.core.context import reset_context, set_context
from oneclicktag.core.exceptions import RateLimited, UpstreamUnavailable
from tenants.actors import Actor
from trackings.digest import digests_send
from trackings.engine import deployment_run, pending_change_plan
from trackings.services.deployments import deployments_sweep
from trackings.services.health_checks import customers_schedule_health_checks
from trackings.services.pending_changes import pending_changes_sweep
from trackings.services.site_checks import customers_schedule_site_checks
from trackings.sitecheck.run import site_check_run

# A plan task that met Google's quota or an outage tries again this many times.
PLAN_RETRIES = 5
PLAN_RETRY_SECONDS = 30.0


@shared_task(name="trackings.run_deployment", acks_late=True, reject_on_worker_lost=True)
def run_deployment(organization_id: str, deployment_id: str) -> None:
    """Run one deployment. Re-delivery after a crash is safe: the engine converges."""
    # Every log line of the run names its organization, like a request's lines do.
    token = set_context(organization_id=str(organization_id))
    try:
        deployment_run(organization_id=organization_id, deployment_id=deployment_id)
    finally:
        reset_context(token)


@shared_task(
    bind=True, name="trackings.plan_pending_change", acks_late=True, max_retries=PLAN_RETRIES
)
def plan_pending_change(self: Task, organization_id: str, change_id: str) -> bool:
    """Make the field-level plan of a pending change (review before publish). Read only at
    Google; a change extended meanwhile is planned by the task its write sent. Google's quota
    or a Google outage: tried again later (then the beat sweep, then the approval, which makes
    the plan itself)."""
    token = set_context(organization_id=str(organization_id))
    try:
        return pending_change_plan(organization_id=organization_id, change_id=change_id)
    except (RateLimited, UpstreamUnavailable) as error:
        raise self.retry(countdown=error.retry_after_seconds or PLAN_RETRY_SECONDS) from error
    finally:
        reset_context(token)


@shared_task(name="trackings.sweep_pending_change_plans")
def sweep_pending_change_plans() -> int:
    """Beat, every minute: pending changes whose plan task was lost get it again."""
    return pending_changes_sweep()


@shared_task(name="trackings.sweep_deployments")
def sweep_deployments() -> int:
    """Beat, every 20 s: re-send deployments whose task was lost or whose worker died."""
    return deployments_sweep()


@shared_task(name="trackings.schedule_health_checks")
def schedule_health_checks() -> int:
    """Beat, every GTM quota window: the health checks that are due, within their quota share."""
    return customers_schedule_health_checks(actor=Actor.system_actor("health-check"))


@shared_task(name="trackings.send_daily_digests")
def send_daily_digests() -> int:
    """Beat, daily: the digest e-mail of each organization with something to report."""
    return digests_send()


@shared_task(name="trackings.run_site_check", acks_late=True, reject_on_worker_lost=True)
def run_site_check(organization_id: str, site_check_id: str) -> None:
    """Run one site check (a headless browser on the customer's pages)."""
    token = set_context(organization_id=str(organization_id))
    try:
        site_check_run(organization_id=organization_id, site_check_id=site_check_id)
    finally:
        reset_context(token)


@shared_task(name="trackings.schedule_site_checks")
def schedule_site_checks() -> int:
    """Beat, hourly: a site check for each customer not checked within SITE_CHECK_INTERVAL_HOURS
    (daily by default), so checks spread over the day instead of all at one hour."""
    return customers_schedule_site_checks(actor=Actor.system_actor("site-check"))
