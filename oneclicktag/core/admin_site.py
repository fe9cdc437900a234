"""The Django admin's site, with failed logins throttled per client address, and an index that
shows what is failing now.

Staff passwords are the weakest credential the product accepts: after `admin_login` failed
attempts from one address (see NUM_PROXIES for what an address is) the login form answers 429
until the window turns, the right password included; other addresses are not affected.

The index's "Failing now" block is filled by the apps above core (core cannot import them):
each app's admin module calls `add_index_alerts` with a function returning its counts, each
linking to the changelist filtered to exactly those rows. Staff see every organization.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

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


class ThrottledAdminSite(AdminSite):
    index_template = "admin/oneclicktag_index.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        alerts = [alert for source in _index_alerts for alert in source()]
        return super().index(request, {**(extra_context or {}), "failing_now": alerts})

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
