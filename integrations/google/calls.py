"""The one wrapper every Google call goes through (GTM, Ads, GA4 and OAuth).

`google_call` applies, in order: the reconnect guard (a connection that lost its grant never calls
Google again), the GTM quota bucket (GTM only; refuses at once with a retry time, never sleeps),
the call itself, error classification where it happens, and counting per organization and per
deployment. Timeouts are set on the transports (httplib2, requests, gRPC deadlines) by the clients.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import grpc
import httplib2
import requests
from django.conf import settings
from django.core.cache import cache
from google.ads.googleads.errors import GoogleAdsException
from google.api_core import exceptions as api_core_exceptions
from google.auth import exceptions as auth_exceptions
from googleapiclient.errors import HttpError

from integrations.google import quota
from integrations.google.errors import (
    GoogleError,
    GoogleInsufficientPermission,
    GoogleNeedsReconnect,
    GoogleQuotaExceeded,
    GtmFingerprintConflict,
    PermanentGoogleError,
    TransientGoogleError,
)
from oneclicktag.core.infrastructure import CACHE_ERRORS
from oneclicktag.core.metrics import GOOGLE_CALLS

logger = logging.getLogger(__name__)

T = TypeVar("T")

APIS = ("gtm", "ads", "ga4", "oauth")
QUOTA_REASONS = {
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "dailyLimitExceeded",
}
# When Google says "too many" without a Retry-After, wait about one token's worth of window.
DEFAULT_QUOTA_RETRY_SECONDS = 10.0
# Organization tallies are kept for a few days: enough for staff to look at yesterday.
ORGANIZATION_TALLY_TTL_SECONDS = 3 * 24 * 3600


# Calls per quota window, every organization together: the admin index shows the last hour.
WINDOW_TALLY_TTL_SECONDS = 2 * 3600
WINDOWS_SHOWN_SECONDS = 3600


def organization_tally_key(organization_id: str, api: str, day: date) -> str:
    return f"google-calls:{organization_id}:{day.isoformat()}:{api}"


def window_tally_key(api: str, window: int) -> str:
    """Per Google Cloud project, like the quota. `window`: the window's number since the epoch
    (its start over the window's length)."""
    return f"google-calls-window:{settings.GOOGLE_CLOUD_PROJECT}:{api}:{window}"


def _window_seconds() -> float:
    return quota.quota_limits().window_seconds


def _count(key: str, ttl: int, *, api: str) -> None:
    """One more in the shared cache. Informational: with the cache down the call still
    happened and the deployment goes on (issue 13: a failed tally write failed it)."""
    try:
        # add() then incr() is atomic on Redis; a lost count in the file cache is harmless.
        cache.add(key, 0, ttl)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, ttl)
    except CACHE_ERRORS as exc:
        logger.warning(
            "Google call tally not counted: cache unavailable",
            extra={"api": api, "error": type(exc).__name__},
        )


@dataclass
class CallCounter:
    """Calls made for one organization (and, when set, one deployment).

    The per-deployment numbers live on the instance (the engine stores `as_dict()` on the
    Deployment); the per-organization daily tally is kept in the shared cache.
    """

    organization_id: str | None = None
    deployment_id: str | None = None
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APIS, 0))
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APIS, 0))

    def record(self, api: str, *, error: bool) -> None:
        self.calls[api] = self.calls.get(api, 0) + 1
        if error:
            self.errors[api] = self.errors.get(api, 0) + 1
        if self.organization_id:
            key = organization_tally_key(self.organization_id, api, date.today())
            _count(key, ORGANIZATION_TALLY_TTL_SECONDS, api=api)
        window = int(time.time() // _window_seconds())
        _count(window_tally_key(api, window), WINDOW_TALLY_TTL_SECONDS, api=api)

    def as_dict(self) -> dict[str, int]:
        return {"gtm": self.calls["gtm"], "ads": self.calls["ads"], "ga4": self.calls["ga4"]}


def organization_calls_today(organization_id: str) -> dict[str, int]:
    today = date.today()
    return {
        api: int(cache.get(organization_tally_key(organization_id, api, today)) or 0)
        for api in APIS
    }


@dataclass(frozen=True)
class WindowCalls:
    api: str
    # Oldest first: (window start, calls made in it), the current (unfinished) window last.
    windows: list[tuple[float, int]]

    @property
    def total(self) -> int:
        return sum(count for _, count in self.windows)

    @property
    def busiest(self) -> int:
        return max((count for _, count in self.windows), default=0)


def calls_per_window_last_hour(now: float | None = None) -> list[WindowCalls]:
    """Google calls of every organization per quota window (100 s) over the last hour, per API,
    as the wrapper counted them: one cache read for all. Empty counts when the cache is down."""
    length = _window_seconds()
    current = int((now if now is not None else time.time()) // length)
    numbers = list(range(current - int(WINDOWS_SHOWN_SECONDS // length) + 1, current + 1))
    keys = {(api, n): window_tally_key(api, n) for api in APIS for n in numbers}
    try:
        found = cache.get_many(list(keys.values()))
    except CACHE_ERRORS as exc:
        logger.warning("Google call tallies unreadable", extra={"error": type(exc).__name__})
        found = {}
    return [
        WindowCalls(
            api=api,
            windows=[(n * length, int(found.get(keys[(api, n)]) or 0)) for n in numbers],
        )
        for api in APIS
    ]


@dataclass
class CallContext:
    """Who the calls are for. `on_needs_reconnect` persists the lost grant (see services)."""

    counter: CallCounter
    on_needs_reconnect: Callable[[GoogleNeedsReconnect], None] | None = None
    blocked: GoogleNeedsReconnect | None = None
    # GTM tokens taken ahead by `gtm_calls_reserved`, spent before asking the bucket again.
    reserved_gtm_tokens: list[str] = field(default_factory=list)
    # A reserved run is under way: its calls past the reservation finish work that would be
    # repeated if refused, so waiting turns do not hold them back (the window still does).
    gtm_run_under_way: bool = False

    @property
    def organization_id(self) -> str | None:
        return self.counter.organization_id


def _failed(
    context: CallContext,
    exc: Exception,
    *,
    api: str,
    method: str,
    fingerprinted: bool,
    started: float,
) -> GoogleError:
    """The GoogleError a failed call raises, counted and logged."""
    error = classify(exc, api=api, fingerprinted=fingerprinted)
    if context.blocked is not None and not isinstance(error, GoogleNeedsReconnect):
        # A refresh inside the library's auth hook (e.g. the gRPC metadata plugin) lost
        # the grant; the library then reports its own, vaguer error.
        error = context.blocked
    context.counter.record(api, error=True)
    GOOGLE_CALLS.labels(api=api, method=method, outcome=call_outcome(error)).inc()
    logger.warning(
        "Google call failed",
        extra={
            "google_api": api,
            "google_method": method,
            "error_class": type(error).__name__,
            "status": error.status,
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    if isinstance(error, GoogleNeedsReconnect) and context.blocked is None:
        context.blocked = error
        if context.on_needs_reconnect is not None:
            context.on_needs_reconnect(error)
    return error


def google_call(
    context: CallContext,
    *,
    api: str,
    method: str,
    call: Callable[[], T],
    fingerprinted: bool = False,
) -> T:
    """Run one Google call. Raises only `GoogleError` subclasses."""
    if context.blocked is not None:
        raise GoogleNeedsReconnect(context.blocked.message, api=api)
    token = _gtm_token(context) if api == "gtm" else None
    started = time.monotonic()
    try:
        try:
            result = call()
        finally:
            if token is not None:
                # Counted from its answer: Google counted it on arrival, before that.
                quota.gtm_quota_spend(token)
    except Exception as exc:
        # Raised without a local of this frame naming it: else the frame would hold its own
        # exception (error -> traceback -> frame -> error), and with it every caller's frame
        # and locals up the stack (a deployment's whole compiled container) until the cyclic
        # collector ran; a 404 a run expects (nothing live yet) left ~18,000 objects behind.
        raise _failed(
            context, exc, api=api, method=method, fingerprinted=fingerprinted, started=started
        ) from exc
    context.counter.record(api, error=False)
    GOOGLE_CALLS.labels(api=api, method=method, outcome="ok").inc()
    logger.debug(
        "Google call",
        extra={
            "google_api": api,
            "google_method": method,
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    return result


def _gtm_token(context: CallContext) -> str:
    """The quota token this GTM call spends: one of the run's reservation (stamped now, when
    the call is made), else one from the bucket."""
    if context.reserved_gtm_tokens:
        token = context.reserved_gtm_tokens.pop()
        quota.gtm_quota_spend(token)
        return token
    [token] = quota.gtm_quota_acquire(
        organization_id=context.organization_id or "-", priority=context.gtm_run_under_way
    )
    return token


@contextmanager
def gtm_calls_reserved(context: CallContext, tokens: list[str]) -> Iterator[None]:
    """The context's GTM calls spend `tokens`, reserved ahead (`quota.gtm_quota_acquire` with a
    count) for work that should not stop halfway; calls beyond them ask the bucket one at a
    time, ahead of waiting turns. The list is spent in place: whoever reserved it gives back
    what is left (`quota.gtm_quota_release`), whatever happened."""
    context.reserved_gtm_tokens = tokens
    context.gtm_run_under_way = True
    try:
        yield
    finally:
        context.reserved_gtm_tokens = []
        context.gtm_run_under_way = False


@contextmanager
def gtm_calls_all_or_none(context: CallContext, count: int) -> Iterator[None]:
    """A read that is worth nothing half done (a request's several GTM lists) takes its `count`
    calls together or none (`GoogleQuotaExceeded` at once): refused between two lists it would
    have spent the first for nothing, and again at the next try. What it did not spend goes
    back. Such reads answer API requests: they count against the organization's share of the
    window."""
    tokens = quota.gtm_quota_acquire(
        organization_id=context.organization_id or "-", count=count, read=True
    )
    try:
        with gtm_calls_reserved(context, tokens):
            yield
    finally:
        quota.gtm_quota_release(tokens)


def call_outcome(error: GoogleError) -> str:
    """The metric label of a failed call: the class of error, not its message."""
    if isinstance(error, GoogleQuotaExceeded):
        return "quota"
    if isinstance(error, TransientGoogleError):
        return "transient"
    if isinstance(error, GoogleNeedsReconnect):
        return "needs_reconnect"
    return "error"


def classify(exc: BaseException, *, api: str, fingerprinted: bool = False) -> GoogleError:
    """Map a client-library exception to our error classes."""
    if isinstance(exc, GoogleError):
        return exc
    if isinstance(exc, HttpError):
        return _classify_http(exc, api=api, fingerprinted=fingerprinted)
    if isinstance(exc, GoogleAdsException):
        return _classify_ads(exc)
    if isinstance(exc, api_core_exceptions.GoogleAPICallError):
        error = _classify_grpc_code(exc.grpc_status_code, str(exc.message), api=api)
        if isinstance(error, GoogleQuotaExceeded):
            # google-ads leaves RESOURCE_EXHAUSTED unwrapped: the GoogleAdsFailure (with its
            # retry_delay) is a status detail of the api_core exception.
            delay = _ads_retry_delay(exc.details or [])
            if delay is not None:
                error.retry_after_seconds = delay
        return error
    if isinstance(exc, grpc.RpcError):
        code = exc.code() if isinstance(exc, grpc.Call) else None
        details = exc.details() if isinstance(exc, grpc.Call) else str(exc)
        return _classify_grpc_code(code, str(details or ""), api=api)
    if isinstance(exc, auth_exceptions.RefreshError):
        return _classify_refresh(exc, api=api)
    if isinstance(exc, OAuthHttpError):
        return exc.classified
    if isinstance(
        exc,
        auth_exceptions.TransportError
        | requests.ConnectionError
        | requests.Timeout
        | httplib2.HttpLib2Error
        | socket.timeout
        | TimeoutError
        | ConnectionError
        | OSError,
    ):
        return TransientGoogleError(f"Could not reach Google ({type(exc).__name__}).", api=api)
    return PermanentGoogleError(
        f"Unexpected error talking to Google: {type(exc).__name__}.", api=api
    )


def _retry_delay(exc: HttpError) -> float | None:
    """Seconds from the error's `google.rpc.RetryInfo` detail (how a 403 quota refusal says
    when to come back: it carries no Retry-After header)."""
    try:
        body = json.loads(
            exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content
        )
        details = body["error"]["details"]
    except (ValueError, AttributeError, KeyError, TypeError):
        return None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("rpc.RetryInfo"):
            try:
                return max(0.0, float(str(detail.get("retryDelay", "")).rstrip("s")))
            except ValueError:
                return None
    return None


def _http_error_details(exc: HttpError) -> tuple[str, set[str]]:
    message = exc.reason or ""
    reasons: set[str] = set()
    try:
        body = json.loads(
            exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content
        )
    except (ValueError, AttributeError):
        return message, reasons
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or message)
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                reasons.add(str(item["reason"]))
        if error.get("status"):
            reasons.add(str(error["status"]))
    elif isinstance(error, str):
        # OAuth endpoints answer {"error": "invalid_grant", "error_description": ...}.
        reasons.add(error)
        message = str(body.get("error_description") or error)
    return message, reasons


def _retry_after(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def _classify_http(exc: HttpError, *, api: str, fingerprinted: bool) -> GoogleError:
    status = int(exc.resp.status)
    message, reasons = _http_error_details(exc)
    if status == 429 or (status == 403 and reasons & QUOTA_REASONS):
        retry = _retry_after(exc.resp)
        if retry is None:
            retry = _retry_delay(exc)
        return GoogleQuotaExceeded(
            message or "Google quota exceeded.",
            retry_after_seconds=retry if retry is not None else DEFAULT_QUOTA_RETRY_SECONDS,
            status=status,
            api=api,
            daily="dailyLimitExceeded" in reasons,
        )
    if status == 401 or "invalid_grant" in reasons:
        return GoogleNeedsReconnect(
            message or "Google no longer accepts this grant.", status=status, api=api
        )
    if status in (409, 412) and (fingerprinted or status == 412):
        return GtmFingerprintConflict(
            message or "The entity changed in GTM.", status=status, api=api
        )
    if status >= 500 or status == 408:
        return TransientGoogleError(message or f"Google answered {status}.", status=status, api=api)
    if status == 403 and "forbidden" in reasons:
        return GoogleInsufficientPermission(
            message or "The Google account lacks a permission.", status=status, api=api
        )
    return PermanentGoogleError(
        message or f"Google refused the request ({status}).", status=status, api=api
    )


def _classify_grpc_code(code: grpc.StatusCode | None, message: str, *, api: str) -> GoogleError:
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return GoogleQuotaExceeded(
            message or "Google Ads quota exceeded.",
            retry_after_seconds=DEFAULT_QUOTA_RETRY_SECONDS,
            status=429,
            api=api,
        )
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return GoogleNeedsReconnect(
            message or "Google no longer accepts this grant.", status=401, api=api
        )
    if code in (
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.UNKNOWN,
        None,
    ):
        return TransientGoogleError(message or "Google Ads is unavailable.", status=503, api=api)
    return PermanentGoogleError(
        message or f"Google Ads refused the request ({code}).", status=400, api=api
    )


def _classify_ads(exc: GoogleAdsException) -> GoogleError:
    code = exc.error.code() if isinstance(exc.error, grpc.Call) else None
    messages = [str(error.message) for error in getattr(exc.failure, "errors", [])]
    message = "; ".join(m for m in messages if m) or str(
        getattr(exc.error, "details", lambda: "")()
    )
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        retry = DEFAULT_QUOTA_RETRY_SECONDS
        for error in getattr(exc.failure, "errors", []):
            details = getattr(error, "details", None)
            delay = getattr(getattr(details, "quota_error_details", None), "retry_delay", None)
            seconds = (getattr(delay, "seconds", 0) or 0) + (getattr(delay, "nanos", 0) or 0) / 1e9
            if seconds > 0:
                retry = float(seconds)
                break
        return GoogleQuotaExceeded(
            message or "Google Ads quota exceeded.",
            retry_after_seconds=retry,
            status=429,
            api="ads",
        )
    if _ads_authorization_errors(exc) & ADS_PERMISSION_ERRORS:
        return GoogleInsufficientPermission(
            message or "The Google Ads account lacks a permission.", status=403, api="ads"
        )
    return _classify_grpc_code(code, message, api="ads")


# A read-only user's change, or a developer token approved for test accounts only: a person must
# grant access (or apply for Basic access); retrying cannot help.
ADS_PERMISSION_ERRORS = frozenset({"ACTION_NOT_PERMITTED", "DEVELOPER_TOKEN_NOT_APPROVED"})


def _ads_authorization_errors(exc: GoogleAdsException) -> set[str]:
    found: set[str] = set()
    for error in getattr(exc.failure, "errors", []):
        code = getattr(error, "error_code", None)
        value = getattr(code, "authorization_error", None)
        name = getattr(value, "name", "")
        if name and name != "UNSPECIFIED":
            found.add(str(name))
    return found


def _ads_retry_delay(details: list[Any]) -> float | None:
    for detail in details:
        type_url = str(getattr(detail, "type_url", ""))
        match = re.search(r"google\.ads\.googleads\.(v\d+)\.errors\.GoogleAdsFailure$", type_url)
        if match is None:
            continue
        module = importlib.import_module(
            f"google.ads.googleads.{match.group(1)}.errors.types.errors"
        )
        failure = module.GoogleAdsFailure.deserialize(detail.value)
        for error in failure.errors:
            delay = error.details.quota_error_details.retry_delay
            # proto-plus hands a Duration over as a timedelta.
            seconds = (
                delay.total_seconds()
                if isinstance(delay, timedelta)
                else float(delay.seconds or 0) + float(delay.nanos or 0) / 1e9
            )
            if seconds > 0:
                return seconds
    return None


def _classify_refresh(exc: auth_exceptions.RefreshError, *, api: str) -> GoogleError:
    text = str(exc)
    if "invalid_grant" in text or "invalid_client" in text or "unauthorized_client" in text:
        return GoogleNeedsReconnect(
            "Google refused to refresh the grant (invalid_grant).", status=400, api=api
        )
    retryable = getattr(exc, "retryable", False)
    if retryable or "500" in text or "503" in text:
        return TransientGoogleError("Google's token endpoint is unavailable.", api=api)
    return PermanentGoogleError("Google refused to refresh the access token.", api=api)


class OAuthHttpError(Exception):
    """A non-2xx answer of an OAuth endpoint we call with `requests`, already classified."""

    def __init__(self, classified: GoogleError) -> None:
        super().__init__(classified.message)
        self.classified = classified


def raise_for_oauth_response(response: requests.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    description = str(body.get("error_description") or error) if isinstance(body, dict) else ""
    status = response.status_code
    message = description or f"Google's OAuth endpoint answered {status}."
    classified: GoogleError
    if error in ("invalid_grant", "invalid_token") or status == 401:
        classified = GoogleNeedsReconnect(message, status=status, api="oauth")
    elif status == 429:
        retry = _retry_after(response.headers)
        classified = GoogleQuotaExceeded(
            message,
            retry_after_seconds=retry if retry is not None else DEFAULT_QUOTA_RETRY_SECONDS,
            status=status,
            api="oauth",
        )
    elif status >= 500:
        classified = TransientGoogleError(message, status=status, api="oauth")
    else:
        classified = PermanentGoogleError(message, status=status, api="oauth")
    raise OAuthHttpError(classified)


def http_timeout() -> int:
    return int(settings.GOOGLE_HTTP_TIMEOUT_SECONDS)
