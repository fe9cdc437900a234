"""Filter pieces shared by the API's lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
import django_filters.rest_framework
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 in, UTC out. PostgreSQL refuses offsets beyond ±15:59 and Python allows up to
    ±23:59, so a time is converted to UTC before it reaches the query; one that cannot be
    (year 1 shifted before year 1) is a validation error, not a 500."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:
            raise forms.ValidationError("This date and time is out of range.") from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, without building a FilterSet (a form, its fields copied, a
    validation pass: a tenth of a list request, issue 15) when the request sends none of its
    parameters. With nothing sent every filter leaves the rows as they are, so the result is
    the same. A parameter counts when it starts with a filter's name: range and lookup widgets
    read suffixed names (`created_after`, `price_min`, `name_lookup`)."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        names = tuple(filterset_class.base_filters)
        if not any(key.startswith(names) for key in request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)


class PresentChoiceField(django_filters.fields.ChoiceField):
    """A choice that, when sent, is one of the choices: `?role=` (empty) is a 400 like any other
    value outside the enum the schema lists, not a silent "no filter" (django-filter's reading,
    which made the schema's enum a lie)."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError(
                "Choose one of: %(choices)s.",
                code="invalid_choice",
                params={"choices": ", ".join(str(key) for key, _ in self.choices if key != "")},
            )
        return super().clean(value)

    def __deepcopy__(self, memo: dict[int, Any]) -> PresentChoiceField:
        # Every request's form deep-copies its fields, and Django's ChoiceField its choices
        # with them (a twentieth of a filtered list, issue 15). A filter's choices are fixed
        # pairs that nothing changes per request: the copy shares them, and gets its own
        # widget, messages and validators as any field does.
        result: PresentChoiceField = forms.Field.__deepcopy__(self, memo)
        return result


class ChoiceFilter(django_filters.ChoiceFilter):
    """django-filter's ChoiceFilter, with an empty value refused (PresentChoiceField)."""

    field_class = PresentChoiceField


_FORM_CLASSES: dict[type, type[forms.Form]] = {}


class FilterSet(django_filters.rest_framework.FilterSet):
    """The lists' filter sets: a parameter that is sent is checked against what the schema
    says of it. django-filter reads `?customer=` (empty) as "no filter" and `?revoked=maybe` as
    "unknown, no filter"; both are a 400 naming the parameter here. Free-text filters
    (CharFilter) take any string, the empty one included."""

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds a new form class (each filter's form field, a metaclass pass)
        for every request: a twentieth of a filtered list (issue 15). No filter here makes its
        field from the request, so the class the first request builds serves every later one
        (each form still gets its own deep copy of the fields)."""
        cls = type(self)
        form_class = _FORM_CLASSES.get(cls)
        if form_class is None:
            form_class = _FORM_CLASSES[cls] = super().get_form_class()
        return form_class

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        for name, declared in self.filters.items():
            if name not in self.data:
                continue
            value = self.data.get(name)
            if isinstance(declared, django_filters.BooleanFilter):
                if value not in ("true", "false"):
                    self.form.add_error(name, "Use true or false.")
            elif value == "" and type(declared) is not django_filters.CharFilter:
                self.form.add_error(name, "Give a value, or leave the parameter out.")
        return not self.form.errors
