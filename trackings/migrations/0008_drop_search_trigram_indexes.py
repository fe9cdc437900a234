"""The trigram indexes of 0007 go again: PostgreSQL's planner does not use them for `?search=`.

DRF's SearchFilter asks `(UPPER(name) LIKE x OR UPPER(type) LIKE x OR UPPER(ga4_event_name)
LIKE x)` per term; measured on 200,000 trackings, the planner either walks the list index (one
selective term: 566 ms) or takes a BitmapOr of the three indexes for the term that matches
every row and filters the other (two terms: 535 ms, against 381 ms for a scan), because its
estimate for `LIKE '%…%'` on an expression is a fixed guess. They cost three GIN updates on
every insert for nothing. Search that an index serves needs one searched expression (a
generated column with a trigram index, queried by a search filter of ours).
"""

from typing import Any

from django.db import migrations

SEARCHED = ("name", "type", "ga4_event_name")


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(f"DROP INDEX IF EXISTS tracking_search_{column}_trgm")


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS tracking_search_{column}_trgm ON trackings_tracking "
            f"USING gin (upper({column}::text) gin_trgm_ops) WHERE deleted IS NULL"
        )


class Migration(migrations.Migration):
    dependencies = [("trackings", "0007_tracking_list_indexes")]

    operations = [migrations.RunPython(_drop, _create)]
