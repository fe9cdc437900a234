"""Google Ads API errors, shaped the way the real service sends them and the real client reads them.

A failed call ends with a gRPC status and trailing metadata carrying

- ``google.ads.googleads.<ver>.errors.googleadsfailure-bin``: the serialized ``GoogleAdsFailure``
  (this is what ``ExceptionInterceptor`` turns into ``GoogleAdsException.failure``),
- ``grpc-status-details-bin``: a ``google.rpc.Status`` whose details hold the same failure,
- ``request-id``.

Partial failures travel inside a successful response instead (``partial_failure_error``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, status_pb2

from . import protos

Location = Sequence[tuple[str, int | None]]

# Google's own status messages for each code (what `RpcError.details()` shows).
STATUS_MESSAGES = {
    grpc.StatusCode.INVALID_ARGUMENT: "Request contains an invalid argument.",
    grpc.StatusCode.UNAUTHENTICATED: (
        "Request is missing required authentication credential. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project."
    ),
    grpc.StatusCode.PERMISSION_DENIED: "The caller does not have permission",
    grpc.StatusCode.NOT_FOUND: "Requested entity was not found.",
    grpc.StatusCode.ABORTED: "The operation was aborted.",
    grpc.StatusCode.FAILED_PRECONDITION: "Precondition check failed.",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "Resource has been exhausted (e.g. check quota).",
    grpc.StatusCode.INTERNAL: "Internal error encountered.",
    grpc.StatusCode.UNAVAILABLE: "The service is currently unavailable.",
    grpc.StatusCode.DEADLINE_EXCEEDED: "Deadline expired before operation could complete.",
}


def new_request_id() -> str:
    return secrets.token_urlsafe(16)


def ads_error(
    kind: str,
    code: str,
    message: str,
    *,
    location: Location = (),
    trigger: str | None = None,
) -> Any:
    """One ``GoogleAdsError``: ``kind`` is the ErrorCode oneof field (``field_error``), ``code``
    the enum constant (``REQUIRED``), ``location`` the field path (``[("operations", 0),
    ("create", None), ("name", None)]``)."""
    error = protos.GoogleAdsError(message=message)
    setattr(error.error_code, kind, protos.enum_value(error.error_code, kind, code))
    for field_name, index in location:
        element = error.location.field_path_elements.add(field_name=field_name)
        if index is not None:
            element.index = index
    if trigger is not None:
        error.trigger.string_value = trigger
    return error


def location_text(error: Any) -> str:
    parts = []
    for element in error.location.field_path_elements:
        index = f"[{element.index}]" if element.HasField("index") else ""
        parts.append(f"{element.field_name}{index}")
    return ".".join(parts)


class AdsError(Exception):
    """Raised inside a handler: the call fails with ``status`` and these Google Ads errors."""

    def __init__(self, status: grpc.StatusCode, errors: Sequence[Any]) -> None:
        super().__init__(f"{status.name}: {[e.message for e in errors]}")
        self.status = status
        self.errors = list(errors)
        # What `RpcError.details()` shows; Google's generic text for the status unless set.
        self.status_message = STATUS_MESSAGES.get(status, status.name)

    @classmethod
    def single(
        cls, status: grpc.StatusCode, kind: str, code: str, message: str, **kwargs: Any
    ) -> AdsError:
        return cls(status, [ads_error(kind, code, message, **kwargs)])

    def failure(self, request_id: str) -> Any:
        failure = protos.GoogleAdsFailure(request_id=request_id)
        failure.errors.extend(self.errors)
        return failure

    def trailing_metadata(self, request_id: str) -> list[tuple[str, str | bytes]]:
        metadata: list[tuple[str, str | bytes]] = [("request-id", request_id)]
        if self.errors:
            failure = self.failure(request_id)
            status = rpc_status(self.status.value[0], self.status_message, failure)
            metadata.append((protos.FAILURE_METADATA_KEY, failure.SerializeToString()))
            metadata.append(("grpc-status-details-bin", status.SerializeToString()))
        return metadata

    def abort(self, context: grpc.ServicerContext, request_id: str) -> None:
        context.set_trailing_metadata(self.trailing_metadata(request_id))
        context.abort(self.status, self.status_message)


def rpc_status(code: int, message: str, failure: Any) -> Any:
    detail = any_pb2.Any()
    detail.Pack(failure)
    return status_pb2.Status(code=code, message=message, details=[detail])


def partial_failure_status(errors: Sequence[Any], request_id: str) -> Any:
    """The ``partial_failure_error`` Google puts in a mutate response: INVALID_ARGUMENT, a
    message naming the first error and where it is, and the whole failure as detail."""
    failure = protos.GoogleAdsFailure(request_id=request_id)
    failure.errors.extend(errors)
    first = errors[0]
    where = location_text(first)
    summary = f"{first.message}, at {where}" if where else first.message
    if len(errors) > 1:
        summary = f"Multiple errors in 'details'. First error: {summary}"
    return rpc_status(code_pb2.INVALID_ARGUMENT, summary, failure)


def invalid_argument(kind: str, code: str, message: str, **kwargs: Any) -> AdsError:
    return AdsError.single(grpc.StatusCode.INVALID_ARGUMENT, kind, code, message, **kwargs)
