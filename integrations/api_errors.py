"""How Google's answers reach REST clients: one mapping from the Google error hierarchy to API
errors, and the OpenAPI responses every endpoint that waits on Google declares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status

from integrations.google.errors import (
    GoogleError,
    GoogleNeedsReconnect,
    GoogleQuotaExceeded,
    TransientGoogleError,
)
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


class GoogleUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Google is unavailable right now; try again shortly."
    default_code = "google_unavailable"


class GoogleReconnectRequired(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The Google connection must be reconnected."
    default_code = "google_needs_reconnect"


class GoogleRefused(exceptions.APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Google refused the request."
    default_code = "google_error"


@contextmanager
def google_errors_as_api_errors() -> Iterator[None]:
    try:
        yield
    except GoogleQuotaExceeded as exc:
        raise exceptions.Throttled(wait=exc.retry_after_seconds, detail=exc.message) from exc
    except GoogleNeedsReconnect as exc:
        raise GoogleReconnectRequired(exc.message) from exc
    except TransientGoogleError as exc:
        raise GoogleUnavailable() from exc
    except GoogleError as exc:
        raise GoogleRefused(exc.message) from exc
