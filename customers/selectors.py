"""Reads of customers and their Google connections that other areas share (our tables only;
what Google itself says is read in integrations/google/lookups.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from customers.models import ConnectionStatus, Customer, GoogleConnection
from tenants.models import Organization


def customers_by_ids(
    *, organization: Organization, ids: Iterable[Any], for_update: bool = False
) -> dict[uuid.UUID, Customer]:
    """The organization's live customers among `ids`, in one query; foreign ids are simply absent.

    Ids that are not UUIDs are skipped, so a caller can report them like any unknown customer.
    """
    wanted = set()
    for raw in ids:
        try:
            wanted.add(raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw)))
        except (ValueError, TypeError, AttributeError):
            continue
    if not wanted:
        return {}
    queryset = Customer.objects.filter(organization=organization, pk__in=wanted).select_related(
        "google_connection"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return {customer.pk: customer for customer in queryset}


# A customer's Google connection as clients see it (API.md): no grant and a revoked grant are
# the same thing to them, so one customer never shows two connection statuses.
NOT_CONNECTED = "not_connected"


def google_connection_status(connection: GoogleConnection | None) -> str:
    """`not_connected`, `connected` or `needs_reconnect`."""
    if connection is None or connection.status == ConnectionStatus.REVOKED:
        return NOT_CONNECTED
    return str(connection.status)


def gtm_containers_in_use(*, other_than: GoogleConnection) -> set[str]:
    """GTM container ids the other connections (of any organization) own."""
    return set(
        GoogleConnection.objects.exclude(pk=other_than.pk)
        .exclude(gtm_container_id="")
        .values_list("gtm_container_id", flat=True)
    )


def ga4_streams_in_use(*, other_than: GoogleConnection) -> set[str]:
    """GA4 web stream ids the other connections (of any organization) use."""
    return set(
        GoogleConnection.objects.exclude(pk=other_than.pk)
        .exclude(ga4_stream_id="")
        .values_list("ga4_stream_id", flat=True)
    )
