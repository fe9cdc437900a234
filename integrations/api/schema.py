"""The OpenAPI responses every endpoint that waits on Google declares (the errors themselves
come from `integrations.google.errors.google_errors_as_domain_errors`)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

from oneclicktag.core.schema import ErrorSerializer

GOOGLE_ERROR_RESPONSES = {
    409: OpenApiResponse(
        ErrorSerializer,
        "No working Google connection (`google_not_connected` or `google_needs_reconnect`: "
        "connect or reconnect first), or a stale `version`.",
    ),
    502: OpenApiResponse(ErrorSerializer, "Google refused the request (`google_error`)."),
    503: OpenApiResponse(
        ErrorSerializer, "Google is unreachable right now (`google_unavailable`); try again."
    ),
}
