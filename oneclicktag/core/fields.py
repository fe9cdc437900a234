"""Serializer fields that read JSON as strictly as the OpenAPI schema describes it."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only. DRF's BooleanField also reads 1, 0, "yes", "off", … as
    booleans, which the schema's `type: boolean` refuses: a client following the schema never
    sends them, and one that does is told (400) rather than guessed at."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError  # fail() always raises


class JsonStringOnly:
    """A JSON string only: DRF's CharField (and its subclasses) also take numbers (0 -> "0"),
    which the schema's `type: string` refuses."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")  # type: ignore[attr-defined]
        return str(super().to_internal_value(data))  # type: ignore[misc]


class StrictCharField(JsonStringOnly, serializers.CharField):
    pass


class StrictSlugField(JsonStringOnly, serializers.SlugField):
    pass
