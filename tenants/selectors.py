"""Reads of tenants hot enough to skip the ORM's query building.

Every request signed with a Firebase ID token reads the person and their memberships (issue
15). Building that query through the ORM (a three-table select_related, its filters, the
model's ordering) cost more CPU than running it; here its SQL is written once per process from
the models' own fields and every request only runs it. The rows become model instances as the
ORM makes them (`Model.from_db`, the fields' own database converters), so what callers get is
what `Membership.objects.select_related("user", "organization")` gave them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from tenants.models import Membership, Organization, User

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Table:
    """One model's columns in a hand-written SELECT: where they sit in the row, and how the ORM
    turns their database values into attribute values."""

    model: type[Model]
    attnames: tuple[str, ...]
    start: int
    converters: tuple[tuple[int, tuple[Converter, ...], Any], ...]

    def build(self, row: Sequence[Any], db: str, connection: BaseDatabaseWrapper) -> Any:
        values = list(row[self.start : self.start + len(self.attnames)])
        for index, converters, expression in self.converters:
            value = values[index]
            for convert in converters:
                value = convert(value, expression, connection)
            values[index] = value
        return self.model.from_db(db, self.attnames, values)


def _table(
    model: type[Model], alias: str, start: int, connection: BaseDatabaseWrapper
) -> tuple[_Table, list[str]]:
    quote = connection.ops.quote_name
    # Concrete fields always have a column.
    fields = model._meta.concrete_fields
    columns = [f"{alias}.{quote(str(field.column))}" for field in fields]
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(alias)
        # What the SQL compiler applies to each selected column (apply_converters).
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((index, tuple(found), expression))
    table = _Table(model, tuple(field.attname for field in fields), start, tuple(converters))
    return table, columns


@dataclass(frozen=True)
class _MembershipsQuery:
    sql: str
    membership: _Table
    organization: _Table
    user: _Table


def _column(model: type[Model], name: str, connection: BaseDatabaseWrapper) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), (model, name)
    return str(connection.ops.quote_name(str(field.column)))


@functools.cache
def _memberships_query(alias: str) -> _MembershipsQuery:
    connection = connections[alias]
    quote = connection.ops.quote_name
    membership, m_columns = _table(Membership, "m", 0, connection)
    organization, o_columns = _table(Organization, "o", len(m_columns), connection)
    user, u_columns = _table(User, "u", len(m_columns) + len(o_columns), connection)

    def column(model: type[Model], name: str) -> str:
        return _column(model, name, connection)

    # The ORM's query: live organizations only, in Membership's own ordering.
    sql = (
        f"SELECT {', '.join(m_columns + o_columns + u_columns)} "  # noqa: S608 - names only
        f"FROM {quote(Membership._meta.db_table)} m "
        f"INNER JOIN {quote(Organization._meta.db_table)} o "
        f"ON (m.{column(Membership, 'organization')} = o.{column(Organization, 'id')}) "
        f"INNER JOIN {quote(User._meta.db_table)} u "
        f"ON (m.{column(Membership, 'user')} = u.{column(User, 'id')}) "
        f"WHERE (o.{column(Organization, 'deleted')} IS NULL "
        f"AND u.{column(User, 'firebase_uid')} = %s) "
        f"ORDER BY m.{column(Membership, 'created_at')} ASC"
    )
    return _MembershipsQuery(sql, membership, organization, user)


def memberships_with_user(uid: str) -> tuple[Membership, ...]:
    """The person's memberships in live organizations, each with its organization and the
    person (one User object shared by all), in one query. Empty when the person has none or is
    not known."""
    alias = router.db_for_read(Membership)
    connection = connections[alias]
    query = _memberships_query(alias)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [uid])
        rows = cursor.fetchall()
    if not rows:
        return ()
    user = query.user.build(rows[0], alias, connection)
    found = []
    for row in rows:
        membership = query.membership.build(row, alias, connection)
        membership.organization = query.organization.build(row, alias, connection)
        membership.user = user
        found.append(membership)
    return tuple(found)
