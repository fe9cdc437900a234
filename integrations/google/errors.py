"""What can go wrong when talking to Google, classified where it happens (see calls.py).

Callers decide by class: transient errors and quota are retried later (quota after
`retry_after_seconds`), permanent errors fail the work with Google's message, and
`GoogleNeedsReconnect` stops every call for the connection until a person reconnects it.

Where a person waits on Google (an API request), `google_errors_as_domain_errors` turns these
into the domain errors at the bottom, which the API's one exception handler answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from oneclicktag.core.exceptions import (
    Conflict,
    RateLimited,
    UpstreamRefused,
    UpstreamUnavailable,
)


class GoogleError(Exception):
    """Base class. `message` is safe to show a client: it never carries tokens."""

    code = "google_error"

    def __init__(self, message: str, *, status: int | None = None, api: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.api = api

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


class TransientGoogleError(GoogleError):
    """5xx, timeouts, connection resets: the same call may succeed later."""

    code = "google_transient"


class GoogleQuotaExceeded(GoogleError):
    """Our bucket or Google said "not now". Reschedule after `retry_after_seconds`."""

    code = "google_quota_exceeded"

    def __init__(
        self,
        message: str,
        *,
        retry_after_seconds: float,
        status: int | None = None,
        api: str = "",
        daily: bool = False,
    ) -> None:
        super().__init__(message, status=status, api=api)
        self.retry_after_seconds = max(0.0, float(retry_after_seconds))
        self.daily = daily


class PermanentGoogleError(GoogleError):
    """Google refused the request itself (4xx other than quota/auth): retrying will not help."""

    code = "google_permanent"


class GoogleInsufficientPermission(PermanentGoogleError):
    """403 PERMISSION_DENIED (`forbidden`): the connected Google account lacks a permission on
    the resource (e.g. Publish on a GTM container). A person must grant it; retrying cannot."""

    code = "google_insufficient_permission"


class GoogleNeedsReconnect(GoogleError):
    """The grant is gone (revoked, expired refresh token, 401): a person must reconnect."""

    code = "google_needs_reconnect"


class GtmFingerprintConflict(GoogleError):
    """An update carried a stale fingerprint (409 or 412): read, merge and write again."""

    code = "gtm_fingerprint_conflict"


class GtmMergeConflict(GoogleError):
    """The workspace has merge conflicts after sync; no version can be created."""

    code = "gtm_merge_conflict"

    def __init__(self, message: str, *, conflicts: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, status=409, api="gtm")
        self.conflicts = conflicts or []


class GtmCompilerError(GoogleError):
    """create_version answered 200 with compilerError: true and created nothing."""

    code = "gtm_compiler_error"

    def __init__(self, message: str, *, response: dict[str, Any] | None = None) -> None:
        super().__init__(message, status=200, api="gtm")
        self.response = response or {}


# What a person waiting on Google is told (codes as in API.md).


class GoogleNotConnected(Conflict):
    default_message = "Connect this customer's Google account and choose a GTM container first."
    default_code = "google_not_connected"


class GoogleReconnectRequired(Conflict):
    default_message = "The Google connection must be reconnected."
    default_code = "google_needs_reconnect"


class GoogleUnavailable(UpstreamUnavailable):
    default_message = "Google is unavailable right now; try again shortly."
    default_code = "google_unavailable"


class GoogleRefused(UpstreamRefused):
    default_message = "Google refused the request."
    default_code = "google_error"


@contextmanager
def google_errors_as_domain_errors() -> Iterator[None]:
    try:
        yield
    except GoogleQuotaExceeded as exc:
        raise RateLimited(exc.message, retry_after_seconds=exc.retry_after_seconds) from exc
    except GoogleNeedsReconnect as exc:
        raise GoogleReconnectRequired(exc.message) from exc
    except TransientGoogleError as exc:
        raise GoogleUnavailable() from exc
    except GoogleError as exc:
        raise GoogleRefused(exc.message) from exc
