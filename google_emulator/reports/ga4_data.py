"""GA4 Data API v1beta `properties.runReport`, computed from the recorded traffic.

Bodies are validated on the discovery document like every HTTP API of the emulator (http/api.py);
the rules below are the ones Google's reference for runReport and its API schema state
(developers.google.com/analytics/devguides/reporting/data/v1): up to 4 date ranges
(`YYYY-MM-DD`, `today`, `yesterday`, `NdaysAgo`, in the property's time zone, start <= end, not
before 2015-08-14); with several ranges a `dateRange` dimension is added; `limit` 1..250,000
(default 10,000); rows whose metrics are all 0 are left out unless `keepEmptyRows`; dimension
filters may not name metrics. The emulator serves the dimensions `date` and `eventName` and the
metrics `eventCount` and `keyEvents`; any other name is refused like an unknown one.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..errors import ApiError, invalid_field
from ..handlers import Call, handles
from ..state import QUOTA_DAY_ZONE, STATE
from .store import reports_store, today_in

DIMENSIONS = ("date", "eventName")
METRICS = ("eventCount", "keyEvents")
MAX_DATE_RANGES = 4
DEFAULT_LIMIT = 10_000
MAX_LIMIT = 250_000
EARLIEST_DATE = dt.date(2015, 8, 14)
_DAYS_AGO = re.compile(r"^(\d+)daysAgo$")
_SCHEMA = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"


def _ga4_property(name: str) -> dict[str, Any]:
    found = STATE.store("ga4").properties.get(name)
    if found is None:
        raise ApiError(403, "User does not have sufficient permissions for this property.")
    return dict(found)


def _parse_date(raw: str, field: str, today: dt.date) -> dt.date:
    if raw == "today":
        return today
    if raw == "yesterday":
        return today - dt.timedelta(days=1)
    ago = _DAYS_AGO.match(raw)
    if ago:
        return today - dt.timedelta(days=int(ago.group(1)))
    try:
        value = dt.date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
    except ValueError:
        value = None
    if value is None:
        raise invalid_field(field, f"{raw!r} is not YYYY-MM-DD, NdaysAgo, yesterday, or today")
    if value < EARLIEST_DATE:
        raise invalid_field(field, "dates before 2015-08-14 are not allowed")
    return value


def _date_ranges(body: dict[str, Any], today: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    raw = body.get("dateRanges") or []
    if not raw:
        raise invalid_field("dateRanges", "a date range is required for a non-cohort request")
    if len(raw) > MAX_DATE_RANGES:
        raise invalid_field("dateRanges", f"at most {MAX_DATE_RANGES} date ranges")
    ranges = []
    for i, item in enumerate(raw):
        for key in ("startDate", "endDate"):
            if not item.get(key):
                raise invalid_field(f"dateRanges[{i}].{key}", "a value is required")
        start = _parse_date(item["startDate"], f"dateRanges[{i}].startDate", today)
        end = _parse_date(item["endDate"], f"dateRanges[{i}].endDate", today)
        if start > end:
            raise invalid_field(f"dateRanges[{i}]", "startDate cannot be after endDate")
        name = item.get("name") or f"date_range_{i}"
        if (name.startswith("date_range_") and item.get("name")) or name.startswith("RESERVED_"):
            raise invalid_field(f"dateRanges[{i}].name", "names may not start with date_range_")
        ranges.append((name, start, end))
    return ranges


def _names(body: dict[str, Any], key: str, allowed: tuple[str, ...], kind: str) -> list[str]:
    names = []
    for i, item in enumerate(body.get(key) or []):
        if item.get("dimensionExpression") or item.get("expression"):
            raise ApiError(501, f"{key}[{i}]: expressions are not served by the Google emulator.")
        name = item.get("name", "")
        if name not in allowed:
            raise invalid_field(
                f"{key}[{i}].name",
                f"Field {name} is not a valid {kind}. For a list of valid dimensions and "
                f"metrics, see {_SCHEMA} (the emulator serves {', '.join(allowed)})",
            )
        if name in names:
            raise invalid_field(f"{key}[{i}].name", f"{kind} {name} is requested twice")
        names.append(name)
    return names


def _string_match(value: str, spec: dict[str, Any], field: str) -> bool:
    wanted = spec.get("value", "")
    case = bool(spec.get("caseSensitive"))
    subject, pattern = (value, wanted) if case else (value.lower(), wanted.lower())
    match_type = spec.get("matchType") or "EXACT"
    if match_type in ("EXACT", "MATCH_TYPE_UNSPECIFIED"):
        return subject == pattern
    if match_type == "BEGINS_WITH":
        return subject.startswith(pattern)
    if match_type == "ENDS_WITH":
        return subject.endswith(pattern)
    if match_type == "CONTAINS":
        return pattern in subject
    flags = 0 if case else re.IGNORECASE
    try:
        regex = re.compile(wanted, flags)
    except re.error as exc:
        raise invalid_field(f"{field}.value", f"not a valid regular expression: {exc}") from exc
    if match_type == "FULL_REGEXP":
        return regex.fullmatch(value) is not None
    return regex.search(value) is not None


def _check_filter(expr: dict[str, Any], field: str) -> None:
    """Refuse what Google refuses before any data is read."""
    set_keys = [k for k in ("andGroup", "orGroup", "notExpression", "filter") if k in expr]
    if len(set_keys) != 1:
        raise invalid_field(field, "exactly one of andGroup, orGroup, notExpression, filter")
    key = set_keys[0]
    if key in ("andGroup", "orGroup"):
        for i, child in enumerate(expr[key].get("expressions") or []):
            _check_filter(child, f"{field}.{key}.expressions[{i}]")
        return
    if key == "notExpression":
        _check_filter(expr[key], f"{field}.notExpression")
        return
    flt = expr["filter"]
    name = flt.get("fieldName", "")
    if name in METRICS:
        raise invalid_field(
            f"{field}.filter.fieldName", "metrics cannot be used in dimensionFilter"
        )
    if name not in DIMENSIONS:
        raise invalid_field(f"{field}.filter.fieldName", f"Field {name} is not a valid dimension.")
    kinds = [k for k in ("stringFilter", "inListFilter", "emptyFilter") if k in flt]
    others = [k for k in ("numericFilter", "betweenFilter") if k in flt]
    if others:
        raise invalid_field(f"{field}.filter.{others[0]}", "only for metrics")
    if len(kinds) != 1:
        raise invalid_field(f"{field}.filter", "one of stringFilter, inListFilter, emptyFilter")
    if kinds[0] == "inListFilter" and not flt["inListFilter"].get("values"):
        raise invalid_field(f"{field}.filter.inListFilter.values", "at least one value")


def _passes(expr: dict[str, Any] | None, values: dict[str, str], field: str = "") -> bool:
    if expr is None:
        return True
    if "andGroup" in expr:
        return all(_passes(e, values) for e in expr["andGroup"].get("expressions") or [])
    if "orGroup" in expr:
        return any(_passes(e, values) for e in expr["orGroup"].get("expressions") or [])
    if "notExpression" in expr:
        return not _passes(expr["notExpression"], values)
    flt = expr["filter"]
    value = values[flt["fieldName"]]
    if "stringFilter" in flt:
        return _string_match(value, flt["stringFilter"], field)
    if "inListFilter" in flt:
        spec = flt["inListFilter"]
        wanted = spec["values"]
        if spec.get("caseSensitive"):
            return value in wanted
        return value.lower() in {w.lower() for w in wanted}
    return value == ""


def _spend_tokens(property_name: str, tokens: int) -> dict[str, Any]:
    """Count the request's core tokens; 429 when the property's hour or day is used up."""
    store = reports_store()
    day_key = (property_name, f"day:{dt.datetime.now(QUOTA_DAY_ZONE).date().isoformat()}")
    hour_key = (property_name, f"hour:{dt.datetime.now(dt.UTC).strftime('%Y-%m-%dT%H')}")
    per_day, per_hour = STATE.config.ga4_tokens_per_day, STATE.config.ga4_tokens_per_hour
    used_day, used_hour = store.ga4_tokens.get(day_key, 0), store.ga4_tokens.get(hour_key, 0)
    if used_day >= per_day or used_hour >= per_hour:
        which = "tokens per day" if used_day >= per_day else "tokens per hour"
        raise ApiError(
            429,
            f"Exhausted property {which} quota. Wait until the quota refreshes.",
            reason="rateLimitExceeded",
            headers={"Retry-After": "3600"},
        )
    store.ga4_tokens[day_key] = used_day + tokens
    store.ga4_tokens[hour_key] = used_hour + tokens
    return {
        "tokensPerDay": {"consumed": tokens, "remaining": max(0, per_day - used_day - tokens)},
        "tokensPerHour": {"consumed": tokens, "remaining": max(0, per_hour - used_hour - tokens)},
    }


def _limit(body: dict[str, Any], key: str, default: int) -> int:
    raw = body.get(key)
    if raw is None:
        return default
    value = int(raw)
    if key == "limit" and value <= 0:
        raise invalid_field("limit", "limit must be positive")
    if value < 0:
        raise invalid_field(key, "must not be negative")
    return min(value, MAX_LIMIT) if key == "limit" else value


def _sort(
    rows: list[dict[str, Any]], body: dict[str, Any], dims: list[str], mets: list[str]
) -> None:
    order_bys = body.get("orderBys") or []
    for i, order in reversed(list(enumerate(order_bys))):
        desc = bool(order.get("desc"))
        if "dimension" in order:
            name = order["dimension"].get("dimensionName", "")
            if name not in dims:
                raise invalid_field(
                    f"orderBys[{i}].dimension.dimensionName", f"{name} is not requested"
                )
            column = dims.index(name)

            def by_dimension(row: dict[str, Any], j: int = column) -> str:
                return str(row["dimensionValues"][j]["value"])

            rows.sort(key=by_dimension, reverse=desc)
        elif "metric" in order:
            name = order["metric"].get("metricName", "")
            if name not in mets:
                raise invalid_field(f"orderBys[{i}].metric.metricName", f"{name} is not requested")
            column = mets.index(name)

            def by_metric(row: dict[str, Any], j: int = column) -> int:
                return int(row["metricValues"][j]["value"])

            rows.sort(key=by_metric, reverse=desc)
        else:
            raise ApiError(501, f"orderBys[{i}]: pivot orderings are not served by the emulator.")


@handles("analyticsdata.properties.runReport")
def run_report(call: Call) -> tuple[int, Any]:
    property_name = call.param("property")
    prop = _ga4_property(property_name)
    body = call.body or {}
    for unsupported in ("cohortSpec", "comparisons"):
        if body.get(unsupported):
            raise ApiError(501, f"{unsupported} is not served by the Google emulator.")
    time_zone = prop["timeZone"]
    today = today_in(time_zone)
    dims = _names(body, "dimensions", DIMENSIONS, "dimension")
    mets = _names(body, "metrics", METRICS, "metric")
    if not mets and not dims:
        raise invalid_field("metrics", "at least one dimension or metric is required")
    if body.get("metricFilter"):
        raise ApiError(501, "metricFilter is not served by the Google emulator.")
    ranges = _date_ranges(body, today)
    dimension_filter = body.get("dimensionFilter")
    if dimension_filter:
        _check_filter(dimension_filter, "dimensionFilter")
    limit, offset = _limit(body, "limit", DEFAULT_LIMIT), _limit(body, "offset", 0)

    store = reports_store()
    counts = store.ga4_counts(property_name)
    key_names = set(store.key_events.get(property_name, {}))
    headers = dims + (["dateRange"] if len(ranges) > 1 else [])
    grouped: dict[tuple[str, ...], list[int]] = {}
    for range_name, start, end in ranges:
        for (day, event_name), count in counts.items():
            if not start.isoformat() <= day <= end.isoformat():
                continue
            values = {"date": day.replace("-", ""), "eventName": event_name}
            if not _passes(dimension_filter, values):
                continue
            key = tuple(values[d] for d in dims) + ((range_name,) if len(ranges) > 1 else ())
            sums = grouped.setdefault(key, [0] * len(mets))
            for i, metric in enumerate(mets):
                if metric == "eventCount" or event_name in key_names:
                    sums[i] += count
    keep_empty = bool(body.get("keepEmptyRows"))
    rows = [
        {
            "dimensionValues": [{"value": v} for v in key],
            "metricValues": [{"value": str(m)} for m in sums],
        }
        for key, sums in sorted(grouped.items())
        if keep_empty or any(sums)
    ]
    _sort(rows, body, headers, mets)
    answer: dict[str, Any] = {
        "dimensionHeaders": [{"name": name} for name in headers],
        "metricHeaders": [{"name": name, "type": "TYPE_INTEGER"} for name in mets],
        "metadata": {"currencyCode": prop.get("currencyCode", "USD"), "timeZone": time_zone},
        "kind": "analyticsData#runReport",
    }
    aggregations = body.get("metricAggregations") or []
    picks: dict[str, tuple[str, Any]] = {
        "TOTAL": ("totals", sum),
        "MAXIMUM": ("maximums", max),
        "MINIMUM": ("minimums", min),
    }
    for aggregation, (answer_key, pick) in picks.items():
        if aggregation in aggregations and rows:
            column = [[int(r["metricValues"][i]["value"]) for r in rows] for i in range(len(mets))]
            answer[answer_key] = [
                {
                    "dimensionValues": [{"value": f"RESERVED_{aggregation}"} for _ in headers],
                    "metricValues": [{"value": str(pick(values))} for values in column],
                }
            ]
    if rows:
        answer["rows"] = rows[offset : offset + limit]
        answer["rowCount"] = len(rows)
    # Google's cost of a request is opaque ("most requests cost fewer than 10 tokens"); the
    # emulator charges 1 plus 1 per 1,000 rows read.
    quota = _spend_tokens(property_name, 1 + len(rows) // 1000)
    if body.get("returnPropertyQuota"):
        answer["propertyQuota"] = quota
    return 200, answer
