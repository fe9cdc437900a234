"""Model instances from hand-written SQL, for the few reads on the hottest write paths.

Building a query through the ORM costs more CPU than PostgreSQL spends answering it: a locked
read of a customer with its Google connection (`select_related` + `select_for_update`) took
about 1.3 ms of Python per call, the queued deployment 0.9 ms, a per-customer count 1 ms,
where the same statements sent as text cost about 0.1 ms (measured in a test client under
`time.process_time`; issue 15). On `POST /trackings/` those three were a third of the request.
These helpers keep the model layer — each field's own converters and `Model.from_db`, so an
instance is what the ORM would have built — and skip only the SQL compiler. Callers use them on
PostgreSQL and keep the ORM query elsewhere (the embedded SQLite mode).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
_Converter = Callable[[Any, Any, Any], Any]


def uses_postgresql(alias: str = "default") -> bool:
    return connections[alias].vendor == "postgresql"


@cache
def _fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(model._meta.concrete_fields)


@cache
def select_list(model: type[Model], table: str) -> str:
    """Every concrete column of `model`, qualified by `table` (a name or an alias), in the order
    `instance` reads them."""
    return ", ".join(f'{table}."{field.column}"' for field in _fields(model))


def column_count(model: type[Model]) -> int:
    return len(_fields(model))


@cache
def _converters(
    model: type[Model], alias: str
) -> tuple[tuple[int, tuple[_Converter, ...], Any], ...]:
    connection = connections[alias]
    found = []
    for index, field in enumerate(_fields(model)):
        expression = field.get_col(model._meta.db_table)
        converters = (
            *connection.ops.get_db_converters(expression),
            *field.get_db_converters(connection),
        )
        if converters:
            found.append((index, tuple(converters), expression))
    return tuple(found)


def instance(model: type[M], values: Sequence[Any], alias: str = "default") -> M:
    """The instance the ORM builds from a row of `select_list(model, ...)`'s columns."""
    row = list(values)
    connection = connections[alias]
    for index, converters, expression in _converters(model, alias):
        value = row[index]
        for convert in converters:
            value = convert(value, expression, connection)
        row[index] = value
    names = [field.attname for field in _fields(model)]
    return model.from_db(alias, names, row)
