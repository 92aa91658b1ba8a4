"""The report's chart: requests per month, stacked by what was presented, as inline SVG.

Black and white patterns, not colours, so it survives a printer; a labelled axis with round
steps, so a director can read a bar's height without counting.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from datetime import datetime

from handlers.reports import ReportData

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 10, 12, 44
LEGEND_TOP = HEIGHT + 14  # clear of the year under the month labels
MOST_TICKS = 5
MIN_LABEL_GAP = 34  # pixels between month labels, so "Sep" never overlaps "Oct"

_WHITE = '<rect width="8" height="8" fill="#fff"/>'
PATTERNS = [
    ("solid", '<rect width="8" height="8" fill="#000"/>'),
    ("hatch", _WHITE + '<path d="M0,8 L8,0" stroke="#000" stroke-width="1.5"/>'),
    ("dots", _WHITE + '<circle cx="4" cy="4" r="1.6" fill="#000"/>'),
    ("grey", '<rect width="8" height="8" fill="#888"/>'),
    ("cross", _WHITE + '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#000"/>'),
    ("hlines", _WHITE + '<path d="M0,4 H8" stroke="#000" stroke-width="1.5"/>'),
    ("vlines", _WHITE + '<path d="M4,0 V8" stroke="#000" stroke-width="1.5"/>'),
    ("white", _WHITE),
]


def tick_step(peak: int, most: int = MOST_TICKS) -> int:
    """The smallest round step (1, 2, 5 times a power of ten) giving at most `most` steps."""
    if peak <= most:
        return 1
    power = 10 ** math.floor(math.log10(peak / most))
    return next(m * power for m in (1, 2, 5, 10) if math.ceil(peak / (m * power)) <= most)


def ticks(peak: int) -> list[int]:
    """Axis values from 0 to the first round value at or above the peak."""
    step = tick_step(max(peak, 1))
    top = step * math.ceil(max(peak, 1) / step)
    return list(range(0, top + 1, step))


def chart_svg(data: ReportData) -> str:
    kinds = [label for label, _ in data.by_presented.most_common()]
    totals = [sum(data.by_month.get(m, Counter()).values()) for m in data.months]
    values = ticks(max(totals, default=0))
    plot = HEIGHT - BOTTOM - TOP
    scale = plot / values[-1]
    slot = (WIDTH - LEFT - RIGHT) / max(len(data.months), 1)
    bar = max(min(slot * 0.7, 40), 2)
    every = math.ceil(MIN_LABEL_GAP / slot)  # label every month, or every 2nd, 3rd... if crowded
    legend_rows = (len(kinds) + 1) // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" '
        f'height="{LEGEND_TOP + 24 * legend_rows}" font-family="system-ui,sans-serif" '
        'aria-label="Requests per month by what was presented">',
        "<defs>",
        *(
            f'<pattern id="p-{name}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f"{shape}</pattern>"
            for name, shape in PATTERNS
        ),
        "</defs>",
    ]
    for value in values:
        y = HEIGHT - BOTTOM - value * scale
        line = 'stroke="#000"' if value == 0 else 'stroke="#999" stroke-dasharray="2,3"'
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" {line}/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{value}</text>'
        )
    middle = TOP + plot / 2
    parts.append(
        f'<text x="14" y="{middle:.1f}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 14 {middle:.1f})">Requests</text>'
    )
    for index, month in enumerate(data.months):
        x = LEFT + index * slot + (slot - bar) / 2
        parts.extend(_bar(data.by_month.get(month, Counter()), kinds, month, x, bar, scale))
        if index % every == 0:
            parts.append(_month_label(month, x + bar / 2, first=index == 0))
    for kind_index, kind in enumerate(kinds):
        col, row = kind_index % 2, kind_index // 2
        x, y = LEFT + col * 300, LEGEND_TOP + row * 24
        pattern = PATTERNS[kind_index % len(PATTERNS)][0]
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="14" height="14" fill="url(#p-{pattern})" '
            f'stroke="#000"/><text x="{x + 20}" y="{y + 1}" font-size="11">'
            f"{html.escape(_short(kind, 44))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _bar(
    counts: Counter, kinds: list[str], month: str, x: float, bar: float, scale: float
) -> list[str]:
    parts: list[str] = []
    y = float(HEIGHT - BOTTOM)
    for kind_index, kind in enumerate(kinds):
        n = counts.get(kind, 0)
        if not n:
            continue
        h = n * scale
        y -= h
        pattern = PATTERNS[kind_index % len(PATTERNS)][0]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="url(#p-{pattern})" stroke="#000"><title>{_month_name(month)}, '
            f"{html.escape(kind)}: {n}</title></rect>"
        )
    return parts


def _month_label(month: str, x: float, *, first: bool) -> str:
    """Jan, Feb... with the year under the first month and under each January."""
    moment = datetime.strptime(month, "%Y-%m")
    base = HEIGHT - BOTTOM
    label = (
        f'<text x="{x:.1f}" y="{base + 14}" text-anchor="middle" font-size="10">{moment:%b}</text>'
    )
    if first or moment.month == 1:
        label += (
            f'<text x="{x:.1f}" y="{base + 27}" text-anchor="middle" font-size="10">'
            f"{moment:%Y}</text>"
        )
    return label


def _month_name(month: str) -> str:
    return f"{datetime.strptime(month, '%Y-%m'):%b %Y}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
