"""Rate limits on the shared cache (Redis outside embedded mode).

Authenticated callers are limited per API key or per user; failed authentication is limited
per client address, much more strictly, so guessing keys or tokens is slow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from oneclicktag.core.credentials import credential_id

if TYPE_CHECKING:
    from rest_framework.views import APIView


class UserOrKeyRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        credential = credential_id(request)
        if credential is not None:
            ident = f"key:{credential}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthFailureThrottle(SimpleRateThrottle):
    """Counted by the authentication classes on every rejected credential."""

    scope = "auth_failure"
    duration: int
    num_requests: int

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request: Request) -> float | None:
        """Seconds until this address may try again, or None when it is not blocked.
        Does not count a new failure."""
        key = self.get_cache_key(request, None)
        if key is None:
            return None
        now = self.timer()
        recent = [stamp for stamp in self.cache.get(key, []) if stamp > now - self.duration]
        if len(recent) < self.num_requests:
            return None
        # The oldest failure in the window has to age out before the next attempt counts.
        return max(1.0, min(recent) + self.duration - now)

    def is_blocked(self, request: Request) -> bool:
        return self.blocked_for(request) is not None

    def record_failure(self, request: Request) -> None:
        self.allow_request(request, None)  # type: ignore[arg-type]
