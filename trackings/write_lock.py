"""The serialized tail of a tracking create: the customers locked, and in the same statement
what the write adds to them — its trackings to their kept count, its growth bound to their
containers' stored measures — so that far below both limits nothing is counted or compiled.

Writers of the same customers take turns from this statement to their commit; the inserts and
compiles before it overlap. The customers are locked FOR NO KEY UPDATE in key order, so two
writers never deadlock, and rows the writer inserted for them (which hold a key-share lock on
their customer) are not in the way. The kept count and the measure are changed by UPDATEs, not
read with the lock: a locked read that waited for another writer returns the other tables' rows
as they were before that writer's commit (PostgreSQL re-reads only the rows it locks), so the
other writer's growth would be lost; an UPDATE re-checks its row as committed. Each row is
updated after its customer's lock is held.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from customers.models import Customer, GoogleConnection
from integrations.google.container_size import gtm_container_limit_bytes
from oneclicktag.core.rows import update_each, uses_postgresql
from trackings.models import CustomerTrackingCount


@dataclass(frozen=True)
class LockedCustomers:
    """What `customers_lock_for_create` found, by customer: the kept trackings at most, new
    ones included (None: unknown), of each customer it locked (one deleted meanwhile is
    absent), and the stored measures it grew."""

    kept_at_most: dict[uuid.UUID, int | None]
    grown: dict[uuid.UUID, int]


def customers_lock_for_create(
    *,
    organization_id: uuid.UUID,
    added: Mapping[uuid.UUID, int],
    growths: Mapping[Any, int],
) -> LockedCustomers:
    """Lock the customers that `added` new trackings for, count those trackings into each one's
    kept trackings, and grow each container's stored measure by its `growths` bound where that
    keeps it under Google's limit (where it does not, near the limit or with no measure yet, the
    caller compiles the whole container). One statement, inside the caller's transaction."""
    ids = sorted(added)
    grow = {pk: growth for pk, growth in growths.items() if pk in added}
    limit = gtm_container_limit_bytes()
    if not uses_postgresql():
        return _lock_for_create_embedded(organization_id, ids, added, grow, limit)
    with connection.cursor() as cursor:
        cursor.execute(
            _LOCK_FOR_CREATE_SQL,
            [
                organization_id,
                ids,
                ids,
                [added[pk] for pk in ids],
                list(grow),
                list(grow.values()),
                limit,
            ],
        )
        rows = cursor.fetchall()
    return LockedCustomers(
        kept_at_most={pk: kept for pk, kept, _ in rows},
        grown={pk: size for pk, _, size in rows if size is not None},
    )


_LOCK_FOR_CREATE_SQL = f"""
WITH locked AS MATERIALIZED (
    SELECT c.id FROM {Customer._meta.db_table} c
    WHERE c.organization_id = %s AND c.id = ANY(%s) AND c.deleted IS NULL
    ORDER BY c.id
    FOR NO KEY UPDATE
), counted AS (
    UPDATE {CustomerTrackingCount._meta.db_table} k
    SET kept_at_most = k.kept_at_most + given.added
    FROM locked, unnest(%s::uuid[], %s::integer[]) AS given(customer_id, added)
    WHERE locked.id = given.customer_id AND k.customer_id = given.customer_id
    RETURNING k.customer_id, k.kept_at_most
), grown AS (
    UPDATE {GoogleConnection._meta.db_table} g
    SET gtm_our_size_bytes = g.gtm_our_size_bytes + given.growth
    FROM locked, unnest(%s::uuid[], %s::integer[]) AS given(customer_id, growth)
    WHERE locked.id = given.customer_id AND g.customer_id = given.customer_id
        AND g.gtm_our_size_bytes > 0
        AND g.gtm_our_size_bytes + given.growth + g.gtm_foreign_size_bytes <= %s
    RETURNING g.customer_id, g.gtm_our_size_bytes
)
SELECT locked.id, counted.kept_at_most, grown.gtm_our_size_bytes
FROM locked
    LEFT JOIN counted ON counted.customer_id = locked.id
    LEFT JOIN grown ON grown.customer_id = locked.id
"""  # noqa: S608 - only the models' table names are formatted in


def _lock_for_create_embedded(
    organization_id: uuid.UUID,
    ids: list[uuid.UUID],
    added: Mapping[uuid.UUID, int],
    grow: dict[Any, int],
    limit: int,
) -> LockedCustomers:
    # SQLite takes one writer at a time (IMMEDIATE transactions): there is nothing to lock.
    live = Customer.objects.filter(organization_id=organization_id, pk__in=ids)
    kept: dict[uuid.UUID, int | None] = dict.fromkeys(live.values_list("pk", flat=True))
    for count in CustomerTrackingCount.objects.filter(customer_id__in=list(kept)):
        kept[count.customer_id] = count.kept_at_most + added[count.customer_id]
    customers_kept_counted(counts={pk: n for pk, n in kept.items() if n is not None})
    grown: dict[uuid.UUID, int] = {}
    sizes: dict[Any, int] = {}
    for google in GoogleConnection.objects.filter(customer_id__in=set(kept) & set(grow)):
        size = google.gtm_our_size_bytes + grow[google.customer_id]
        if google.gtm_our_size_bytes > 0 and size + google.gtm_foreign_size_bytes <= limit:
            grown[google.customer_id] = sizes[google.pk] = size
    update_each(GoogleConnection, "gtm_our_size_bytes", sizes)
    return LockedCustomers(kept_at_most=kept, grown=grown)


def customers_kept_counted(*, counts: Mapping[uuid.UUID, int]) -> None:
    """Keep the kept counts a writer holding the customers' locks just made."""
    CustomerTrackingCount.objects.bulk_create(
        [CustomerTrackingCount(customer_id=pk, kept_at_most=n) for pk, n in counts.items()],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=["kept_at_most"],
    )


def customers_kept_forget(*, customer_ids: Iterable[Any]) -> None:
    """Trackings came back without a create (a rollback, a restored customer): their customers'
    kept counts are unknown until the next create counts them."""
    CustomerTrackingCount.objects.filter(customer_id__in=customer_ids).delete()
