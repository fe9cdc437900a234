"""Reads of customers and their Google connections that other areas share (our tables only;
what Google itself says is read in integrations/google/lookups.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import connection

from customers.models import ConnectionStatus, Customer, GoogleConnection
from oneclicktag.core.rows import instances, select_list, uses_postgresql
from tenants.models import Organization


def customers_by_ids(
    *, organization: Organization, ids: Iterable[Any]
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
    if uses_postgresql():
        customers = _customers_with_connections(organization, sorted(wanted))
    else:
        queryset = Customer.objects.filter(organization=organization, pk__in=wanted)
        queryset = queryset.select_related("google_connection").order_by("pk")
        customers = list(queryset)
    for customer in customers:
        # The caller's organization is the customer's: no query to read it again.
        customer.organization = organization
    return {customer.pk: customer for customer in customers}


@cache
def _customers_sql() -> str:
    # Only the models' table and column names are formatted in; values are parameters.
    return (
        f"SELECT {select_list(Customer, 'c')}, {select_list(GoogleConnection, 'g')} "  # noqa: S608
        f"FROM {Customer._meta.db_table} c "
        f"LEFT JOIN {GoogleConnection._meta.db_table} g ON g.customer_id = c.id "
        "WHERE c.organization_id = %s AND c.id = ANY(%s) AND c.deleted IS NULL ORDER BY c.id"
    )


def _customers_with_connections(organization: Organization, ids: list[uuid.UUID]) -> list[Customer]:
    """The ORM query above as text (its compile cost more than the query: oneclicktag.core.rows),
    in key order."""
    connection_of = Customer._meta.get_field("google_connection")
    customer_of = GoogleConnection._meta.get_field("customer")
    customers = []
    with connection.cursor() as cursor:
        cursor.execute(_customers_sql(), [organization.pk, ids])
        for row in cursor.fetchall():
            customer, google = instances(row, Customer, GoogleConnection)
            # What select_related caches: no connection reads as RelatedObjectDoesNotExist.
            connection_of.set_cached_value(customer, google)
            if google is not None:
                customer_of.set_cached_value(google, customer)
            customers.append(customer)
    return customers


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
