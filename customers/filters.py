"""Query-parameter filters for the customer list: `status`, `tag`, `deleted`."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import connection
from django.db.models import QuerySet

from customers.models import Customer, CustomerStatus
from oneclicktag.core.filters import ChoiceFilter, FilterSet


def filter_by_tag(queryset: QuerySet[Any], tag: str, *, field: str = "tags") -> QuerySet[Any]:
    """Rows whose JSON list `field` holds exactly `tag` (not a substring of one).

    PostgreSQL answers `@>` (containment); SQLite, used only by the embedded mode, has no JSON
    containment lookup in Django, so it looks the value up in `json_each` instead.
    """
    if connection.vendor == "postgresql":
        return queryset.filter(**{f"{field}__contains": [tag]})
    table = queryset.model._meta.db_table
    column = queryset.model._meta.get_field(field).column
    # Identifiers come from the model, never from input; the value is a query parameter.
    condition = f'EXISTS (SELECT 1 FROM json_each("{table}"."{column}") AS t WHERE t.value = %s)'  # noqa: S608
    return queryset.extra(where=[condition], params=[tag])  # noqa: S610


class CustomerFilter(FilterSet):
    status = ChoiceFilter(choices=CustomerStatus.choices)
    tag = django_filters.CharFilter(method="filter_tag", max_length=64, label="Tag (exact match)")

    class Meta:
        model = Customer
        fields = ("status", "tag")

    def filter_tag(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return filter_by_tag(queryset, value)
