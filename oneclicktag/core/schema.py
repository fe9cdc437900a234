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
    # What oneclicktag.core.idempotency accepts: 1 to 255 visible ASCII characters.
    type={"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description="1 to 255 visible ASCII characters. The same key with the same body replays "
    "the first answer without a second effect (24 hours); with another body it answers 409.",
)

IF_MATCH_HEADER = OpenApiParameter(
    name="If-Match",
    # What oneclicktag.core.concurrency reads: an ETag we sent (weak or not), `*`, or nothing.
    type={"type": "string", "pattern": '^((W/)?"[0-9]{1,18}"|\\*)?$'},
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


# One character that is not whitespace as Python's str.isspace() counts it (ECMA's \s differs:
# it lacks \x1c-\x1f and \x85 and has \ufeff).
_NOT_ONLY_WHITESPACE = (
    "[^\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000]"
)


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer(
        self, serializer: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        """A serializer's `openapi_request_extra` (JSON Schema keywords) is merged into its
        request schema: what its `validate()` enforces across fields (at least one of several,
        a field PATCH needs) and no field can say on its own."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        extra = getattr(serializer, "openapi_request_extra", None)
        if extra and direction == "request" and isinstance(schema, dict):
            schema.update(extra)
            if "required" in extra and "properties" in schema:
                schema["required"] = sorted(set(extra["required"]))
        return schema

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF trims a CharField and then refuses it blank: "   " is as empty as "". Say that a
        # value sent holds one character Python's str.strip() keeps (its whitespace, listed).
        if (
            direction == "request"
            and isinstance(schema, dict)
            and isinstance(field, serializers.CharField)
            and field.trim_whitespace
            and not field.allow_blank
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum", "$ref"} & schema.keys()
        ):
            schema["pattern"] = _NOT_ONLY_WHITESPACE
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)

        # DRF refuses an empty list when `allow_empty=False`; drf-spectacular does not say so.
        if (
            schema.get("type") == "array"
            and getattr(field, "allow_empty", True) is False
            and not schema.get("minItems")
        ):
            schema["minItems"] = 1

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
