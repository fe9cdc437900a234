"""A small server-rendered SVG chart of a customer's last days (staff console; no script, no
CDN): GA4 events as bars, Google Ads conversions as a line, scaled separately."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 600
HEIGHT = 120
PAD = 4


def daily_chart_svg(rows: list[dict[str, Any]]) -> SafeString:
    """`rows`: one per day, oldest first, with `day`, `events`, `conversions`."""
    if not rows:
        return format_html("<p>{}</p>", "No numbers yet.")
    slot = (WIDTH - 2 * PAD) / len(rows)
    top_events = max((int(r["events"]) for r in rows), default=0) or 1
    top_conversions = max((float(r["conversions"]) for r in rows), default=0.0) or 1.0
    bars = []
    points = []
    for i, row in enumerate(rows):
        x = PAD + i * slot
        height = (HEIGHT - 2 * PAD) * int(row["events"]) / top_events
        day: date = row["day"]
        bars.append(
            (
                f"{x + 1:.1f}",
                f"{HEIGHT - PAD - height:.1f}",
                f"{max(1.0, slot - 2):.1f}",
                f"{height:.1f}",
                day.isoformat(),
                int(row["events"]),
                float(row["conversions"]),
            )
        )
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * float(row["conversions"]) / top_conversions
        points.append(f"{x + slot / 2:.1f},{y:.1f}")
    rects = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#79aec8">'
        "<title>{}: {} events, {} conversions</title></rect>",
        bars,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" '
        'aria-label="{}">{}<polyline points="{}" fill="none" stroke="#ba2121" '
        'stroke-width="2"/></svg><p>{}</p>',
        WIDTH,
        HEIGHT,
        "GA4 events and Google Ads conversions per day",
        rects,
        " ".join(points),
        f"Bars: GA4 events (max {top_events}). Line: Ads conversions (max {top_conversions:g}). "
        f"{rows[0]['day'].isoformat()} to {rows[-1]['day'].isoformat()}.",
    )
