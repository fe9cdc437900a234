"""Keyset (seek) cursor pages for every list: `{"next", "previous", "results"}`.

A cursor holds the values of *every* ordering field of the page's boundary row (the last row
for `next`, the first for `previous`), and the next page is the rows strictly after that row in
the full ordering: `WHERE (status, created_at, id) ... > (...)`, with no OFFSET. DRF's cursor
kept the first field's value and an offset among the rows sharing it, capped at 1,000, so a
tie run longer than that (1,000 trackings of one status) could not be paged through, and each
page of a run cost an OFFSET scan (issue 15: organizations hold up to 200k trackings).

How the comparison is asked, so that the list's indexes serve it (EXPLAIN in
tests/core/test_keyset_pagination.py):
- consecutive fields ordered the same way and never NULL are one row comparison,
  `(name, id) > (%s, %s)`, which PostgreSQL reads as the start of a range of the index;
- an ordering of several such runs (`status, -created_at, -id`: the (organization, status,
  -created_at, -id) index) is one branch per run, "equal before, after within this run":
  `status = x AND (created_at, id) < (y, z)`, then `status > x`. Each branch is a range of the
  index read in order and cut at the page size; the page is the first rows of their union.
  One OR of the branches would be read from the start of the tie run and filtered instead;
- a field that can be NULL (`finished_at`) is a run of its own, NULLs where PostgreSQL puts
  them: after every value ascending, before them descending.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone
from rest_framework import exceptions, pagination
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param


class InvalidCursor(ValueError):
    """A cursor this ordering never gave out."""


@dataclass(frozen=True)
class OrderKey:
    """One field of an ordering: `-created_at` is (created_at's field, descending)."""

    field: Field[Any, Any]
    descending: bool

    @property
    def name(self) -> str:
        return str(self.field.name)

    @property
    def token(self) -> str:
        return f"-{self.name}" if self.descending else self.name

    def flipped(self) -> OrderKey:
        return OrderKey(self.field, not self.descending)


@dataclass(frozen=True)
class Position:
    """Where a page starts: after (`reverse`: before) the row with these ordering values."""

    values: tuple[Any, ...]
    reverse: bool


def order_keys(model: type[Model], ordering: Sequence[str]) -> tuple[OrderKey, ...]:
    keys = []
    for token in ordering:
        name = token.lstrip("-")
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        assert isinstance(field, Field), f"{model.__name__}.{name} is no column to order by"
        keys.append(OrderKey(field, token.startswith("-")))
    return tuple(keys)


def encode_position(keys: Sequence[OrderKey], position: Position) -> str:
    """The opaque cursor: URL-safe base64 of {"o": the ordering, "v": the values as text (ISO
    8601 for datetimes, to the microsecond), "r": backwards}."""
    payload = {
        "o": [key.token for key in keys],
        "v": [_as_text(value) for value in position.values],
        "r": position.reverse,
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(keys: Sequence[OrderKey], cursor: str) -> Position:
    """The position `encode_position` wrote for this ordering, each value parsed as its field's
    type; anything else (another ordering's cursor, a value that is no such type, a NULL where
    the column has none) is an InvalidCursor."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor("not a cursor") from error
    if not isinstance(payload, dict) or set(payload) != {"o", "v", "r"}:
        raise InvalidCursor("not a cursor")
    if payload["o"] != [key.token for key in keys]:
        raise InvalidCursor("a cursor of another ordering")
    texts, reverse = payload["v"], payload["r"]
    if not isinstance(reverse, bool) or not isinstance(texts, list) or len(texts) != len(keys):
        raise InvalidCursor("not a cursor")
    return Position(
        tuple(_parsed(key.field, text) for key, text in zip(keys, texts, strict=True)), reverse
    )


def position_of(keys: Sequence[OrderKey], row: Model) -> tuple[Any, ...]:
    return tuple(getattr(row, key.field.attname) for key in keys)


def keyset_page(
    queryset: QuerySet[Any], keys: Sequence[OrderKey], values: Sequence[Any] | None, limit: int
) -> list[Any]:
    """The first `limit` rows of `queryset` in the order of `keys`, after the row whose ordering
    values are `values` (from the start when None). One query."""
    ordering = [key.token for key in keys]
    if values is None:
        return list(queryset.order_by(*ordering)[:limit])
    branches = _branches(keys, values)
    if not branches:
        return []
    if len(branches) == 1:
        return list(queryset.filter(*branches[0]).order_by(*ordering)[:limit])
    # Each branch read in index order and cut at the page size; the page is the first rows of
    # their union. The branches' rows are picked by id, so the caller's query (its joins,
    # annotations and prefetches) stays the query that builds the page.
    ids = queryset.prefetch_related(None).order_by(*ordering).values("pk")
    parts = [ids.filter(*conditions)[:limit] for conditions in branches]
    union = parts[0].union(*parts[1:], all=True)
    return list(queryset.filter(pk__in=union).order_by(*ordering)[:limit])


def _branches(keys: Sequence[OrderKey], values: Sequence[Any]) -> list[list[Any]]:
    """The conditions of "after `values`" as branches of an OR, each a list of conditions to
    AND: one per run of `_runs`, its earlier runs equal and itself after."""
    branches: list[list[Any]] = []
    equal: list[Any] = []
    for run in _runs(keys):
        run_values = [values[index] for index in run]
        run_keys = [keys[index] for index in run]
        after = _after(run_keys, run_values)
        if after is not None:
            branches.append([*equal, after])
        equal.append(_equal(run_keys, run_values))
    return branches


def _runs(keys: Sequence[OrderKey]) -> list[list[int]]:
    """The ordering cut where the direction changes and around each field that can be NULL:
    what is left is one row comparison each."""
    runs: list[list[int]] = []
    for index, key in enumerate(keys):
        previous = keys[index - 1] if index else None
        if (
            previous is not None
            and not key.field.null
            and not previous.field.null
            and previous.descending == key.descending
        ):
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs


def _equal(keys: Sequence[OrderKey], values: Sequence[Any]) -> Q:
    condition = Q()
    for key, value in zip(keys, values, strict=True):
        condition &= Q(**{f"{key.name}__isnull": True} if value is None else {key.name: value})
    return condition


def _after(keys: Sequence[OrderKey], values: Sequence[Any]) -> Any:
    """Rows after `values` in one run, or None when no row can be (after a NULL ascending).
    PostgreSQL sorts NULL after every value: last ascending, first descending."""
    if len(keys) > 1:
        columns = Tuple(*(F(key.name) for key in keys))
        lookup = TupleLessThan if keys[0].descending else TupleGreaterThan
        return lookup(columns, tuple(values))
    (key,), (value,) = keys, values
    if key.descending:
        if value is None:
            return Q(**{f"{key.name}__isnull": False})
        return Q(**{f"{key.name}__lt": value})
    if value is None:
        return None
    after = Q(**{f"{key.name}__gt": value})
    return after | Q(**{f"{key.name}__isnull": True}) if key.field.null else after


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _parsed(field: Field[Any, Any], text: Any) -> Any:
    if text is None:
        if not field.null:
            raise InvalidCursor(f"{field.name} is never null")
        return None
    # PostgreSQL takes no NUL in text, and the driver would refuse the query (a 500).
    if not isinstance(text, str) or "\x00" in text:
        raise InvalidCursor(f"not a {field.name}")
    try:
        value = field.to_python(text)
    except (DjangoValidationError, TypeError, ValueError) as error:
        raise InvalidCursor(f"not a {field.name}") from error
    # A datetime without its zone would be read as the server's, or warned about.
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        raise InvalidCursor(f"not a {field.name}")
    return value


class CursorPagination(pagination.CursorPagination):
    """Stable keyset pages: `{"next", "previous", "results"}`, `?page_size=` up to 200.

    A cursor or page size that makes no sense is a 400 naming it, like any bad input (DRF
    answers 404 for the one and quietly ignores the other).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)  # type: ignore[assignment]
        self.keys = order_keys(queryset.model, self.ordering)
        self.position: Position | None = self.decode_cursor(request)
        reverse = self.position is not None and self.position.reverse
        walk = [key.flipped() for key in self.keys] if reverse else list(self.keys)
        values = self.position.values if self.position is not None else None
        rows = keyset_page(queryset, walk, values, self.page_size + 1)
        more = len(rows) > self.page_size
        page = rows[: self.page_size]
        if reverse:
            page.reverse()
        # A page after (before) a row always has that row on its other side; the side it was
        # read towards has more when the extra row came.
        self.has_next = more if not reverse else True
        self.has_previous = more if reverse else self.position is not None
        self.page = page
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        return self._link(self.page[-1] if self.page else None, reverse=False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        return self._link(self.page[0] if self.page else None, reverse=True)

    def _link(self, row: Model | None, *, reverse: bool) -> str:
        # An empty page (its rows went away) links from the position it was asked with.
        assert row is not None or self.position is not None
        values = position_of(self.keys, row) if row is not None else self.position.values  # type: ignore[union-attr]
        cursor = encode_position(self.keys, Position(values, reverse))
        return replace_query_param(str(self.base_url), self.cursor_query_param, cursor)

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        """The requested ordering with its tie-breaker, so rows that share a value
        (`?ordering=name`) come in one stable order, page after page, and an index on
        (…, field, tie-breaker) serves it: `id` in the field's direction, or what the view's
        `ordering_ties` names for the field (reversed under a descending field, as one index
        read backwards gives them)."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not ordering or ordering[-1].lstrip("-") in ("id", "pk"):
            return ordering
        descending = ordering[0].startswith("-")
        ties: tuple[str, ...] = ("id",)
        if len(ordering) == 1:
            ties = getattr(view, "ordering_ties", {}).get(ordering[0].lstrip("-"), ties)
        return ordering + tuple(_reversed(tie) if descending else tie for tie in ties)

    def decode_cursor(self, request: Request) -> Position | None:  # type: ignore[override]
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is None:
            return None
        try:
            return decode_position(self.keys, cursor)
        except InvalidCursor as error:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]}
            ) from error

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """What `get_page_size` accepts: a whole number from 1 (larger than 200 reads 200)."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, from 1; more than {self.max_page_size} gives "
                    f"{self.max_page_size}."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The cursor of a `next` or `previous` link, as given; any other value is a 400."
                )
        return parameters

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return min(size, self.max_page_size)


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"
