"""One site check of a customer: plan the pages (database reads), browse them (the browser, no
database), record the verdicts (database writes, through trackings.lifecycle)."""

from __future__ import annotations

import logging
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer, GoogleConnection
from trackings import lifecycle
from trackings.catalog import config_with_defaults
from trackings.compiler import compile_container
from trackings.compiler.types import ContainerSpec, DesiredContainer
from trackings.desired import tracking_spec
from trackings.models import WANTED_STATUSES, SiteCheck, SiteScreenshot, SiteStatus, Tracking
from trackings.sitecheck.egress import EgressGate
from trackings.sitecheck.pages import PageReport, Probe, check_page, sandbox_browser
from trackings.sitecheck.policy import site_check_policy
from trackings.sitecheck.rules import listener_scripts, sandbox_rule
from webhooks.targets import TargetRefused, target_parse, target_resolve

logger = logging.getLogger(__name__)

# Compiling needs a GA4 id for GA4 tags; the triggers the sandbox reads do not depend on it.
_PLACEHOLDER_MEASUREMENT_ID = "G-SITECHECK"
_SINGLE_PAGE_OPERATORS = ("equals", "starts_with")


@dataclass
class PagePlan:
    url: str
    probes: list[Probe] = field(default_factory=list)


@dataclass
class CheckPlan:
    container_id: str
    listeners: list[str]
    pages: list[PagePlan]
    # Trackings not checked because the check's page limit was reached.
    skipped: list[UUID] = field(default_factory=list)


def site_check_run(*, organization_id: Any, site_check_id: Any) -> SiteCheck | None:
    """Run a queued site check (a second delivery of the task finds it claimed and stops)."""
    check = (
        SiteCheck.objects.filter(organization_id=organization_id, pk=site_check_id)
        .select_related("customer")
        .first()
    )
    if check is None or not lifecycle.site_check_claim(check, now=timezone.now()):
        return check
    plan = site_check_plan(check.customer)
    if not Path(settings.SITE_CHECK_CHROMIUM).exists() and not shutil.which(
        settings.SITE_CHECK_CHROMIUM
    ):
        lifecycle.site_check_finish(
            check,
            succeeded=False,
            now=timezone.now(),
            error_message=f"No browser at {settings.SITE_CHECK_CHROMIUM} (SITE_CHECK_CHROMIUM).",
        )
        return check
    from playwright.sync_api import Error as PlaywrightError

    try:
        reports = site_check_browse(plan)
    except (PlaywrightError, OSError) as error:
        # The browser itself failed (it would not start, it crashed): the trackings keep the
        # verdicts they had; the check says why it has none.
        logger.warning("Site check %s: the browser failed", check.pk, exc_info=error)
        lifecycle.site_check_finish(
            check,
            succeeded=False,
            now=timezone.now(),
            error_message=f"The browser failed: {str(error).splitlines()[0][:300]}",
        )
        return check
    site_check_record(check, plan, reports)
    return check


def site_check_plan(customer: Customer) -> CheckPlan:
    """Which pages to load and what to look for on each, from the customer's wanted trackings."""
    connection = GoogleConnection.objects.filter(
        organization_id=customer.organization_id, customer=customer
    ).first()
    container_id = connection.gtm_public_id if connection else ""
    trackings = list(
        Tracking.objects.filter(
            organization_id=customer.organization_id,
            customer=customer,
            status__in=WANTED_STATUSES,
        ).order_by("created_at", "id")
    )
    desired = _compile(customer, container_id, connection, trackings)
    pages: dict[str, PagePlan] = {}
    skipped: list[UUID] = []
    for tracking in trackings:
        try:
            config = config_with_defaults(tracking.type, tracking.config or {})
        except (KeyError, ValueError):
            config = dict(tracking.config or {})
        url, whole_page, note = page_url_for(customer.website_url, config)
        if url not in pages and len(pages) >= settings.SITE_CHECK_MAX_PAGES:
            skipped.append(tracking.pk)
            continue
        selector = config.get("selector") if isinstance(config.get("selector"), str) else None
        probe = Probe(
            tracking_id=tracking.pk,
            selector=selector,
            rule=sandbox_rule(desired, tracking.pk, config, whole_page=whole_page),
            note=note,
        )
        pages.setdefault(url, PagePlan(url=url)).probes.append(probe)
    return CheckPlan(
        container_id=container_id,
        listeners=listener_scripts(desired),
        pages=list(pages.values()),
        skipped=skipped,
    )


def page_url_for(website_url: str, config: dict[str, Any]) -> tuple[str, bool, str]:
    """The page a tracking is checked on: its own when its page condition names one (`equals`
    or `starts_with` a path), else the website's. True when the condition had to be left out."""
    page = config.get("page")
    if not isinstance(page, dict):
        return website_url, False, ""
    value = str(page.get("value", ""))
    if page.get("operator") in _SINGLE_PAGE_OPERATORS and value.startswith("/"):
        origin = urlsplit(website_url)
        return urljoin(f"{origin.scheme}://{origin.netloc}/", value), False, ""
    return (
        website_url,
        True,
        f"Its page condition ({page.get('operator')} {value}) names no single page: checked on "
        "the website's page without it.",
    )


def site_check_browse(plan: CheckPlan) -> list[PageReport]:
    """Every page of the plan in one sandboxed browser. No database in here (see pages.py)."""
    policy = site_check_policy()
    reports: list[PageReport] = []
    loadable: list[PagePlan] = []
    for page in plan.pages:
        try:
            target_resolve(target_parse(page.url, policy), policy)
        except TargetRefused as refused:
            reports.append(_refused(page, refused.message))
        else:
            loadable.append(page)
    if not loadable:
        return reports
    with (
        EgressGate(
            policy=policy,
            byte_budget=settings.SITE_CHECK_MAX_PAGE_BYTES,
            timeout=settings.SITE_CHECK_PAGE_TIMEOUT_SECONDS,
        ) as gate,
        sandbox_browser(gate) as browser,
    ):
        for page in loadable:
            reports.append(
                check_page(
                    browser,
                    gate,
                    url=page.url,
                    container_id=plan.container_id,
                    probes=page.probes,
                    listeners=plan.listeners,
                )
            )
    return reports


def _refused(page: PagePlan, message: str) -> PageReport:
    from trackings.sitecheck.pages import Finding

    report = PageReport(url=page.url, error=f"Refused: {message}", refused=[page.url])
    for probe in page.probes:
        report.findings[probe.tracking_id] = Finding(
            verdict=SiteStatus.UNREACHABLE, message=report.error
        )
    return report


def site_check_record(check: SiteCheck, plan: CheckPlan, reports: list[PageReport]) -> None:
    now = timezone.now()
    verdicts: dict[Any, tuple[str, dict[str, Any]]] = {}
    screenshots: dict[Any, tuple[bytes, int, int] | None] = {}
    for report in reports:
        for tracking_id, finding in report.findings.items():
            verdicts[tracking_id] = (
                finding.verdict,
                {
                    "page_url": report.url,
                    "message": finding.message,
                    "matched": finding.matched,
                    "match_count": finding.match_count,
                    "event": finding.event,
                    "site_check": str(check.pk),
                },
            )
            screenshots[tracking_id] = (
                (finding.screenshot, *finding.screenshot_size) if finding.screenshot else None
            )
    summary = dict(Counter(str(status) for status, _ in verdicts.values()))
    if plan.skipped:
        summary["skipped"] = len(plan.skipped)
    with transaction.atomic():
        lifecycle.trackings_record_site_check(verdicts=verdicts, site_check_id=check.pk, now=now)
        _keep_screenshots(check, screenshots)
        lifecycle.site_check_finish(
            check,
            succeeded=True,
            now=now,
            pages=[report.as_json() for report in reports],
            summary=summary,
        )


def _keep_screenshots(check: SiteCheck, shots: dict[Any, tuple[bytes, int, int] | None]) -> None:
    present = set(Tracking.objects.filter(pk__in=list(shots)).values_list("pk", flat=True))
    gone = [pk for pk, shot in shots.items() if shot is None]
    SiteScreenshot.objects.filter(
        organization_id=check.organization_id, tracking_id__in=gone
    ).delete()
    for pk, shot in shots.items():
        if shot is None or pk not in present:
            continue
        image, width, height = shot
        SiteScreenshot.objects.update_or_create(
            tracking_id=pk,
            defaults={
                "organization_id": check.organization_id,
                "site_check": check,
                "image": image,
                "width": width,
                "height": height,
            },
        )


def _compile(
    customer: Customer,
    container_id: str,
    connection: GoogleConnection | None,
    trackings: list[Tracking],
) -> DesiredContainer:
    """The customer's container as the engine would compile it; a tracking that does not
    compile is left out (the deployment reports it), the others are still checked."""
    container = ContainerSpec(
        measurement_id=(connection.ga4_measurement_id if connection else "")
        or _PLACEHOLDER_MEASUREMENT_ID,
        ads_conversion_id=None,
        public_id=container_id,
        owner=str(customer.pk),
    )
    specs = [tracking_spec(t) for t in trackings]
    try:
        return compile_container(specs, container)
    except (ValueError, KeyError, TypeError):
        good = []
        for spec in specs:
            try:
                compile_container([spec], container)
            except (ValueError, KeyError, TypeError):
                logger.info("Site check: tracking %s does not compile", spec.id)
            else:
                good.append(spec)
        return compile_container(good, container)
