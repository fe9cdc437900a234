"""The tables every tracking write inserts into keep no one-column index that another index of
the same table starts with: each insert maintains every index (a bulk create of 100 trackings
writes 100 trackings, 100 audit events and a deployment request a customer), and the longer index
answers the same lookups. (Colder tables keep Django's foreign-key indexes.)"""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

HOT_WRITE_TABLES = {
    "trackings_tracking",
    "tenants_auditevent",
    "trackings_deploymentrequest",
    "trackings_pendingchangetracking",
}
# Kept on purpose: the only longer indexes that start with these columns are partial
# (`WHERE deleted IS NULL`), which a lookup of removed trackings (`?status=removed`, a
# cascade) cannot use.
PARTIAL_ONLY = {("trackings_tracking", "organization_id")}


def test_no_one_column_index_repeats_the_start_of_another() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, i.relname,
                (SELECT array_agg(a.attname ORDER BY k.n)
                 FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum),
                x.indpred IS NOT NULL
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace ns ON ns.oid = t.relnamespace
            WHERE ns.nspname = 'public' AND x.indexprs IS NULL
            """
        )
        indexes = cursor.fetchall()
    redundant = []
    for table, name, columns, partial in indexes:
        if table not in HOT_WRITE_TABLES or len(columns) != 1 or partial:
            continue
        if (table, columns[0]) in PARTIAL_ONLY:
            continue
        longer = [
            other
            for other_table, other, other_columns, other_partial in indexes
            if other_table == table
            and other != name
            and not other_partial
            and len(other_columns) > 1
            and other_columns[0] == columns[0]
        ]
        if longer:
            redundant.append(f"{table}.{name} ({columns[0]}): {', '.join(longer)} start with it")
    assert redundant == [], "\n".join(redundant)
