"""The errors services raise: plain Python, no HTTP in them.

A service says what went wrong in the product's terms (bad input, not allowed, not found, a
conflict with the current state, a stale version, Google unreachable); the one DRF exception
handler in `oneclicktag.core.errors` turns each kind into the API's error shape and status, and
the admin shows `str(error)` to staff. `code` is the machine-readable code clients see.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    default_message = "The request cannot be done."
    default_code = "error"

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidInput(DomainError):
    """Input that breaks a rule. `fields` names the field(s): {"slug": ["..."]}, nested dicts
    and lists allowed (bulk items are keyed by index)."""

    default_message = "Invalid input."
    default_code = "validation_error"

    def __init__(self, fields: dict[str, Any] | list[Any] | str) -> None:
        self.fields = fields if isinstance(fields, dict | list) else [fields]
        super().__init__(_readable(self.fields))


class NotAllowed(DomainError):
    default_message = "You do not have permission to do this."
    default_code = "permission_denied"


class NotFound(DomainError):
    default_message = "Not found."
    default_code = "not_found"


class Conflict(DomainError):
    default_message = "The request conflicts with the current state of the object."
    default_code = "conflict"


class StaleVersion(Conflict):
    default_message = "The object was changed by someone else; reload it and try again."
    default_code = "stale_version"


class RateLimited(DomainError):
    """Someone else's limit (Google's quota) says wait; `retry_after_seconds` says how long."""

    default_message = "Too many requests; try again later."
    default_code = "throttled"

    def __init__(self, message: str | None = None, *, retry_after_seconds: float | None) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


class UpstreamUnavailable(DomainError):
    """A service we depend on (Google, the task queue) cannot be reached right now; a retry may
    work, after `retry_after_seconds` when known."""

    default_message = "A service we depend on is unavailable right now; try again shortly."
    default_code = "upstream_unavailable"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        retry_after_seconds: float | None = None,
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message, code=code)


class UpstreamRefused(DomainError):
    """A service we depend on (Google) answered, and refused."""

    default_message = "A service we depend on refused the request."
    default_code = "upstream_error"


def _readable(fields: dict[str, Any] | list[Any]) -> str:
    """`{"slug": ["Taken."]}` -> "slug: Taken." (for the admin and logs)."""
    parts: list[str] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            for inner in value:
                walk(prefix, inner)
        else:
            parts.append(f"{prefix}: {value}" if prefix else str(value))

    walk("", fields)
    return "; ".join(parts) or InvalidInput.default_message
