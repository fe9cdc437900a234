"""Per-request context (request id, organization, user) for log lines and audit events.

Kept in contextvars so it follows the request through threads-per-request servers and is empty
inside Celery tasks unless a task sets it.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    organization_id: str | None = None
    user_id: str | None = None


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "oneclicktag_request_context",
    default=RequestContext(),  # noqa: B039 - immutable default
)


def current_context() -> RequestContext:
    return _current.get()


def set_context(**changes: str | None) -> contextvars.Token[RequestContext]:
    existing = _current.get()
    updated = RequestContext(
        request_id=changes.get("request_id", existing.request_id),
        organization_id=changes.get("organization_id", existing.organization_id),
        user_id=changes.get("user_id", existing.user_id),
    )
    return _current.set(updated)


def reset_context(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
