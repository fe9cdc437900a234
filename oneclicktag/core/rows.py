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
from contextlib import nullcontext
from functools import cache, lru_cache
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


def insert(objs: Sequence[Model], alias: str = "default") -> None:
    """INSERT new instances of one model in one statement, as `bulk_create` does (each field's
    `pre_save` and `get_db_prep_save`; no signals), without its SQL compiler. For models whose
    primary key is set in Python (a UUID default): nothing is read back."""
    if not objs:
        return
    model = type(objs[0])
    if model._meta.pk is None or model._meta.pk.db_returning:
        raise ValueError(f"{model.__name__}'s key comes from the database; use bulk_create.")
    connection = connections[alias]
    fields = _fields(model)
    rows: list[list[Any]] = []
    for obj in objs:
        new: Any = obj  # Django's own preparation steps, which django-stubs does not declare
        if not new._is_pk_set():
            new.pk = model._meta.pk.get_pk_value_on_save(obj)
        new._prepare_related_fields_for_save(operation_name="bulk_create")
        rows.append(
            [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        )
    with connection.cursor() as cursor:
        if len(rows) >= COPY_FROM_ROWS and connection.vendor == "postgresql":
            _copy(cursor, model, rows, alias)
        else:
            cursor.execute(_insert_sql(model, len(rows), alias), [v for row in rows for v in row])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


# From this many rows a COPY costs less than an INSERT: psycopg writes COPY rows in C, where an
# INSERT's parameters are each quoted into the statement (a bulk create of 100 trackings sent
# 2,600 of them).
COPY_FROM_ROWS = 10


def _copy(cursor: Any, model: type[Model], rows: list[list[Any]], alias: str) -> None:
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in _fields(model))
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    # Logged like any statement where Django logs them (DEBUG, tests counting queries).
    logged = cursor.debug_sql(statement) if hasattr(cursor, "debug_sql") else nullcontext()
    with logged, cursor.db.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


@lru_cache(maxsize=64)
def _insert_sql(model: type[Model], rows: int, alias: str) -> str:
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in _fields(model))
    one = "(" + ", ".join(["%s"] * len(_fields(model))) + ")"
    values = ", ".join([one] * rows)
    # Only the model's table and column names are formatted in; values are parameters.
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608


def update(model: type[Model], pk: Any, values: dict[str, Any], alias: str = "default") -> None:
    """`model.objects.filter(pk=pk).update(**values)` (each field's `get_db_prep_save`; like
    `update()`, no `auto_now`), without the SQL compiler."""
    connection = connections[alias]
    meta: Any = model._meta
    fields = [meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    params = [
        field.get_db_prep_save(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    params.append(meta.pk.get_db_prep_value(pk, connection))
    # Only the model's table and column names are formatted in; values are parameters.
    table, key = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE {key} = %s", params)  # noqa: S608


def update_each(model: type[Model], name: str, values: dict[Any, Any]) -> None:
    """Set one column to a value per row (primary key -> value): `bulk_update` in one UPDATE
    from two arrays on PostgreSQL, without its CASE per row."""
    if not values:
        return
    if not uses_postgresql():
        objs = [model(pk=pk, **{name: value}) for pk, value in values.items()]
        model._default_manager.bulk_update(objs, [name])
        return
    connection = connections["default"]
    meta: Any = model._meta
    field, key = meta.get_field(name), meta.pk
    quote = connection.ops.quote_name
    table, column, key_column = quote(meta.db_table), quote(field.column), quote(key.column)
    sql = (
        f"UPDATE {table} SET {column} = given.value "  # noqa: S608 - names only, values are params
        f"FROM unnest(%s::{key.db_type(connection)}[], %s::{field.db_type(connection)}[]) "
        f"AS given(key, value) WHERE {table}.{key_column} = given.key"
    )
    keys = [key.get_db_prep_value(pk, connection) for pk in values]
    prepared = [field.get_db_prep_save(value, connection) for value in values.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys, prepared])
