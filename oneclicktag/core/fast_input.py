"""Input serializers read fast when the input is plainly valid, with DRF's answers unchanged.

DRF validates a body field by field through generic machinery (`get_value`, `run_validation`,
`validate_empty_values`, each validator): on `POST /trackings/bulk/` of 100 items that was a
sixth of the request (issue 15). `plain_input` reads a body in one pass, for the field classes
and options whose behaviour it reproduces, and gives up (None) on anything that is not
plainly valid — a missing required field, a value of another type, a string with surrounding
whitespace or a NUL, a nested object, a null. The caller then runs DRF's own validation, which
both decides and words every error, so a client never sees a different answer: this module
only ever accepts what DRF accepts, and returns what DRF returns for it.
tests/core/test_fast_input.py compares both on valid and invalid bodies.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cache
from typing import Any

from django.core.validators import (
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from rest_framework import fields, serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from oneclicktag.core.fields import StrictBooleanField, StrictCharField

# A value -> (True, what DRF makes of it), or (False, None) when DRF must judge it.
_Reader = Callable[[Any], tuple[bool, Any]]
# (key, reader, whether a missing key is DRF's business, a default factory or None)
_Step = tuple[str, _Reader, bool, Callable[[], Any] | None]

_GIVE_UP: tuple[bool, Any] = (False, None)
_LENGTH_VALIDATORS = (MaxLengthValidator, MinLengthValidator)
_TEXT_VALIDATORS = (
    *_LENGTH_VALIDATORS,
    ProhibitNullCharactersValidator,
    ProhibitSurrogateCharactersValidator,
)


class _Unsupported(Exception):
    """A field this module does not reproduce: the serializer is always validated by DRF."""


def plain_input(serializer: serializers.Serializer[Any], data: Any) -> dict[str, Any] | None:
    """What `serializer.run_validation(data)` returns, when `data` is plainly valid; None
    when DRF must validate it (or when the serializer has anything this module does not
    reproduce)."""
    plan = _plan_for(type(serializer))
    if plan is None or type(data) is not dict or serializer.partial:
        return None
    validated: dict[str, Any] = {}
    for key, read, required, default in plan:
        if key not in data:
            if required:
                return None
            if default is not None:
                validated[key] = default()
            continue
        ok, value = read(data[key])
        if not ok:
            return None
        validated[key] = value
    return validated


@cache
def _plan_for(cls: type) -> tuple[_Step, ...] | None:
    try:
        return _plan(cls())
    except (_Unsupported, TypeError):
        # TypeError: a serializer that cannot be built without arguments.
        return None


def _plan(serializer: serializers.Serializer[Any]) -> tuple[_Step, ...]:
    cls = type(serializer)
    # Checks of the whole body, or of one field by a `validate_<name>` method, or a reading of
    # its own: DRF's.
    base = serializers.Serializer
    if serializer.validators or any(
        getattr(cls, name) is not getattr(base, name)
        for name in ("validate", "to_internal_value", "run_validation", "validate_empty_values")
    ):
        raise _Unsupported(cls)
    steps = []
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if getattr(serializer, f"validate_{name}", None) is not None:
            raise _Unsupported(field)
        if field.source_attrs != [name]:
            raise _Unsupported(field)
        default = None if field.default is fields.empty else field.get_default
        try:
            read = _reader(field)
        except _Unsupported:
            # A field read some other way (a nested object, a number): when it is sent, DRF
            # reads the whole body.
            read = _give_up
        steps.append((name, read, field.required, default))
    return tuple(steps)


def _give_up(value: Any) -> tuple[bool, Any]:
    return _GIVE_UP


def _reader(field: Any) -> _Reader:
    kind = type(field)
    if kind is fields.UUIDField and field.uuid_format == "hex_verbose":
        _only(field, ())
        return _uuid
    if isinstance(field, fields.CharField) and _is_text(kind):
        _only(field, _TEXT_VALIDATORS)
        return _text(field)
    if kind is fields.ChoiceField:
        _only(field, ())
        return _choice(field)
    if kind is StrictBooleanField:
        _only(field, ())
        return _boolean
    if kind is fields.DictField and type(field.child) is fields._UnvalidatedField:
        _only(field, ())
        return _dict(field)
    if kind is fields.ListField and type(field.child) is fields.ChoiceField:
        _only(field, _LENGTH_VALIDATORS)
        _only(field.child, ())
        return _choices(field)
    raise _Unsupported(field)


def _is_text(kind: type) -> bool:
    """CharField, StrictCharField, or a subclass that only documents itself (no behaviour)."""
    if kind in (fields.CharField, StrictCharField):
        return True
    behaviour = ("to_internal_value", "run_validation", "validate_empty_values", "__init__")
    return issubclass(kind, fields.CharField) and not any(
        name in vars(cls)
        for cls in kind.__mro__[: kind.__mro__.index(fields.CharField)]
        for name in behaviour
    )


def _only(field: fields.Field, allowed: tuple[type, ...]) -> None:
    if any(not isinstance(validator, allowed) for validator in field.validators):
        raise _Unsupported(field)


def _uuid(value: Any) -> tuple[bool, Any]:
    if type(value) is not str:
        return _GIVE_UP
    try:
        return True, uuid.UUID(hex=value)
    except ValueError:
        return _GIVE_UP


def _text(field: fields.CharField) -> _Reader:
    longest = field.max_length
    shortest = max(field.min_length or 0, 0 if field.allow_blank else 1)
    trimmed = field.trim_whitespace
    # A CharField takes numbers too (0 -> "0"); only strings are read here.

    def read(value: Any) -> tuple[bool, Any]:
        if type(value) is not str or not _length_within(value, shortest, longest):
            return _GIVE_UP
        if (trimmed and value != value.strip()) or "\x00" in value:
            return _GIVE_UP
        if not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value):
            return _GIVE_UP
        return True, value

    return read


def _length_within(value: str | list[Any], shortest: int, longest: int | None) -> bool:
    return len(value) >= shortest and (longest is None or len(value) <= longest)


def _choice(field: fields.ChoiceField) -> _Reader:
    mapping = dict(field.choice_strings_to_values)

    def read(value: Any) -> tuple[bool, Any]:
        if type(value) is not str or value == "" or value not in mapping:
            return _GIVE_UP
        return True, mapping[value]

    return read


def _boolean(value: Any) -> tuple[bool, Any]:
    return (True, value) if type(value) is bool else _GIVE_UP


def _dict(field: fields.DictField) -> _Reader:
    allow_empty = field.allow_empty

    def read(value: Any) -> tuple[bool, Any]:
        if type(value) is not dict or (not allow_empty and not value):
            return _GIVE_UP
        return True, {str(key): item for key, item in value.items()}

    return read


def _choices(field: fields.ListField) -> _Reader:
    child: Any = field.child
    mapping = dict(child.choice_strings_to_values)
    shortest = max(field.min_length or 0, 0 if field.allow_empty else 1)
    longest = field.max_length

    def read(value: Any) -> tuple[bool, Any]:
        if type(value) is not list or not _length_within(value, shortest, longest):
            return _GIVE_UP
        if any(type(item) is not str or item not in mapping or item == "" for item in value):
            return _GIVE_UP
        return True, [mapping[item] for item in value]

    return read
