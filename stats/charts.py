"""Small server-rendered SVG charts of the last days (staff console; no script, no CDN): one per
customer (GA4 events as bars, Google Ads conversions as a line, scaled separately) and stacked
bars of counts per day (deployments by outcome on the admin index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 600
HEIGHT = 120
PAD = 4


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


def _slot(rows: list[dict[str, Any]]) -> float:
    return (WIDTH - 2 * PAD) / len(rows)


def _svg(label: str, content: SafeString, caption: str | SafeString) -> SafeString:
    return format_html(
        # Scales to the box it is in (the index's modules are narrower than the change form).
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
        'style="max-width: {}px" role="img" aria-label="{}">{}</svg><p>{}</p>',
        WIDTH,
        HEIGHT,
        WIDTH,
        label,
        content,
        caption,
    )


def daily_chart_svg(rows: list[dict[str, Any]]) -> SafeString:
    """`rows`: one per day, oldest first, with `day`, `events`, `conversions`."""
    if not rows:
        return format_html("<p>{}</p>", "No numbers yet.")
    slot = _slot(rows)
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
    line = format_html(
        '<polyline points="{}" fill="none" stroke="#ba2121" stroke-width="2"/>', " ".join(points)
    )
    return _svg(
        "GA4 events and Google Ads conversions per day",
        format_html("{}{}", rects, line),
        f"Bars: GA4 events (max {top_events}). Line: Ads conversions (max {top_conversions:g}). "
        f"{rows[0]['day'].isoformat()} to {rows[-1]['day'].isoformat()}.",
    )


def stacked_daily_chart_svg(
    rows: list[dict[str, Any]], *, series: list[Series], label: str
) -> SafeString:
    """`rows`: one per day, oldest first, with `day` and a count per series' `key`; each day's
    bar stacks the series in their order (the first at the bottom)."""
    if not rows:
        return format_html("<p>{}</p>", "No numbers yet.")
    slot = _slot(rows)
    top = max((sum(int(row[s.key]) for s in series) for row in rows), default=0) or 1
    rects = []
    for i, row in enumerate(rows):
        x = PAD + i * slot
        bottom = float(HEIGHT - PAD)
        for s in series:
            count = int(row[s.key])
            if not count:
                continue
            height = (HEIGHT - 2 * PAD) * count / top
            bottom -= height
            rects.append(
                (
                    s.key,
                    f"{x + 1:.1f}",
                    f"{bottom:.1f}",
                    f"{max(1.0, slot - 2):.1f}",
                    f"{height:.1f}",
                    s.colour,
                    row["day"].isoformat(),
                    count,
                    s.label,
                )
            )
    bars = format_html_join(
        "",
        '<rect class="bar-{}" x="{}" y="{}" width="{}" height="{}" fill="{}">'
        "<title>{}: {} {}</title></rect>",
        rects,
    )
    legend = format_html_join(
        " ",
        '<span class="legend-{}"><span style="display: inline-block; width: 0.8em; '
        'height: 0.8em; background: {}"></span> {} <b>{}</b></span>',
        ((s.key, s.colour, s.label, sum(int(row[s.key]) for row in rows)) for s in series),
    )
    return _svg(
        label,
        bars,
        format_html(
            "{} · highest day {} · {} to {}",
            legend,
            top,
            rows[0]["day"].isoformat(),
            rows[-1]["day"].isoformat(),
        ),
    )
