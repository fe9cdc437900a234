"""The Django admin's site, with failed logins throttled per client address, and an index that
shows what is failing now.

Staff passwords are the weakest credential the product accepts: after `admin_login` failed
attempts from one address (see NUM_PROXIES for what an address is) the login form answers 429
until the window turns, the right password included; other addresses are not affected.

The index's "Failing now" block is filled by the apps above core (core cannot import them):
each app's admin module calls `add_index_alerts` with a function returning its counts, each
linking to the changelist filtered to exactly those rows. Staff see every organization. Below
it, panels the apps add the same way (`add_index_panel`): server-rendered HTML, no script.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString

from oneclicktag.core.throttling import AuthFailureThrottle


class AdminLoginThrottle(AuthFailureThrottle):
    scope = "admin_login"


@dataclass(frozen=True)
class IndexAlert:
    label: str
    count: int
    url: str


IndexAlerts = Callable[[], list[IndexAlert]]
_index_alerts: list[IndexAlerts] = []


def add_index_alerts(alerts: IndexAlerts) -> None:
    """Register an app's counts for the admin index (called once, from the app's admin.py)."""
    _index_alerts.append(alerts)


@dataclass(frozen=True)
class IndexPanel:
    id: str
    title: str
    html: SafeString


_index_panels: list[Callable[[], IndexPanel]] = []


def add_index_panel(panel: Callable[[], IndexPanel]) -> None:
    """Register a panel of the admin index (called once, from the app's admin.py). It renders
    on every visit: keep its queries bounded (one or two, whatever the data)."""
    _index_panels.append(panel)


class ThrottledAdminSite(AdminSite):
    index_template = "admin/oneclicktag_index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        alerts = [alert for source in _index_alerts for alert in source()]
        panels = [panel() for panel in _index_panels]
        return super().index(
            request, {**(extra_context or {}), "failing_now": alerts, "index_panels": panels}
        )

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if request.method != "POST":
            return super().login(request, extra_context)
        throttle = AdminLoginThrottle()
        wait = throttle.blocked_for(request)  # type: ignore[arg-type]
        if wait is not None:
            return HttpResponse(
                "Too many failed sign-in attempts from this address; try again later.",
                status=429,
                content_type="text/plain",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        response = super().login(request, extra_context)
        if not request.user.is_authenticated:
            throttle.record_failure(request)  # type: ignore[arg-type]
        return response


class ThrottledAdminConfig(AdminConfig):
    default_site = "oneclicktag.core.admin_site.ThrottledAdminSite"
