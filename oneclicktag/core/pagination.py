from __future__ import annotations

from typing import Any

from rest_framework import exceptions, pagination
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Stable cursor pages: `{"next", "previous", "results"}`, `?page_size=` up to 200.

    A cursor or page size that makes no sense is a 400 naming it, like any bad input (DRF
    answers 404 for the one and quietly ignores the other).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> tuple[str, ...]:
        """The requested ordering with its tie-breaker, so rows that share a value
        (`?ordering=name`) come in one stable order, page after page, and an index on
        (…, field, tie-breaker) serves it: `id` in the field's direction, or what the view's
        `ordering_ties` names for the field (reversed under a descending field, as one index
        read backwards gives them)."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not ordering or ordering[-1].lstrip("-") in ("id", "pk"):
            return ordering
        descending = ordering[0].startswith("-")
        ties: tuple[str, ...] = ("id",)
        if len(ordering) == 1:
            ties = getattr(view, "ordering_ties", {}).get(ordering[0].lstrip("-"), ties)
        return ordering + tuple(_reversed(tie) if descending else tie for tie in ties)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use a `next` or `previous` link."]}
            ) from error

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """What `get_page_size` accepts: a whole number from 1 (larger than 200 reads 200)."""
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, from 1; more than {self.max_page_size} gives "
                    f"{self.max_page_size}."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The cursor of a `next` or `previous` link, as given; any other value is a 400."
                )
        return parameters

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return min(size, self.max_page_size)


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"
