"""Reads of customers that other areas share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from customers.models import Customer
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
