"""Rendering a report as Markdown, CSV, JSON or one self-contained HTML file."""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter

from handlers.reports import DrillSummary, ReportData

FORMATS = ("md", "csv", "json", "html")


def render_report(data: ReportData, fmt: str) -> str:
    return {"md": to_markdown, "csv": to_csv, "json": to_json, "html": to_html}[fmt](data)


def _title(data: ReportData) -> str:
    kind = "Transparency report" if data.transparency else "Records requests"
    return f"{kind}: {data.library}, {data.since} to {data.until} (exclusive)"


def _tables(data: ReportData) -> list[tuple[str, Counter]]:
    return [
        ("What was presented", data.by_presented),
        ("Who asked", data.by_requester),
        ("Outcome", data.by_outcome),
        ("Unauthorized demands, by who asked", data.demands_by_requester),
    ]


def _notes(data: ReportData) -> list[str]:
    notes = ["Drills are not counted."]
    if data.transparency:
        notes.append(
            "Requests under a nondisclosure order are reported only as a range, as the law "
            f"permits: {data.restricted_range}."
        )
    else:
        notes.append("Restricted matters (orders with a nondisclosure requirement) are left out.")
    return notes


def to_markdown(data: ReportData) -> str:
    out = [f"# {_title(data)}", "", f"Requests: **{data.total}**", ""]
    out += ["## By month", "", "| Month | Requests |", "|---|---|"]
    out += [f"| {m} | {sum(data.by_month.get(m, Counter()).values())} |" for m in data.months]
    for heading, counts in _tables(data):
        out += ["", f"## {heading}", "", "| | Count |", "|---|---|"]
        out += [f"| {label} | {n} |" for label, n in counts.most_common()] or ["| None | 0 |"]
    if data.demands:
        out += [
            "",
            "## Unauthorized demands",
            "",
            "| Date | Who asked | Presented | Agency | Outcome |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {d.date} | {d.requester} | {d.presented} | {_md(d.agency)} | {d.outcome} |"
            for d in data.demands
        ]
    out += ["", *(f"_{n}_" for n in _notes(data)), ""]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_csv(data: ReportData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "count"])
    for month in data.months:
        for label, n in sorted(data.by_month.get(month, Counter()).items()):
            writer.writerow(["month", f"{month} {label}", n])
    for heading, counts in _tables(data):
        for label, n in counts.most_common():
            writer.writerow([heading, label, n])
    if data.restricted_range:
        writer.writerow(["nondisclosure orders (range)", "all", data.restricted_range])
    if data.demands:
        writer.writerow([])
        writer.writerow(["date", "who asked", "presented", "agency", "outcome"])
        for d in data.demands:
            writer.writerow([d.date, d.requester, d.presented, d.agency, d.outcome])
    return buffer.getvalue()


def to_json(data: ReportData) -> str:
    body = {
        "library": data.library,
        "since": data.since,
        "until": data.until,
        "transparency": data.transparency,
        "total": data.total,
        "by_month": {m: dict(data.by_month.get(m, Counter())) for m in data.months},
        "by_presented": dict(data.by_presented),
        "by_requester": dict(data.by_requester),
        "by_outcome": dict(data.by_outcome),
        "unauthorized_demands": {
            "total": data.demand_total,
            "by_requester": dict(data.demands_by_requester),
            "log": [d.__dict__ for d in data.demands],
        },
        "notes": _notes(data),
    }
    if data.restricted_range:
        body["nondisclosure_orders_range"] = data.restricted_range
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


# Fills that stay distinct when printed in black and white.
_WHITE = '<rect width="8" height="8" fill="#fff"/>'
_PATTERNS = [
    ("solid", '<rect width="8" height="8" fill="#000"/>'),
    ("hatch", _WHITE + '<path d="M0,8 L8,0" stroke="#000" stroke-width="1.5"/>'),
    ("dots", _WHITE + '<circle cx="4" cy="4" r="1.6" fill="#000"/>'),
    ("grey", '<rect width="8" height="8" fill="#888"/>'),
    ("cross", _WHITE + '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#000"/>'),
    ("hlines", _WHITE + '<path d="M0,4 H8" stroke="#000" stroke-width="1.5"/>'),
    ("vlines", _WHITE + '<path d="M4,0 V8" stroke="#000" stroke-width="1.5"/>'),
    ("white", _WHITE),
]


def chart_svg(data: ReportData) -> str:
    """Requests per month, stacked by what was presented, as inline SVG."""
    kinds = [label for label, _ in data.by_presented.most_common()]
    width, height, left, bottom, top = 640, 260, 40, 40, 10
    peak = max([sum(c.values()) for c in data.by_month.values()] + [1])
    slot = (width - left - 10) / max(len(data.months), 1)
    bar = max(min(slot * 0.7, 40), 2)
    scale = (height - bottom - top) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height + 24 * ((len(kinds) + 1) // 2)}" '
        f'aria-label="Requests per month by what was presented">',
        "<defs>",
        *(
            f'<pattern id="p-{name}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f"{shape}</pattern>"
            for name, shape in _PATTERNS
        ),
        "</defs>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" '
        f'y2="{height - bottom}" stroke="#000"/>',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end" font-size="11">0</text>',
    ]
    for index, month in enumerate(data.months):
        x = left + index * slot + (slot - bar) / 2
        y = height - bottom
        for kind_index, kind in enumerate(kinds):
            n = data.by_month.get(month, Counter()).get(kind, 0)
            if not n:
                continue
            h = n * scale
            y -= h
            pattern = _PATTERNS[kind_index % len(_PATTERNS)][0]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="url(#p-{pattern})" stroke="#000"><title>{html.escape(month)} '
                f"{html.escape(kind)}: {n}</title></rect>"
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
            f'font-size="10">{html.escape(month[2:])}</text>'
        )
    for kind_index, kind in enumerate(kinds):
        col, row = kind_index % 2, kind_index // 2
        x, y = left + col * 300, height + row * 24
        pattern = _PATTERNS[kind_index % len(_PATTERNS)][0]
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="14" height="14" fill="url(#p-{pattern})" '
            f'stroke="#000"/><text x="{x + 20}" y="{y + 1}" font-size="11">'
            f"{html.escape(_short(kind, 44))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def to_html(data: ReportData) -> str:
    title = html.escape(_title(data))
    sections = [
        f"<h1>{title}</h1>",
        f"<p>Requests: <strong>{data.total}</strong></p>",
        "<h2>Requests per month</h2>",
        chart_svg(data),
    ]
    for heading, counts in _tables(data):
        rows = (
            "".join(
                f"<tr><td>{html.escape(label)}</td><td>{n}</td></tr>"
                for label, n in counts.most_common()
            )
            or "<tr><td>None</td><td>0</td></tr>"
        )
        sections.append(
            f"<h2>{html.escape(heading)}</h2><table><tr><th></th><th>Count</th></tr>{rows}</table>"
        )
    if data.demands:
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(x)}</td>"
                for x in (d.date, d.requester, d.presented, d.agency, d.outcome)
            )
            + "</tr>"
            for d in data.demands
        )
        sections.append(
            "<h2>Unauthorized demands</h2><table><tr><th>Date</th><th>Who asked</th>"
            f"<th>Presented</th><th>Agency</th><th>Outcome</th></tr>{rows}</table>"
        )
    sections += [f"<p><em>{html.escape(n)}</em></p>" for n in _notes(data)]
    style = (
        "body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#000}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #000;padding:2px 8px;"
        "text-align:left}@media print{body{margin:0}}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )


def drill_text(summary: DrillSummary) -> str:
    if not summary.drills:
        return (
            "No drills in this period. Run one with `/records-request drill` or `patronguard demo`."
        )
    out = ["Drills", ""]
    for d in summary.drills:
        ack = (
            f"{d.seconds_to_ack // 60}m {d.seconds_to_ack % 60}s"
            if d.seconds_to_ack is not None
            else "-"
        )
        out.append(
            f"{d.case_id}  {d.opened}  {d.presented}: acknowledged by {d.acknowledged_by} "
            f"after {ack}; steps {d.steps_done}/{d.steps_total}"
        )
    out += ["", "Time to acknowledge, per officer (from their own page):"]
    for name, seconds in sorted(summary.ack_seconds.items()):
        ordered = sorted(seconds)
        median = ordered[len(ordered) // 2]
        out.append(f"  {name}: {len(seconds)} drill(s), median {median // 60}m {median % 60}s")
    for name, n in sorted(summary.paged_without_ack.items()):
        out.append(f"  {name}: paged in {n} drill(s) without acknowledging")
    return "\n".join(out) + "\n"
