"""Google's JSON error body, as the REST front ends of Google APIs answer it.

`{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status", "details"}}`.
A validation error names the offending field in the message (`field 'tag.parameter[0].type'`) and
in a `google.rpc.BadRequest` field violation, so a client can point at it either way.
"""

from __future__ import annotations

from typing import Any

_STATUS_BY_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_REASON_BY_CODE = {
    400: "invalid",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    409: "aborted",
    412: "conditionNotMet",
    429: "rateLimitExceeded",
    500: "backendError",
    501: "notImplemented",
    502: "backendError",
    503: "backendError",
    504: "backendError",
}


class ApiError(Exception):
    """Raised anywhere inside a handler; the server turns it into Google's error body."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        reason: str | None = None,
        domain: str = "global",
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra_details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS_BY_CODE.get(code, "UNKNOWN")
        self.reason = reason or _REASON_BY_CODE.get(code, "unknown")
        self.domain = domain
        self.field = field
        self.headers = headers or {}
        self.extra_details = extra_details or []

    def body(self) -> dict[str, Any]:
        details: list[dict[str, Any]] = []
        if self.field is not None:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": self.field, "description": self.message}],
                }
            )
        details.extend(self.extra_details)
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}],
            "status": self.status,
        }
        if details:
            error["details"] = details
        return {"error": error}


def invalid_field(field: str, problem: str) -> ApiError:
    """400 INVALID_ARGUMENT naming `field` (a dotted path like `trigger.filter[0].type`)."""
    return ApiError(400, f"Invalid value at field '{field}': {problem}", field=field)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"Not found or permission denied: {what}.")


def failed_precondition(message: str, *, code: int = 400) -> ApiError:
    return ApiError(code, message, status="FAILED_PRECONDITION", reason="failedPrecondition")
