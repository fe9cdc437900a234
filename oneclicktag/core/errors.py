"""One error shape for every API response, and the one place domain errors become HTTP:

{"error": {"code": "...", "message": "...", "fields": {...}, "request_id": "..."}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from oneclicktag.core import exceptions as domain
from oneclicktag.core.context import current_context
from oneclicktag.core.infrastructure import (
    INFRASTRUCTURE_ERRORS,
    INFRASTRUCTURE_RETRY_AFTER_SECONDS,
)

logger = logging.getLogger(__name__)

# The HTTP status of each kind of domain error (most specific class first).
_STATUS_BY_DOMAIN_ERROR: tuple[tuple[type[domain.DomainError], int], ...] = (
    (domain.NotAllowed, status.HTTP_403_FORBIDDEN),
    (domain.NotFound, status.HTTP_404_NOT_FOUND),
    (domain.Conflict, status.HTTP_409_CONFLICT),
    (domain.UpstreamRefused, status.HTTP_502_BAD_GATEWAY),
    (domain.UpstreamUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)


_CODES_BY_STATUS = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    429: "throttled",
}


def _flatten_fields(detail: Any) -> dict[str, list[str]]:
    """DRF ValidationError detail -> {"field": ["message", ...]}, nested keys dotted."""
    fields: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                fields.setdefault(prefix or "non_field_errors", []).extend(str(i) for i in value)
            else:
                for index, inner in enumerate(value):
                    walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            fields.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return fields


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body["request_id"] = current_context().request_id
    return {"error": body}


def as_api_exception(exc: domain.DomainError) -> exceptions.APIException:
    """The DRF exception that answers a domain error: same status and code as ever (API.md)."""
    if isinstance(exc, domain.InvalidInput):
        invalid = exceptions.ValidationError(exc.fields)
        # A more precise code than validation_error when the domain names one (same fields).
        invalid.domain_code = exc.code  # type: ignore[attr-defined]
        return invalid
    if isinstance(exc, domain.RateLimited):
        return exceptions.Throttled(wait=exc.retry_after_seconds, detail=exc.message)
    api_error = exceptions.APIException(exc.message, exc.code)
    if isinstance(exc, domain.UpstreamUnavailable) and exc.retry_after_seconds:
        # DRF's handler turns `wait` into Retry-After.
        api_error.wait = exc.retry_after_seconds  # type: ignore[attr-defined]
    api_error.status_code = next(
        (code for kind, code in _STATUS_BY_DOMAIN_ERROR if isinstance(exc, kind)),
        status.HTTP_400_BAD_REQUEST,
    )
    return api_error


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, INFRASTRUCTURE_ERRORS):
        # Redis (cache, broker, quota buckets) down: what needed it cannot be done now, and was
        # not half done (the request's transaction rolls back); say when to come back.
        logger.warning("Infrastructure unavailable", extra={"error": type(exc).__name__})
        exc = domain.UpstreamUnavailable(
            "A service we depend on is unavailable right now; try again shortly.",
            code="service_unavailable",
            retry_after_seconds=INFRASTRUCTURE_RETRY_AFTER_SECONDS,
        )
    if isinstance(exc, domain.DomainError):
        exc = as_api_exception(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API exception: let Django log it and answer 500 without internals.
        logger.exception("Unhandled error in API view")
        return Response(
            error_body("server_error", "Something went wrong on our side."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    assert isinstance(exc, exceptions.APIException)
    status_code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_fields(exc.detail)
        message = "Invalid input: " + ", ".join(sorted(fields)) if fields else "Invalid input."
        body = error_body(getattr(exc, "domain_code", "validation_error"), message, fields)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else None
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
        body = error_body(str(code or _CODES_BY_STATUS.get(status_code, "error")), str(message))
    response.data = body
    return response
