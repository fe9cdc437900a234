"""``GoogleAdsService.Search`` / ``SearchStream``: run a parsed GAQL query against the store.

Which fields exist is read from the library's own descriptors: every scalar, enum and repeated
field of ``conversion_action``, ``customer`` and ``customer_client`` (nested messages flattened
with dots, ``conversion_action.value_settings.default_value``). A row carries only the selected
fields plus the resource names, as Google's rows do.

Conversion reporting: ``FROM customer`` also serves ``metrics.conversions``,
``metrics.all_conversions`` and ``metrics.conversions_value``, segmented by ``segments.date`` and
``segments.conversion_action``, from the traffic the emulator recorded (reports/). As in Google
Ads (GAQL grammar and "segmentation" guides): metrics are summed over every segment not selected,
rows whose metrics are all zero are left out, selecting ``segments.date`` needs a finite date
filter on it (``EXPECTED_FILTERS_ON_DATE_RANGE``), dates are ``YYYY-MM-DD``
(``INVALID_DATE_FORMAT``) and a manager account has no metrics (``REQUESTED_METRICS_FOR_MANAGER``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from google_emulator.reports.store import reports_store, today_in

from . import protos
from .gaql import Condition, Literal, Query, parse, query_error
from .store import Account, AdsStore, customer_client_message, customer_message

# The resources this emulator serves, and the resources each one may select fields from too
# (Google's "attributed resources": customer fields are selectable from any customer's resource).
SERVED = {
    "conversion_action": ("customer",),
    "customer": (),
    "customer_client": ("customer",),
}
ROW_FIELDS = {f.name for f in protos.GoogleAdsRow.DESCRIPTOR.fields}
# The metrics and segments served, and the resource they are served from.
REPORT_RESOURCE = "customer"
METRICS = ("conversions", "all_conversions", "conversions_value")
SEGMENTS = ("date", "conversion_action")
# DURING constants served, as (first day, last day) offsets from today (Google Ads GAQL grammar).
DURING = {
    "TODAY": (0, 0),
    "YESTERDAY": (1, 1),
    "LAST_7_DAYS": (7, 1),
    "LAST_14_DAYS": (14, 1),
    "LAST_30_DAYS": (30, 1),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldInfo:
    path: tuple[
        str, ...
    ]  # protobuf attribute names from the row, e.g. ("conversion_action", "type_")
    descriptor: FieldDescriptor

    @property
    def repeated(self) -> bool:
        return bool(self.descriptor.is_repeated)

    @property
    def enum(self) -> bool:
        return self.descriptor.enum_type is not None


def _catalog(descriptor: Descriptor, prefix: str, path: tuple[str, ...]) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    for field in descriptor.fields:
        name = f"{prefix}.{field.name.rstrip('_')}"
        field_path = (*path, field.name)
        message = field.message_type
        if (
            message is not None
            and not field.is_repeated
            and not message.full_name.startswith("google.protobuf.")
        ):
            fields |= _catalog(message, name, field_path)
        else:
            fields[name] = FieldInfo(field_path, field)
    return fields


CATALOG: dict[str, FieldInfo] = {}
for _resource in SERVED:
    _row_field = protos.GoogleAdsRow.DESCRIPTOR.fields_by_name[_resource]
    CATALOG |= _catalog(_row_field.message_type, _resource, (_resource,))
for _kind, _names in (("metrics", METRICS), ("segments", SEGMENTS)):
    _message = protos.GoogleAdsRow.DESCRIPTOR.fields_by_name[_kind].message_type
    for _name in _names:
        CATALOG[f"{_kind}.{_name}"] = FieldInfo((_kind, _name), _message.fields_by_name[_name])


def _is_report_field(name: str) -> bool:
    return name.split(".", maxsplit=1)[0] in ("metrics", "segments")


def _resolve(name: str, query: Query, clause: str) -> FieldInfo:
    resource = name.split(".", maxsplit=1)[0]
    if resource in ("metrics", "segments"):
        if name not in CATALOG or query.resource != REPORT_RESOURCE:
            raise query_error(
                "QUERY_ERROR",
                f"The emulator serves {name!r} in no query; it serves "
                f"{', '.join(f'metrics.{m}' for m in METRICS)} and "
                f"{', '.join(f'segments.{s}' for s in SEGMENTS)} FROM {REPORT_RESOURCE}.",
                trigger=name,
            )
        return CATALOG[name]
    info = CATALOG.get(name)
    if info is None and resource not in ROW_FIELDS:
        raise query_error(
            "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.", trigger=name
        )
    if resource != query.resource and resource not in SERVED[query.resource]:
        raise query_error(
            "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"
            if clause == "SELECT"
            else "PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE",
            f"Fields of '{resource}' are incompatible with the resource in the FROM clause "
            f"('{query.resource}').",
            trigger=name,
        )
    if info is None:
        raise query_error(
            "UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{name}'.", trigger=name
        )
    return info


def compile_query(text: str) -> tuple[Query, list[FieldInfo]]:
    query = parse(text)
    if query.resource not in SERVED:
        if query.resource in ROW_FIELDS:
            raise query_error(
                "QUERY_ERROR",
                f"The emulator does not serve resource '{query.resource}'.",
                trigger=query.resource,
            )
        raise query_error(
            "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
            f"Error in query: invalid resource type '{query.resource}' in the FROM clause.",
            trigger=query.resource,
        )
    selected = [_resolve(name, query, "SELECT") for name in query.fields]
    for condition in query.conditions:
        info = _resolve(condition.field, query, "WHERE")
        if info.repeated:
            raise query_error(
                "PROHIBITED_FIELD_IN_WHERE_CLAUSE",
                f"Field '{condition.field}' cannot be filtered on.",
                trigger=condition.field,
            )
        _check_values(condition, info)
    for name, _descending in query.order_by:
        if _resolve(name, query, "ORDER BY").repeated:
            raise query_error(
                "PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE",
                f"Field '{name}' cannot be used in ORDER BY.",
                trigger=name,
            )
    if "segments.date" in query.fields and not _finite_dates(query.conditions):
        raise query_error(
            "EXPECTED_FILTERS_ON_DATE_RANGE",
            "Filters on date range are expected when segments.date is selected: add "
            "segments.date BETWEEN / DURING / >= and <= to the WHERE clause.",
            trigger="segments.date",
        )
    return query, selected


def _finite_dates(conditions: list[Condition]) -> bool:
    operators = {c.operator for c in conditions if c.field == "segments.date"}
    if operators & {"BETWEEN", "DURING", "=", "IN"}:
        return True
    return bool(operators & {">", ">="}) and bool(operators & {"<", "<="})


def _check_values(condition: Condition, info: FieldInfo) -> None:
    if condition.operator == "DURING":
        if condition.field != "segments.date":
            raise query_error(
                "INVALID_VALUE_WITH_DURING_OPERATOR",
                f"DURING applies to date segments, not '{condition.field}'.",
            )
        constant = str(condition.values[0].value)
        if constant not in DURING:
            raise query_error(
                "INVALID_VALUE_WITH_DURING_OPERATOR",
                f"The emulator serves DURING {', '.join(DURING)}; not {constant!r}.",
                trigger=constant,
            )
        return
    if condition.operator == "BETWEEN" and condition.field != "segments.date":
        raise query_error(
            "INVALID_VALUE_WITH_BETWEEN_OPERATOR",
            f"The emulator serves BETWEEN on segments.date only, not '{condition.field}'.",
        )
    for literal in condition.values:
        _coerce(literal, info, condition.field)
        if condition.field == "segments.date" and not _DATE.match(str(literal.value)):
            raise query_error(
                "INVALID_DATE_FORMAT",
                f"Invalid date {literal.value!r}: dates are 'YYYY-MM-DD'.",
                trigger=str(literal.value),
            )
    if info.enum and condition.operator in ("<", "<=", ">", ">="):
        raise query_error(
            "OPERATOR_FIELD_MISMATCH",
            f"Operator {condition.operator} cannot be used on enum field '{condition.field}'.",
        )


def _coerce(literal: Literal, info: FieldInfo, name: str) -> Any:
    """The Python value a literal means for this field, or Google's error for a bad one."""
    field = info.descriptor
    if field.enum_type is not None:
        if literal.kind == "number" or literal.value not in field.enum_type.values_by_name:
            raise query_error(
                "BAD_ENUM_CONSTANT",
                f"Invalid enum constant {literal.value!r} for field '{name}'.",
                trigger=str(literal.value),
            )
        return literal.value
    if field.type == FieldDescriptor.TYPE_BOOL:
        text = str(literal.value).lower()
        if text not in ("true", "false"):
            raise query_error("BAD_VALUE", f"Invalid boolean {literal.value!r} for '{name}'.")
        return text == "true"
    if field.type == FieldDescriptor.TYPE_STRING:
        if literal.kind != "string":
            raise query_error(
                "INVALID_STRING_VALUE", f"Field '{name}' needs a quoted string value."
            )
        return literal.value
    try:
        number = float(literal.value)
    except ValueError:
        raise query_error("BAD_NUMBER", f"Invalid number {literal.value!r} for '{name}'.") from None
    return number if field.cpp_type == FieldDescriptor.CPPTYPE_DOUBLE else int(number)


def _value(row: Any, info: FieldInfo) -> Any:
    message = row
    for part in info.path[:-1]:
        message = getattr(message, part)
    leaf = info.path[-1]
    field = info.descriptor
    if field.is_repeated:
        return list(getattr(message, leaf))
    if field.has_presence and not message.HasField(leaf):
        return None
    value = getattr(message, leaf)
    if field.enum_type is not None:
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else "UNKNOWN"
    return value


def _like(pattern: str) -> re.Pattern[str]:
    """GAQL LIKE: % any run, _ one character, [x] a literal x."""
    parts = re.findall(r"\[(.)\]|(%)|(_)|(.)", pattern, flags=re.DOTALL)
    regex = "".join(
        re.escape(lit) if lit else ".*" if pct else "." if one else re.escape(ch)
        for lit, pct, one, ch in parts
    )
    return re.compile(regex, re.DOTALL)


def _matches(row: Any, condition: Condition, today: dt.date | None = None) -> bool:
    info = CATALOG[condition.field]
    actual = _value(row, info)
    operator = condition.operator
    if operator == "DURING":
        first, last = DURING[str(condition.values[0].value)]
        assert today is not None
        start, end = today - dt.timedelta(days=first), today - dt.timedelta(days=last)
        return actual is not None and start.isoformat() <= actual <= end.isoformat()
    if operator in ("IS NULL", "IS NOT NULL"):
        return (actual is None) == (operator == "IS NULL")
    wanted = [_coerce(v, info, condition.field) for v in condition.values]
    if actual is None:
        return operator.startswith("NOT") or operator == "!="
    tests: dict[str, Callable[[], bool]] = {
        "=": lambda: actual == wanted[0],
        "!=": lambda: actual != wanted[0],
        "<": lambda: actual < wanted[0],
        "<=": lambda: actual <= wanted[0],
        ">": lambda: actual > wanted[0],
        ">=": lambda: actual >= wanted[0],
        "IN": lambda: actual in wanted,
        "BETWEEN": lambda: wanted[0] <= actual <= wanted[1],
        "NOT IN": lambda: actual not in wanted,
        "LIKE": lambda: _like(wanted[0]).fullmatch(str(actual)) is not None,
        "NOT LIKE": lambda: _like(wanted[0]).fullmatch(str(actual)) is None,
        "REGEXP_MATCH": lambda: re.fullmatch(wanted[0], str(actual)) is not None,
        "NOT REGEXP_MATCH": lambda: re.fullmatch(wanted[0], str(actual)) is None,
    }
    return tests[operator]()


def _source_rows(store: AdsStore, account: Account, resource: str) -> Iterable[Any]:
    """Full rows (every field of the resource and of the customer) before selection."""
    customer = customer_message(account)
    if resource == "customer":
        yield protos.GoogleAdsRow(customer=customer)
    elif resource == "customer_client":
        for client, level in store.descendants(account.customer_id):
            client_row = customer_client_message(account, client, level)
            yield protos.GoogleAdsRow(customer=customer, customer_client=client_row)
    else:
        for _id, action in sorted(store.actions_of(account.customer_id).items()):
            yield protos.GoogleAdsRow(customer=customer, conversion_action=action)


def _project(row: Any, query: Query, selected: list[FieldInfo]) -> Any:
    out = protos.GoogleAdsRow()
    resources = {info.path[0] for info in selected if not _is_report_field(info.path[0])}
    if len(resources) < len({info.path[0] for info in selected}):
        # A metrics row names the resource it is about, as Google's rows do.
        resources.add(query.resource)
    if query.parameters.get("omit_unselected_resource_names") != "true":
        for resource in resources:
            getattr(out, resource).resource_name = getattr(row, resource).resource_name
    for info in selected:
        source, target = row, out
        for part in info.path[:-1]:
            source, target = getattr(source, part), getattr(target, part)
        leaf = info.path[-1]
        if info.repeated:
            getattr(target, leaf).extend(getattr(source, leaf))
        elif not info.descriptor.has_presence or source.HasField(leaf):
            setattr(target, leaf, getattr(source, leaf))
    return out


def _report_rows(account: Account, query: Query, selected: list[FieldInfo]) -> list[Any]:
    """Metric rows: one per (conversion action, day) recorded, filtered, then summed over the
    segments the query does not select."""
    if account.manager:
        raise query_error(
            "REQUESTED_METRICS_FOR_MANAGER",
            "Metrics cannot be requested for a manager account. To retrieve metrics, issue "
            "separate requests against each client account under the manager account.",
        )
    today = today_in(account.time_zone)
    customer = customer_message(account)
    segments = [info for info in selected if info.path[0] == "segments"]
    grouped: dict[tuple[Any, ...], Any] = {}
    for (action_id, day), totals in sorted(reports_store().ads_totals(account.customer_id).items()):
        row = protos.GoogleAdsRow(customer=customer)
        row.segments.date = day
        row.segments.conversion_action = f"{account.resource_name}/conversionActions/{action_id}"
        row.metrics.conversions = totals.conversions
        row.metrics.all_conversions = totals.all_conversions
        row.metrics.conversions_value = totals.conversions_value
        if not all(_matches(row, c, today) for c in query.conditions):
            continue
        key = tuple(_value(row, info) for info in segments)
        found = grouped.get(key)
        if found is None:
            grouped[key] = row
            continue
        found.metrics.conversions += totals.conversions
        found.metrics.all_conversions += totals.all_conversions
        found.metrics.conversions_value += totals.conversions_value
    return [
        row
        for row in grouped.values()
        if row.metrics.conversions or row.metrics.all_conversions or row.metrics.conversions_value
    ]


def run_query(store: AdsStore, account: Account, text: str) -> tuple[list[Any], list[str]]:
    """The selected rows of a query and the field mask paths Google reports with them."""
    query, selected = compile_query(text)
    if any(_is_report_field(name) for name in query.fields) or any(
        _is_report_field(c.field) for c in query.conditions
    ):
        rows = _report_rows(account, query, selected)
    else:
        rows = [
            row
            for row in _source_rows(store, account, query.resource)
            if all(_matches(row, c) for c in query.conditions)
        ]
    for name, descending in reversed(query.order_by):
        rows.sort(key=_sort_key(CATALOG[name]), reverse=descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    return [_project(row, query, selected) for row in rows], list(query.fields)


def _sort_key(info: FieldInfo) -> Callable[[Any], tuple[bool, Any]]:
    def key(row: Any) -> tuple[bool, Any]:
        value = _value(row, info)
        return (value is None, value if value is not None else 0)

    return key
