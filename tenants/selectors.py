"""Reads of tenants hot enough to skip the ORM's query building.

Every request signed with a Firebase ID token reads the person and their memberships (issue
15). Building that query through the ORM (a three-table select_related, its filters, the
model's ordering) cost more CPU than running it; on PostgreSQL it is sent as text
(oneclicktag.core.rows: each field's converters and `Model.from_db`, so callers get what
`Membership.objects.select_related("user", "organization")` gave them).
"""

from __future__ import annotations

from functools import cache

from django.db import connection

from oneclicktag.core.rows import instances, select_list, uses_postgresql
from tenants.models import Membership, Organization, User


@cache
def _memberships_sql() -> str:
    m, o, u = Membership._meta, Organization._meta, User._meta
    # The ORM's query: live organizations only, in Membership's own ordering.
    return (
        f"SELECT {select_list(Membership, 'm')}, {select_list(Organization, 'o')}, "  # noqa: S608 - names only
        f"{select_list(User, 'u')} "
        f'FROM "{m.db_table}" m '
        f'INNER JOIN "{o.db_table}" o ON (m."organization_id" = o."id") '
        f'INNER JOIN "{u.db_table}" u ON (m."user_id" = u."id") '
        f'WHERE (o."deleted" IS NULL AND u."firebase_uid" = %s) '
        f'ORDER BY m."created_at" ASC'
    )


def memberships_with_user(uid: str) -> tuple[Membership, ...]:
    """The person's memberships in live organizations, each with its organization and the
    person (one User object shared by all), in one query. Empty when the person has none or is
    not known."""
    if not uses_postgresql():
        found = tuple(
            Membership.objects.select_related("user", "organization").filter(
                user__firebase_uid=uid, organization__deleted__isnull=True
            )
        )
        for membership in found[1:]:
            membership.user = found[0].user
        return found
    with connection.cursor() as cursor:
        cursor.execute(_memberships_sql(), [uid])
        rows = cursor.fetchall()
    if not rows:
        return ()
    # One person: the user columns are read once, and every membership holds that object.
    first, organization, user = instances(rows[0], Membership, Organization, User)
    memberships = [first]
    first.organization, first.user = organization, user
    for row in rows[1:]:
        membership, membership.organization = instances(row, Membership, Organization)
        membership.user = user
        memberships.append(membership)
    return tuple(memberships)
