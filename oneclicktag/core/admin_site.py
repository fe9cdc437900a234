"""The Django admin's site, with failed logins throttled per client address.

Staff passwords are the weakest credential the product accepts: after `admin_login` failed
attempts from one address (see NUM_PROXIES for what an address is) the login form answers 429
until the window turns, the right password included; other addresses are not affected.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from oneclicktag.core.throttling import AuthFailureThrottle


class AdminLoginThrottle(AuthFailureThrottle):
    scope = "admin_login"


class ThrottledAdminSite(AdminSite):
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
