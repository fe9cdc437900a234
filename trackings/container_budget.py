"""The container budget: Google's 200 KB for a web container, counted as our compiled entities
plus what a person's own entities take in the same container, as the engine last read it.

The sizes live on the customer's GoogleConnection: ours is stored at every compile (a write's
check, a deployment), the live and foreign sizes whenever the engine reads the live version
(deployments, health checks). The connection endpoint reads those columns; nothing compiles
on a read. A write is refused only when it would GROW a container past the limit: a change
that shrinks a container already over it (or keeps its size) goes through, so a customer can
always work its way back under.

A write far below the limit costs no compile of the whole container: the written trackings
compiled alone (with every shared entity they need, present or not) bound what they can add,
and the stored measure grows by that bound. Near the limit, or with no measure yet, the whole
container is compiled and the measure is exact again (a deployment always makes it exact).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone

from customers.models import Customer, GoogleConnection
from integrations.google.container_size import gtm_container_limit_bytes
from oneclicktag.core.rows import update_each
from trackings.compiler.size import container_size_bytes, entities_size_bytes
from trackings.desired import compile_desired, known_ads_tag_id
from trackings.models import Tracking
from trackings.planner.plan import managed_key

# The kinds of a container version that count toward its size (what a workspace holds besides
# built-in variables, which are switches, not entities).
SIZED_KINDS = (
    "tag",
    "trigger",
    "variable",
    "folder",
    "customTemplate",
    "client",
    "transformation",
    "zone",
)


def our_size(customer: Customer, wanted: list[Tracking]) -> int:
    """Bytes these wanted trackings' entities take in the customer's container (0 without a
    connection: there is no container to compile for)."""
    connection = getattr(customer, "google_connection", None)
    if connection is None:
        return 0
    compiled = compile_desired(customer, wanted, connection, known_ads_tag_id(wanted))
    return container_size_bytes(compiled.desired)


def our_size_record(connection: GoogleConnection, size: int) -> None:
    """Keep the size just measured (inside the caller's transaction: a refusal rolls it back)."""
    if connection.gtm_our_size_bytes != size:
        # Kept on every tracking write: an UPDATE without the ORM's compile.
        update_each(GoogleConnection, "gtm_our_size_bytes", {connection.pk: size})
        connection.gtm_our_size_bytes = size


def live_sizes(live: Mapping[str, Any], owner: str) -> tuple[int, int]:
    """(the live version's size, what the entities that are not this customer's add to it)."""
    grouped = {kind: list(live.get(kind) or []) for kind in SIZED_KINDS}
    total = entities_size_bytes(grouped)
    ours = {
        kind: [e for e in entities if managed_key(e, owner) is not None]
        for kind, entities in grouped.items()
    }
    return total, max(0, total - entities_size_bytes(ours))


def live_size_record(connection: GoogleConnection, live: Mapping[str, Any] | None) -> None:
    """Keep the size of the live version the engine just read, and a person's share of it."""
    if not live:
        return
    total, foreign = live_sizes(live, str(connection.customer_id))
    fields = {
        "gtm_live_size_bytes": total,
        "gtm_foreign_size_bytes": foreign,
        "gtm_live_size_read_at": timezone.now(),
    }
    GoogleConnection.objects.filter(pk=connection.pk).update(**fields)
    for name, value in fields.items():
        setattr(connection, name, value)


def our_sizes_record(sizes: Mapping[GoogleConnection, int]) -> None:
    """Keep several measures in one UPDATE (a bulk write's customers)."""
    changed = {c: size for c, size in sizes.items() if c.gtm_our_size_bytes != size}
    update_each(GoogleConnection, "gtm_our_size_bytes", {c.pk: s for c, s in changed.items()})
    for connection, size in changed.items():
        connection.gtm_our_size_bytes = size


def growth_bound(customer: Customer, written: list[Tracking]) -> int:
    """At most what writing these trackings adds to the customer's container: their entities
    compiled alone, with the shared ones they need counted whether or not they exist already.
    Removing a tracking's old entities only shrinks, so this bounds creates and updates."""
    return our_size(customer, written)


def budget_refusal(
    customer: Customer,
    *,
    wanted: Callable[[], list[Tracking]],
    wanted_before: Callable[[], list[Tracking]],
    written: list[Tracking] | None = None,
    measured: dict[GoogleConnection, int] | None = None,
) -> str | None:
    """Measure the customer's container with the `wanted` trackings and keep the measure (or
    add it to `measured`, for the caller to keep with others in one query); the reason to refuse
    the write when it would grow the container past Google's limit, else None. With `written`
    (the trackings this write creates or changes) a write far below the limit is judged by the
    stored measure plus their growth bound, compiling only them. `wanted_before` (the trackings
    as they were) is compiled only when the limit is passed."""
    connection = getattr(customer, "google_connection", None)
    if connection is None:
        return None
    foreign = connection.gtm_foreign_size_bytes
    stored = connection.gtm_our_size_bytes
    limit = gtm_container_limit_bytes()
    if written is not None and stored > 0:
        bound = stored + growth_bound(customer, written)
        if bound + foreign <= limit:
            _keep(connection, bound, measured)
            return None
    size = our_size(customer, wanted())
    _keep(connection, size, measured)
    if size + foreign <= limit:
        return None
    if size <= our_size(customer, wanted_before()):
        return None
    total = size + foreign
    theirs = f" ({foreign} of them taken by entities made in GTM by hand)" if foreign else ""
    return (
        f"The customer's GTM container would be {total} bytes{theirs}, "
        f"{total - limit} bytes over Google's limit of {limit} bytes for a web container."
    )


def _keep(
    connection: GoogleConnection, size: int, measured: dict[GoogleConnection, int] | None
) -> None:
    if measured is None:
        our_size_record(connection, size)
    else:
        measured[connection] = size
