from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from oneclicktag.core.context import set_context
from oneclicktag.core.error_pages import not_found
from oneclicktag.core.errors import error_body
from oneclicktag.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

logger = logging.getLogger("oneclicktag.request")

# A client-sent id is echoed only when it is short and plain, so it cannot inject into logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_PATHS = ("/healthz", "/readyz")


class RequestIdMiddleware:
    """Gives every request an id (the client's `X-Request-ID` when sane), echoes it back and
    writes one access log line carrying the request id, organization and user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request_id = sent if _ACCEPTABLE_REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Every field is overwritten here, so nothing of the previous request survives. The
        # context is cleared on `request_finished` (see CoreConfig.ready), not on the way out,
        # so Django's own "Not Found: ..." lines, written after the middleware, still carry it.
        set_context(request_id=request_id, organization_id=None, user_id=None)
        started = time.monotonic()
        response = self.get_response(request)
        if request.path not in _QUIET_PATHS:
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        response["X-Request-ID"] = request_id
        return response


class RequestSizeLimitMiddleware:
    """413 for a body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads it
    (DRF's parsers read the stream whole, whatever its size; issue 13: 500s past 2.5 MB)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse(
                error_body(
                    "payload_too_large",
                    f"The request body is larger than {limit} bytes.",
                ),
                status=413,
            )
        return self.get_response(request)


class MetricsMiddleware:
    """Counts and times every request by its route (the URL pattern, so ids do not become
    labels); paths that match no route share `unmatched`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = str(match.route) if match is not None and match.route else "unmatched"
        method = request.method or "-"
        HTTP_REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(route=route, method=method).observe(time.monotonic() - started)
        return response


class ApiNotFoundMiddleware:
    """Keeps the API error shape for unknown /api/ paths when DEBUG is on (development, `make
    run`), where Django answers with its HTML debug page instead of calling handler404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return not_found(request)
        return response


def clear_request_context(**kwargs: object) -> None:
    """`request_finished` receiver: log lines between requests carry no stale request."""
    set_context(request_id=None, organization_id=None, user_id=None)
