"""One trigram index for `?search=`: GIN on `UPPER(name ␟ type ␟ ga4_event_name)`, the single
expression trackings/search.py asks per term (PostgreSQL; embedded mode's SQLite searches
without it).

Not partial: the planner reads statistics on an index's expression only from a non-partial
index, and those statistics are what make it take this index for a rare term and the list's
own order for a common one (0007's partial, per-column indexes gave it a fixed guess; 0008).
Built concurrently, so a large table keeps taking writes meanwhile.
"""

from typing import Any

from django.db import migrations

INDEX = "tracking_search_trgm"
# UPPER(trackings.search.searched_text()::text) as of this migration: the three fields joined
# by the ASCII unit separator, in icontains' UPPER(...::text).
CREATE = (
    f"CREATE INDEX CONCURRENTLY {INDEX} ON trackings_tracking USING gin "
    "((UPPER((name || E'\\x1f' || type || E'\\x1f' || ga4_event_name)::text)) gin_trgm_ops)"
)


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # A concurrent build that failed leaves an invalid index of this name behind.
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
    schema_editor.execute(CREATE)


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [("trackings", "0014_pending_change_trackings")]

    operations = [migrations.RunPython(_create, _drop)]
