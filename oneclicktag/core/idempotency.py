"""`Idempotency-Key` on POST: the same key and body replay the first answer without a second
effect; the same key with another body is a 409.

How duplicates are made safe: the first request commits a placeholder record (the unique
index on caller and key is the claim), runs, then stores its answer. No transaction is held open
while it runs, since a handler may wait on Google. A concurrent duplicate finds the placeholder
and waits for the answer (polling), then replays it; if the first failed, its placeholder is
removed and the duplicate proceeds as the first. Only successful (2xx) answers are stored, so a
request that failed validation can be corrected and retried with the same key. A placeholder
left by a process that died mid-request frees the key after `ABANDONED_AFTER`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from oneclicktag.core.credentials import credential_id
from oneclicktag.core.exceptions import Conflict, InvalidInput
from oneclicktag.core.models import IdempotencyRecord

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
# A duplicate waits this long for the first request's answer before answering 409 (retry).
WAIT_FOR_FIRST_SECONDS = 30.0
WAIT_POLL_SECONDS = 0.05
# A placeholder this old belongs to a request whose process died: the key is free again.
ABANDONED_AFTER = timedelta(minutes=10)
_ACCEPTABLE_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyKeyReused(Conflict):
    default_message = "This Idempotency-Key was already used with another request body."
    default_code = "idempotency_key_reused"


def _caller(request: Request) -> str | None:
    credential = credential_id(request)
    if credential is not None:
        return f"api_key:{credential}"
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False) and user.pk is not None:
        return f"user:{user.pk}"
    return None


def _request_hash(request: Request) -> str:
    payload = {
        "method": request.method,
        "path": request.path,
        "organization": request.headers.get("X-Organization", ""),
        "body": request.data,
    }
    canonical = json.dumps(payload, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response[REPLAY_HEADER] = "true"
    if record.response_location:
        response["Location"] = record.response_location
    return response


def idempotent_call(
    request: Request,
    handler: Callable[[], Response],
    *,
    organization: Any = None,
    redact: tuple[str, ...] = (),
) -> Response:
    """Run `handler` at most once per (caller, Idempotency-Key); replay its 2xx answer.

    `redact` names top-level response fields that are never stored (secrets shown once): a
    replay answers them as null.
    """
    key = request.headers.get(IDEMPOTENCY_HEADER)
    caller = _caller(request)
    if key is None or caller is None:
        return handler()
    if not _ACCEPTABLE_KEY.match(key):
        raise InvalidInput({IDEMPOTENCY_HEADER: ["Use 1 to 255 visible ASCII characters."]})
    claim = _claim(request, caller=caller, key=key, organization=organization)
    if isinstance(claim, Response):
        return claim
    # The handler runs outside any transaction of ours: it may wait on Google, and its
    # services open their own short transactions.
    try:
        response = handler()
    except BaseException:
        _release(claim)
        raise
    if not 200 <= response.status_code < 300:
        # Not stored, so the request can be corrected and retried with the same key.
        _release(claim)
        return response
    body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    if isinstance(body, dict):
        body.update({name: None for name in redact if name in body})
    IdempotencyRecord.objects.filter(pk=claim.pk).update(
        response_status=response.status_code,
        response_body=body,
        response_location=str(response.get("Location", ""))[:500],
    )
    return response


def _claim(
    request: Request, *, caller: str, key: str, organization: Any
) -> IdempotencyRecord | Response:
    """Insert the placeholder record (response_status 0) in its own committed transaction, or
    find the one already there: a finished first request's answer is replayed; one still
    running is waited for (polling, no lock held), then replayed."""
    request_hash = _request_hash(request)
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        now = timezone.now()
        with transaction.atomic():
            IdempotencyRecord.objects.filter(caller=caller, key=key).filter(
                Q(expires_at__lte=now) | Q(response_status=0, created_at__lte=now - ABANDONED_AFTER)
            ).delete()
            try:
                with transaction.atomic():
                    return IdempotencyRecord.objects.create(
                        organization=organization,
                        caller=caller,
                        key=key,
                        request_hash=request_hash,
                        method=request.method or "POST",
                        path=request.path[:500],
                        response_status=0,
                        expires_at=now + RETENTION,
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing is not None:
            if existing.request_hash != request_hash:
                raise IdempotencyKeyReused()
            if existing.response_status:
                return _replay(existing)
        # The first request is still running (or its claim vanished this instant): wait.
        if time.monotonic() >= deadline:
            raise Conflict("A request with this Idempotency-Key is in progress; retry.")
        time.sleep(WAIT_POLL_SECONDS)


def _release(claim: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=claim.pk, response_status=0).delete()


def _organization_of(view: Any) -> Any:
    tenant = getattr(view, "tenant", None)
    return getattr(tenant, "organization", None)


def idempotent(handler: F | None = None, *, redact: tuple[str, ...] = ()) -> Any:
    """For a view method `(self, request, ...)` or a function view `(request, ...)`; use as
    `@idempotent` or `@idempotent(redact=("token",))`."""
    if handler is None:
        return functools.partial(idempotent, redact=redact)
    return _make_idempotent(handler, redact)


def _make_idempotent(handler: F, redact: tuple[str, ...]) -> F:
    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if isinstance(args[0], Request):
            request, view = args[0], None
        else:
            view, request = args[0], args[1]
        if request.method != "POST":
            return handler(*args, **kwargs)
        return idempotent_call(
            request,
            lambda: handler(*args, **kwargs),
            organization=_organization_of(view),
            redact=redact,
        )

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class IdempotentCreateMixin:
    """Makes a viewset's `create` honour `Idempotency-Key`."""

    idempotent_create = True
    # Response fields never stored for a replay (secrets shown once).
    idempotency_redact: tuple[str, ...] = ()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent = super().create  # type: ignore[misc]
        return idempotent_call(
            request,
            lambda: parent(request, *args, **kwargs),
            organization=_organization_of(self),
            redact=self.idempotency_redact,
        )


def idempotency_records_purge(*, now: Any = None) -> int:
    """Delete expired records; returns how many went."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
