"""Optimistic locking, the one helper for it: the client names the `version` it read (body
field or `If-Match: "<version>"`, read by `requested_version`/`check_version`); a stale one is
a 409 (`StaleVersion`) and nothing changes.

Two ways to write, one rule: a service that already holds the row locked (SELECT ... FOR
UPDATE, because it reads more before writing) refuses a stale version with `ensure_version`;
one that does not lock writes with `update_if_version`, a conditional UPDATE (`WHERE pk = ...
AND version = v`) whose row count is the claim. Either way two writers that both read version
v cannot both win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db.models import F, Model, QuerySet
from rest_framework.request import Request

from oneclicktag.core.exceptions import InvalidInput, StaleVersion

_ETAG = re.compile(r'^(?:W/)?"(\d{1,18})"$')


def etag_for(obj: Any) -> str:
    return f'"{obj.version}"'


def requested_version(request: Request | None, data: Mapping[str, Any] | None) -> int | None:
    """The version the client claims to have read, from the body or `If-Match`; None if neither."""
    # A malformed If-Match is refused even beside a body `version` (which wins): the schema
    # says what the header holds, and a header that says otherwise is bad input.
    header = request.headers.get("If-Match", "").strip() if request is not None else ""
    match = _ETAG.match(header)
    if header and header != "*" and match is None:
        raise InvalidInput(
            {"If-Match": ['Send the ETag of the object, e.g. "3" (quotes included).']}
        )
    if data is not None and "version" in data:
        raw = data.get("version")
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise InvalidInput({"version": ["A positive integer is required."]})
        return raw
    if match is None:
        return None
    return int(match.group(1))


def check_version(obj: Any, request: Request | None, data: Mapping[str, Any] | None) -> int:
    """Refuse a stale write early; returns the version the conditional UPDATE must match.

    Without a version from the client, the version just read is used, which still stops a
    concurrent writer between this read and the write.
    """
    expected = requested_version(request, data)
    if expected is None:
        return int(obj.version)
    if expected != obj.version:
        raise StaleVersion()
    return expected


def is_no_op(obj: Any, changes: Mapping[str, Any], expected_version: int) -> bool:
    """True when every value in `changes` is what `obj` holds already: such a write changes
    nothing, not even the version, and records no audit event. A stale version is still a 409."""
    if any(getattr(obj, name) != value for name, value in changes.items()):
        return False
    ensure_version(obj, expected_version)
    return True


def ensure_version(obj: Any, expected_version: int | None) -> None:
    """Refuse a stale version on a row the caller holds locked; None: the client named none."""
    if expected_version is not None and expected_version != obj.version:
        raise StaleVersion()


def update_if_version(
    queryset: QuerySet[Any], obj: Model, expected_version: int, **changes: Any
) -> int:
    """UPDATE ... SET version = version + 1 WHERE pk = obj.pk AND version = expected_version.

    Raises StaleVersion when no row matched (someone else wrote first). Mirrors the new values
    onto `obj` and returns the new version.
    """
    updated = queryset.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise StaleVersion()
    for name, value in changes.items():
        setattr(obj, name, value)
    new_version = expected_version + 1
    obj.version = new_version  # type: ignore[attr-defined]
    return new_version


class ETagMixin:
    """Sends `ETag: "<version>"` on detail responses of versioned objects."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
            and "results" not in data
        ):
            response["ETag"] = f'"{data["version"]}"'
        return response
