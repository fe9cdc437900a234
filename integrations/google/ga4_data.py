"""GA4 Data API v1beta through googleapiclient: the daily event counts of one property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from integrations.google.calls import CallContext, google_call
from integrations.google.errors import GoogleQuotaExceeded
from integrations.google.report_quota import ga4_data_quota_check, ga4_data_quota_record

# Google's ceiling of rows per request; the product asks for at most a month of its own events.
MAX_ROWS = 250_000


@dataclass(frozen=True)
class EventDay:
    day: date
    event_name: str
    events: int
    key_events: int


class Ga4DataClient:
    def __init__(self, service: Any, context: CallContext) -> None:
        self._service = service
        self._context = context

    def daily_event_counts(
        self, property_id: str, *, start: date, end: date, event_names: list[str]
    ) -> list[EventDay]:
        """Event count and key events per day and event name, for the named events only, in
        one runReport (its cost counted against the property's tokens)."""
        ga4_data_quota_check(property_id=property_id)
        body = {
            "dimensions": [{"name": "date"}, {"name": "eventName"}],
            "metrics": [{"name": "eventCount"}, {"name": "keyEvents"}],
            "dateRanges": [{"startDate": start.isoformat(), "endDate": end.isoformat()}],
            "dimensionFilter": {
                "filter": {
                    "fieldName": "eventName",
                    "inListFilter": {"values": sorted(set(event_names)), "caseSensitive": True},
                }
            },
            "limit": str(MAX_ROWS),
            "returnPropertyQuota": True,
        }
        request = self._service.properties().runReport(
            property=f"properties/{property_id}", body=body
        )
        try:
            answer = google_call(
                self._context,
                api="ga4",
                method="analyticsdata.properties.runReport",
                call=lambda: request.execute(num_retries=0),
            )
        except GoogleQuotaExceeded:
            # Google says the property is used up: count it so no worker asks again this hour.
            ga4_data_quota_record(
                property_id=property_id,
                property_quota={"tokensPerHour": {"consumed": 0, "remaining": 0}},
            )
            raise
        ga4_data_quota_record(property_id=property_id, property_quota=answer.get("propertyQuota"))
        out = []
        for row in answer.get("rows") or []:
            raw_day, event_name = (d["value"] for d in row["dimensionValues"])
            events, key_events = (int(m["value"]) for m in row["metricValues"])
            day = date(int(raw_day[:4]), int(raw_day[4:6]), int(raw_day[6:8]))
            out.append(EventDay(day, event_name, events, key_events))
        return out
