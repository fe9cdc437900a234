"""`?search=` on trackings as one expression that a trigram index serves.

DRF's SearchFilter asks, per term, `UPPER(name) LIKE x OR UPPER(type) LIKE x OR
UPPER(ga4_event_name) LIKE x`: three expressions whose LIKE the planner can only guess at, so
on a large organization it walked the whole list index (migration 0008). Here each term is one
LIKE on the three fields joined by a separator, `searched_text()`, which migration 0015 indexes
(`tracking_search_trgm`, GIN trigram, PostgreSQL): ANALYZE keeps statistics on an index's
expression, so the planner knows how many rows a term matches and takes the index for a rare
term and the list's own order for a common one.

The answer is DRF's, exactly: a term without the separator matches the joined text where it
matches inside one of the fields, since a match cannot span a field's end without containing
the separator. A term that does contain it (a client would have to send %1F) is asked DRF's
way.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import Func, Q, QuerySet, TextField, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan
from rest_framework.filters import SearchFilter
from rest_framework.request import Request

from trackings.catalog import all_tracking_types

# The ASCII unit separator: a control character no name is expected to hold (and if one did,
# only a term holding it too would be asked differently, and answered the same).
SEPARATOR = "\x1f"
SEARCHED_FIELDS = ("name", "type", "ga4_event_name")


class _Joined(Func):
    """Its expressions joined by SEPARATOR: `("name" || '␟' || "type" || …)`, the SQL that
    migration 0015's index spells out (the searched fields are never NULL)."""

    arg_joiner = f" || '{SEPARATOR}' || "
    template = "(%(expressions)s)"
    output_field = TextField()


def searched_text() -> Func:
    """The searched fields joined by SEPARATOR. Migration 0015's index is built on this
    expression, `UPPER(...::text)` around it as `icontains` asks; a change here needs a
    migration that builds the index again."""
    return _Joined(*SEARCHED_FIELDS)


def _common(term: str) -> bool:
    """A term the trigram index answers slowly: one inside a catalog type's key (`button`,
    `click`) is in the searched text of every tracking of that type, in every organization,
    so its trigrams' lists are about as long as the table; one under three characters has no
    trigram and makes the index read everything."""
    upper = term.upper()
    return len(term) < 3 or any(upper in key.upper() for key in _type_keys())


@functools.cache
def _type_keys() -> tuple[str, ...]:
    return tuple(tracking_type.key for tracking_type in all_tracking_types())


class TrackingSearchFilter(SearchFilter):
    """DRF's `?search=` (every term in the name, type or GA4 event name, ignoring case) asked
    as one LIKE per term on `searched_text()`. The parameter and its schema are DRF's.

    PostgreSQL's GIN scan reads the lists of every term it is given, so beside a term that
    narrows (`4242`) a common one (`button`: 1M trackings at the bench's 1M) is asked as a
    STRPOS on the same text, which the index does not take: checked on the rows the rare term
    found, same answer (~1 ms instead of 15-30 ms at 1M)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        terms = self.get_search_terms(request)
        if not terms or not self.get_search_fields(view, request):
            return queryset
        joined = [term for term in terms if SEPARATOR not in term]
        narrowing = any(not _common(term) for term in joined)
        condition = Q()
        for term in terms:
            if SEPARATOR in term:
                # DRF's own OR of the fields.
                either = Q()
                for field in SEARCHED_FIELDS:
                    either |= Q(**{f"{field}__icontains": term})
                condition &= either
            elif narrowing and _common(term):
                found = StrIndex(Upper(searched_text()), Upper(Value(term)))
                condition &= Q(GreaterThan(found, 0))
            else:
                condition &= Q(searched__icontains=term)
        if joined:
            queryset = queryset.alias(searched=searched_text())
        return queryset.filter(condition)
