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

import datetime
import inspect
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from functools import cache, lru_cache
from typing import Any, TypeVar

import orjson
from django.db import connections, models
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg.types.json import Jsonb

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


def instances(row: Sequence[Any], *models: type[Model]) -> list[Any]:
    """A row of several models' `select_list`s, joined in that order, as one instance each
    (None for a model whose key is NULL: an outer join found nothing)."""
    found: list[Any] = []
    start = 0
    for model in models:
        end = start + len(_fields(model))
        key = row[start + _key_index(model)]
        found.append(None if key is None else instance(model, row[start:end]))
        start = end
    return found


@cache
def _key_index(model: type[Model]) -> int:
    return next(i for i, field in enumerate(_fields(model)) if field.primary_key)


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


def new_instances(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[M]:
    """New, unsaved instances, each from a mapping of attribute names (`customer_id`, not
    `customer`) to values, every other field at its default: what `model(**fields)` builds,
    passed by position, which `Model.__init__` reads without its keyword handling (that was a
    tenth of a bulk create of 100 trackings). Related objects are not cached: set them where a
    caller reads them."""
    defaults = _defaults(model)
    plainly = _built_plainly(model)
    built = []
    for row in rows:
        values = {name: row[name] if name in row else default() for name, default in defaults}
        if not plainly:
            built.append(model(*values.values()))
            continue
        # What `Model.__init__` does with every field given by position, when no signal
        # receiver and no field descriptor of its own would see the difference: a fresh
        # state, then each value in the instance's dict (half of what building one cost).
        obj = model.__new__(model)
        obj._state = ModelState()
        obj.__dict__.update(values)
        built.append(obj)
    return built


def _built_plainly(model: type[Model]) -> bool:
    return (
        _no_own_construction(model)
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


@cache
def _no_own_construction(model: type[Model]) -> bool:
    """Whether `model(*values)` only stores each value in the instance's dict: Django's own
    `__init__`, and no field attribute that does more on assignment (a foreign key's id
    attribute only drops a cached related object, which a new instance has not)."""
    if model.__init__ is not Model.__init__:
        return False
    for field in _fields(model):
        attribute = inspect.getattr_static(model, field.attname, None)
        if hasattr(type(attribute), "__set__") and not isinstance(
            attribute, ForeignKeyDeferredAttribute
        ):
            return False
    return True


@cache
def _defaults(model: type[Model]) -> tuple[tuple[str, Callable[[], Any]], ...]:
    return tuple((field.attname, field.get_default) for field in _fields(model))


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
    preparers = _preparers(model, alias)
    rows: list[list[Any]] = []
    for obj in objs:
        new: Any = obj  # Django's own preparation steps, which django-stubs does not declare
        if not new._is_pk_set():
            new.pk = model._meta.pk.get_pk_value_on_save(obj)
        new._prepare_related_fields_for_save(operation_name="bulk_create")
        rows.append([prepare(obj) for prepare in preparers])
    with connection.cursor() as cursor:
        if len(rows) >= COPY_FROM_ROWS and connection.vendor == "postgresql":
            _copy(cursor, model, rows, alias)
        else:
            cursor.execute(_insert_sql(model, len(rows), alias), [v for row in rows for v in row])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


# Values PostgreSQL takes as they are, by field class: what `get_db_prep_save` answers for
# them there is the value itself (an aware datetime, a UUID, a string...), so it is skipped.
_READY_AS_THEY_ARE: dict[type[Field[Any, Any]], tuple[type, ...]] = {
    models.DateTimeField: (datetime.datetime,),
    models.UUIDField: (uuid.UUID,),
    models.CharField: (str,),
    models.TextField: (str,),
    models.SlugField: (str,),
    models.EmailField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.BigIntegerField: (int,),
}


@cache
def _preparers(model: type[Model], alias: str) -> tuple[Callable[[Model], Any], ...]:
    """For each column, the instance's value as `bulk_create` sends it: `pre_save`, then
    `get_db_prep_save`, skipped where the value is ready as it is (on PostgreSQL)."""
    connection = connections[alias]
    on_postgresql = connection.vendor == "postgresql"

    def preparer(field: Field[Any, Any]) -> Callable[[Model], Any]:
        if on_postgresql and type(field) is models.JSONField:
            return _json_preparer(field, connection)
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        ready = _READY_AS_THEY_ARE.get(type(target), ()) if on_postgresql else ()
        attname, own_pre_save = field.attname, type(field).pre_save is not Field.pre_save

        def prepare(obj: Model) -> Any:
            value = field.pre_save(obj, True) if own_pre_save else getattr(obj, attname)
            if value is None and field.null:
                return None
            # A naive datetime takes Django's path (its warning, the default time zone).
            naive = type(value) is datetime.datetime and value.tzinfo is None
            if type(value) in ready and not naive:
                return value
            return field.get_db_prep_save(value, connection)

        return prepare

    return tuple(preparer(field) for field in _fields(model))


_PLAIN_JSON = (dict, list, str, int, float, bool)


def _json_preparer(field: models.JSONField[Any], connection: Any) -> Callable[[Model], Any]:
    """A JSONField's value as Django sends it to PostgreSQL (`Jsonb`), written by orjson: a
    tracking's audit snapshot took a tenth of a millisecond with `json.dumps`. `json.dumps`
    (with the field's encoder) still writes what orjson refuses (an integer beyond 64 bits)
    and whatever is not plain JSON data (an expression goes Django's own way). Two values that
    were errors are written instead: a UUID without an encoder (orjson writes it itself) and a
    float NaN (orjson writes null where PostgreSQL refused `NaN`)."""
    attname = field.attname
    encoder = field.encoder
    default = encoder().default if encoder is not None else None
    # What orjson would write its own way goes to the encoder, as with json.dumps.
    options = (
        orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    )

    def dumps(value: Any) -> bytes | str:
        try:
            return orjson.dumps(value, default=default, option=options)
        except orjson.JSONEncodeError:
            return json.dumps(value, cls=encoder)

    def prepare(obj: Model) -> Any:
        value = getattr(obj, attname)
        if value is None:
            return None  # SQL NULL, as Django's JSONField sends it
        if not isinstance(value, _PLAIN_JSON):
            return field.get_db_prep_save(value, connection)
        return Jsonb(value, dumps=dumps)

    return prepare


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
