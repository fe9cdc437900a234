"""Read serializers built for speed, with DRF's output unchanged.

DRF turns an object into JSON-ready data one field at a time through generic machinery
(`fields` deep-copied per serializer, `get_attribute`, per-field `to_representation`, time zone
handling per datetime): on a page of 50 trackings that was a third of the request (issue 15).
`FastRepresentation` keeps the serializer exactly as declared (so the OpenAPI schema and every
write path are DRF's) and replaces only `to_representation` with a plan compiled once per
class from its fields: for each field, the attribute to read and a converter that does what
that field class's own `to_representation` does.

Only field classes whose behaviour is reproduced here are compiled (matched by exact class, so
a subclass with its own `to_representation` is not mistaken for its base). A serializer with
any other readable field falls back to DRF's own `to_representation` as a whole, so a field
added later is never rendered differently; tests/core/test_fast_representation.py compares
both paths on every serializer that uses this.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable, Mapping
from enum import Enum
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import ISO_8601, fields, relations, serializers
from rest_framework.settings import api_settings

Converter = Callable[[Any], Any]
# (key in the output, attribute name or None for source="*", converter, the field for the
# slow path, the name of a SerializerMethodField's method or None)
_Step = tuple[str, str | None, Converter | None, fields.Field, str | None]

# The current time zone, looked up once for a whole page rather than once per datetime (the
# lookup goes through asgiref's Local: a tenth of the old request). Nothing activates another
# time zone in the middle of rendering.
_timezone: contextvars.ContextVar[datetime.tzinfo | None] = contextvars.ContextVar(
    "oneclicktag_representation_timezone", default=None
)


class _Unsupported(Exception):
    """A field this module does not reproduce: the serializer keeps DRF's own path."""


def _string(value: Any) -> str:
    return value if type(value) is str else str(value)


def _boolean(field: fields.BooleanField) -> Converter:
    def convert(value: Any) -> Any:
        if value is True or value is False:
            return value
        return field.to_representation(value)

    return convert


def _choice(field: fields.ChoiceField) -> Converter:
    mapping = field.choice_strings_to_values

    def convert(value: Any) -> Any:
        if type(value) is str:
            # What a row read from the database holds.
            return mapping.get(value, value) if value else value
        if value == "":
            return value
        if isinstance(value, Enum) and str(value) != str(value.value):
            value = value.value
        return mapping.get(str(value), value)

    return convert


def _datetime(field: fields.DateTimeField) -> Converter:
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != ISO_8601 or hasattr(
        field, "timezone"
    ):
        return field.to_representation
    use_tz = settings.USE_TZ

    def convert(value: Any) -> Any:
        if not value or isinstance(value, str) or not use_tz:
            return field.to_representation(value)
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return field.to_representation(value)
        try:
            # The current time zone is the request's (it can be activated per request).
            text = value.astimezone(_timezone.get() or timezone.get_current_timezone()).isoformat()
        except OverflowError:
            return field.to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _children(child: fields.Field) -> Converter | None:
    """A container's item converter; None when items pass through unchanged."""
    if type(child) is fields._UnvalidatedField:
        return None
    return _converter(child)


def _list(field: fields.ListField) -> Converter:
    item = _children(field.child)
    if item is None:
        return lambda value: [i for i in value]  # noqa: C416 - a new list, as DRF answers
    if item is _string:
        # Id lists: no call per item.
        return lambda value: [i if type(i) is str else None if i is None else str(i) for i in value]
    return lambda value: [item(i) if i is not None else None for i in value]


def _dict(field: fields.DictField) -> Converter:
    item = _children(field.child)
    if item is None:
        return lambda value: {str(k): v for k, v in value.items()}
    return lambda value: {str(k): item(v) if v is not None else None for k, v in value.items()}


def _converter(field: Any) -> Converter:
    kind = type(field)
    if kind is fields.CharField:
        return _string
    if kind is fields.UUIDField:
        if field.uuid_format != "hex_verbose":
            raise _Unsupported(field)
        return str
    if kind is fields.IntegerField:
        return int
    if kind is fields.BooleanField:
        return _boolean(field)
    if kind is fields.ChoiceField:
        return _choice(field)
    if kind is fields.DateTimeField:
        return _datetime(field)
    if kind is fields.ListField:
        return _list(field)
    if kind is fields.DictField:
        return _dict(field)
    if kind is fields.DecimalField:
        # Quantizing is the field's own business; one value a row.
        return field.to_representation
    if kind is fields.JSONField and not field.binary:
        return _same
    raise _Unsupported(field)


def _same(value: Any) -> Any:
    return value


def _related_pk(field: relations.PrimaryKeyRelatedField[Any]) -> Converter:
    """The whole step of a primary-key relation, given the instance: DRF reads the foreign
    key's column (no query for the related row) and answers None for no relation."""

    def convert(instance: Any) -> Any:
        attribute = field.get_attribute(instance)
        pk = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
        return None if pk is None else field.to_representation(attribute)

    return convert


def _plan(serializer: serializers.Serializer[Any]) -> list[_Step]:
    steps: list[_Step] = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        method = None
        converter: Converter | None = None
        if type(field) is serializers.SerializerMethodField:
            method = field.method_name
        elif type(field) is relations.PrimaryKeyRelatedField and field.pk_field is None:
            if len(field.source_attrs) != 1:
                raise _Unsupported(field)
            # Given the instance itself (as source="*" is), like DRF's get_attribute.
            steps.append((name, None, _related_pk(field), field, None))
            continue
        elif isinstance(field, serializers.Serializer):
            nested = _plan_for(type(field)) if _plain(type(field)) else None
            if nested is None or any(step[4] is not None for step in nested):
                # Its methods would need the nested serializer bound to this request.
                raise _Unsupported(field)
            converter = _runner(nested)
        else:
            converter = _converter(field)
        sources = field.source_attrs
        if len(sources) > 1:
            raise _Unsupported(field)
        steps.append((name, sources[0] if sources else None, converter, field, method))
    return steps


class _Nested:
    """A nested serializer's whole rendering, as the converter of its step."""

    def __init__(self, steps: list[_Step]) -> None:
        self.steps = steps
        self.readers = _readers(steps)

    def __call__(self, instance: Any) -> dict[str, Any]:
        return _render(self.steps, self.readers, None, instance)


def _runner(steps: list[_Step]) -> Converter:
    return _Nested(steps)


def _plain(cls: type) -> bool:
    """Whether instances of this serializer class render as their fields say, nothing more."""
    own = cls.to_representation  # type: ignore[attr-defined]
    return own in (serializers.Serializer.to_representation, FastRepresentation.to_representation)


@cache
def _plan_for(cls: type) -> list[_Step] | None:
    try:
        return _plan(cls())
    except (_Unsupported, TypeError):
        # TypeError: a serializer that cannot be built without arguments.
        return None


def _run(steps: list[_Step], serializer: Any, instance: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    mapping = isinstance(instance, Mapping)
    for name, attribute, converter, field, method in steps:
        if method is not None:
            result[name] = getattr(serializer, method)(instance)
            continue
        if attribute is None:
            value = instance
        elif mapping:
            # Key lookups, defaults, optional fields: DRF's own rules.
            try:
                value = field.get_attribute(instance)
            except fields.SkipField:
                continue
        else:
            try:
                value = getattr(instance, attribute)
            except ObjectDoesNotExist:
                value = None
            except (AttributeError, KeyError):
                # Defaults, optional fields: DRF's own rules.
                try:
                    value = field.get_attribute(instance)
                except fields.SkipField:
                    continue
            else:
                if callable(value):
                    value = field.get_attribute(instance)
        result[name] = None if value is None else converter(value)  # type: ignore[misc]
    return result


class _Slow(Exception):
    """A value the fast path does not read as DRF would (a callable attribute): the row is
    rendered by `_run` instead."""


# (serializer, instance) -> the field's output value.
_Reader = Callable[[Any, Any], Any]
_READERS: dict[type, tuple[tuple[str, _Reader], ...]] = {}


def _reader(step: _Step) -> _Reader:
    """One step as a single call, for the common case: a model attribute that is there and is
    no callable. Anything else raises, and `_render` gives the row to `_run`."""
    _, attribute, converter, _, method = step
    if method is not None:
        name = method
        return lambda serializer, instance: getattr(serializer, name)(instance)
    if converter is None:
        return lambda serializer, instance: instance
    convert = converter
    if attribute is None and isinstance(convert, _Nested):
        # `source="*"`: the same object, read in the same pass (what the nested part cannot
        # read makes the whole row go to `_run`).
        nested = convert.readers
        return lambda serializer, instance: {name: read(None, instance) for name, read in nested}
    if attribute is None:
        return lambda serializer, instance: convert(instance)
    if convert is _string:
        # Most fields are text: no converter call for a str.
        def read_text(serializer: Any, instance: Any) -> Any:
            value = getattr(instance, attribute)
            if type(value) is str:
                return value
            if value is None:
                return None
            if callable(value):
                raise _Slow
            return str(value)

        return read_text

    def read(serializer: Any, instance: Any) -> Any:
        value = getattr(instance, attribute)
        if value is None:
            return None
        if callable(value):
            raise _Slow
        return convert(value)

    return read


def _readers(steps: list[_Step]) -> tuple[tuple[str, _Reader], ...]:
    return tuple((step[0], _reader(step)) for step in steps)


def _render(
    steps: list[_Step],
    readers: tuple[tuple[str, _Reader], ...],
    serializer: Any,
    instance: Any,
) -> dict[str, Any]:
    """`_run`'s answer, one call per field: a page of objects is the hot path (issue 15: the
    loop's per-field bookkeeping was most of rendering). Mappings, missing attributes
    (defaults, optional fields, SkipField) and callables go through `_run`, field by field."""
    if isinstance(instance, Mapping):
        return _run(steps, serializer, instance)
    try:
        return {name: read(serializer, instance) for name, read in readers}
    except (_Slow, AttributeError, KeyError, ObjectDoesNotExist):
        return _run(steps, serializer, instance)


def _with_timezone(render: Callable[[], Any]) -> Any:
    if _timezone.get() is not None:
        return render()
    token = _timezone.set(timezone.get_current_timezone())
    try:
        return render()
    finally:
        _timezone.reset(token)


class _FastList(serializers.ListSerializer[Any]):
    def to_representation(self, data: Any) -> Any:
        child: Any = self.child
        # A subclass with a to_representation of its own keeps it.
        by_plan = type(child).to_representation is FastRepresentation.to_representation
        plan = _fast_plan(type(child)) if by_plan else None
        if plan is None:
            return _with_timezone(lambda: super(_FastList, self).to_representation(data))
        steps, readers = plan
        # DRF's list (a manager's rows, or the page), each item as the child renders it.
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        return _with_timezone(lambda: [_render(steps, readers, child, row) for row in rows])


def _fast_plan(
    cls: type,
) -> tuple[list[_Step], tuple[tuple[str, _Reader], ...]] | None:
    steps = _plan_for(cls)
    if steps is None:
        return None
    readers = _READERS.get(cls)
    if readers is None:
        readers = _READERS[cls] = _readers(steps)
    return steps, readers


class FastRepresentation:
    """Mix into a read serializer (before the DRF base) to render it with a compiled plan."""

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> Any:
        listing = super().many_init(*args, **kwargs)  # type: ignore[misc]
        if type(listing) is serializers.ListSerializer:
            # DRF's list, rendering the page under one time zone lookup (it adds no state).
            listing.__class__ = _FastList
        return listing

    def to_representation(self, instance: Any) -> Any:
        plan = _fast_plan(type(self))
        if plan is None:
            return super().to_representation(instance)  # type: ignore[misc]
        steps, readers = plan
        return _with_timezone(lambda: _render(steps, readers, self, instance))
