"""OpenAPI pieces every endpoint shares: the error shape and the common headers.

`AutoSchema` (the project's DEFAULT_SCHEMA_CLASS) documents the error answers every API
operation can give, `X-Organization` on organization-scoped views and `Idempotency-Key` on
POSTs that honour it, so no view has to repeat them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorDetailSerializer = inline_serializer(
    name="ErrorDetail",
    fields={
        "code": serializers.CharField(help_text="Machine-readable, e.g. `validation_error`."),
        "message": serializers.CharField(help_text="For people; never internals."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per-field messages for `validation_error` (dotted paths for nesting).",
        ),
        "request_id": serializers.CharField(allow_null=True),
    },
)

ErrorSerializer = inline_serializer(name="Error", fields={"error": ErrorDetailSerializer})

_ERROR_DESCRIPTIONS = {
    400: "Invalid input (`fields` names each offending field).",
    401: "No or invalid credentials.",
    403: "Your role is too low for this.",
    404: "Absent, or another organization's.",
    409: "Conflict: stale `version`, reused `Idempotency-Key`, or the state forbids it.",
    429: "Throttled; retry after `Retry-After` seconds.",
}

ERROR_RESPONSES: dict[int, OpenApiResponse] = {
    status: OpenApiResponse(response=ErrorSerializer, description=description)
    for status, description in _ERROR_DESCRIPTIONS.items()
}

ORGANIZATION_HEADER = OpenApiParameter(
    name="X-Organization",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Organization id or slug to act in. Optional when you belong to exactly one "
    "organization; an API key implies its own.",
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Up to 255 characters. The same key with the same body replays the first "
    "answer without a second effect (24 hours); with another body it answers 409.",
)

IF_MATCH_HEADER = OpenApiParameter(
    name="If-Match",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description='The ETag you read (`"<version>"`), instead of `version` in the body.',
)


_REQUEST_ID_HEADER = {
    "schema": {"type": "string"},
    "description": "The request's id (yours when you sent a sane `X-Request-ID`); it is also "
    "in every error body and log line.",
}
_RETRY_AFTER_HEADER = {
    "schema": {"type": "integer"},
    "description": "Seconds to wait before trying again.",
}
_ETAG_HEADER = {
    "schema": {"type": "string"},
    "description": 'The object\'s version as `"<version>"`, for `If-Match` on the next PATCH.',
}


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if getattr(self.view, "uses_organization_header", False):
            parameters.append(ORGANIZATION_HEADER)
        if self.method == "POST" and self._is_idempotent():
            parameters.append(IDEMPOTENCY_HEADER)
        if self.method in ("PATCH", "PUT") and getattr(self.view, "versioned", False):
            parameters.append(IF_MATCH_HEADER)
        return parameters

    def _is_idempotent(self) -> bool:
        if getattr(self.view, "idempotent_create", False) and self._is_create_operation():
            return True
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or self.method.lower(), None)
        return bool(getattr(handler, "idempotent", False))

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/"):
            return responses
        wanted = [400, 401, 403, 404, 429]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            wanted.append(409)
        for status in wanted:
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    ERROR_RESPONSES[status], str(status), direction=direction
                )
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            headers.setdefault("X-Request-ID", _REQUEST_ID_HEADER)
            if code == "429":
                headers.setdefault("Retry-After", _RETRY_AFTER_HEADER)
            if code == "200" and getattr(self.view, "versioned", False):
                headers.setdefault("ETag", _ETAG_HEADER)
        return responses
