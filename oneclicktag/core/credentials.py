"""Who is calling, as far as the core needs to know without knowing the tenants app."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request


def credential_id(request: Request) -> Any:
    """The primary key of the machine credential (an API key row) the request authenticated
    with, or None for a person. The authentication classes put that row in `request.auth`;
    people authenticate without one (their `auth` is None), so any stored row there is a key."""
    credential = getattr(request, "auth", None)
    return getattr(credential, "pk", None) if credential is not None else None
