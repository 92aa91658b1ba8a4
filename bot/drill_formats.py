"""`report --drills` in each report format: how quickly officers acknowledged, steps done."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date

from bot.report_formats import NBSP, html_page, html_table, period_text, to_json_text
from handlers.reports import DrillSummary

NO_DRILLS = "No drills in this period. Run one with `/records-request drill` or `patronguard demo`."
PER_OFFICER = "Time to acknowledge, per officer (from their own page)"


@dataclass(frozen=True)
class OfficerLine:
    name: str
    acknowledged: int
    median_seconds: int | None
    paged_without_ack: int


def render_drills(
    summary: DrillSummary, fmt: str, *, library: str, since: date, until: date
) -> str:
    """`until` is the day after the period, as for the main report."""
    title = f"Drills: {library}, {period_text(since, until, NBSP if fmt == 'html' else ' ')}"
    officers = officer_lines(summary)
    if fmt == "json":
        return _json(summary, officers, library, since, until)
    if fmt == "csv":
        return _csv(summary, officers)
    if fmt == "html":
        return _html(summary, officers, title)
    return _markdown(summary, officers, title)


def officer_lines(summary: DrillSummary) -> list[OfficerLine]:
    names = sorted(set(summary.ack_seconds) | set(summary.paged_without_ack))
    return [
        OfficerLine(
            name,
            len(summary.ack_seconds.get(name, [])),
            _median(summary.ack_seconds.get(name, [])),
            summary.paged_without_ack.get(name, 0),
        )
        for name in names
    ]


def _median(seconds: list[int]) -> int | None:
    ordered = sorted(seconds)
    return ordered[len(ordered) // 2] if ordered else None


def duration(seconds: int | None) -> str:
    """75 -> 1m 15s; None -> not acknowledged."""
    if seconds is None:
        return "not acknowledged"
    return f"{seconds // 60}m {seconds % 60}s"


def _drill_rows(summary: DrillSummary) -> list[tuple[str, ...]]:
    return [
        (
            d.case_id,
            d.opened,
            d.presented,
            d.acknowledged_by,
            duration(d.seconds_to_ack),
            f"{d.steps_done} of {d.steps_total}",
        )
        for d in summary.drills
    ]


def _officer_rows(officers: list[OfficerLine]) -> list[tuple[str, ...]]:
    return [
        (o.name, str(o.acknowledged), duration(o.median_seconds), str(o.paged_without_ack))
        for o in officers
    ]


DRILL_HEADINGS = [
    "Drill",
    "Started",
    "Presented",
    "Acknowledged by",
    "After (from the report)",
    "Steps done",
]
# CSV columns and the DrillLine fields they come from.
DRILL_COLUMNS = {
    "drill": "case_id",
    "started": "opened_at",
    "presented": "presented",
    "acknowledged_by": "acknowledged_by",
    "seconds_to_acknowledge": "seconds_to_ack",
    "steps_done": "steps_done",
    "steps_total": "steps_total",
}
OFFICER_HEADINGS = ["Officer", "Drills acknowledged", "Median time", "Paged, did not acknowledge"]


def _markdown(summary: DrillSummary, officers: list[OfficerLine], title: str) -> str:
    out = [f"# {title}", ""]
    if not summary.drills:
        return "\n".join([*out, NO_DRILLS, ""])
    out += [_md_table(DRILL_HEADINGS, _drill_rows(summary)), "", f"## {PER_OFFICER}", ""]
    out += [_md_table(OFFICER_HEADINGS, _officer_rows(officers)) if officers else "No pages."]
    return "\n".join([*out, ""])


def _md_table(headings: list[str], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _html(summary: DrillSummary, officers: list[OfficerLine], title: str) -> str:
    sections = [f"<h1>{html.escape(title)}</h1>"]
    if not summary.drills:
        return html_page(title, [*sections, f"<p>{html.escape(NO_DRILLS)}</p>"])
    sections += [
        f"<p>Drills: <strong>{len(summary.drills)}</strong></p>",
        html_table(DRILL_HEADINGS, [(r[0], _unbroken(r[1]), *r[2:]) for r in _drill_rows(summary)]),
        f"<h2>{html.escape(PER_OFFICER)}</h2>",
        html_table(OFFICER_HEADINGS, _officer_rows(officers)) if officers else "<p>No pages.</p>",
        "<p><em>Drills are practice cases: they are never counted in the main report.</em></p>",
    ]
    return html_page(title, sections)


def _unbroken(when: str) -> str:
    """ "14 Dec 2026, 9:00 AM CST" breaks only after the comma."""
    return ", ".join(part.replace(" ", NBSP) for part in when.split(", "))


def _csv(summary: DrillSummary, officers: list[OfficerLine]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DRILL_COLUMNS)
    for d in summary.drills:
        writer.writerow([getattr(d, name) for name in DRILL_COLUMNS.values()])
    writer.writerow([])
    writer.writerow(["officer", "drills_acknowledged", "median_seconds", "paged_without_ack"])
    for o in officers:
        writer.writerow([o.name, o.acknowledged, o.median_seconds, o.paged_without_ack])
    return buffer.getvalue()


def _json(
    summary: DrillSummary, officers: list[OfficerLine], library: str, since: date, until: date
) -> str:
    body = {
        "library": library,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "drills": [d.__dict__ for d in summary.drills],
        "officers": [o.__dict__ for o in officers],
    }
    return to_json_text(body)
