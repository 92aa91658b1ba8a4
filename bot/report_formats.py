"""Rendering a report as Markdown, CSV, JSON or one self-contained HTML file."""

from __future__ import annotations

import csv
import functools
import html
import io
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

import orjson

from bot.formats import REPORT_FORMATS
from bot.report_chart import chart_svg
from handlers.reports import DemandLine, ReportData

FORMATS = REPORT_FORMATS
NBSP = "\u00a0"  # keeps "2 Dec 2025" on one line in HTML
NO_REQUESTS = "No requests in this period."
NO_DEMANDS = "No unauthorized demands in this period."


def render_report(data: ReportData, fmt: str) -> str:
    return {"md": to_markdown, "csv": to_csv, "json": to_json, "html": to_html}[fmt](data)


def period_text(since: date, until: date, space: str = " ") -> str:
    """`until` is the day after the period; people read the last day itself.

    `space` goes inside each date and before the dash: a no-break space in HTML keeps a
    date, and the dash after it, from being split across lines.
    """
    last = until - timedelta(days=1)
    first = day_text(since, space)
    return first if last <= since else f"{first}{space}– {day_text(last, space)}"


def day_text(day: date, space: str = " ") -> str:
    return f"{day.day}{space}{day:%b}{space}{day:%Y}"


def to_json_text(body: object) -> str:
    """Indented JSON, as json.dumps(indent=2, ensure_ascii=False) writes it, many times faster."""
    return orjson.dumps(body, option=orjson.OPT_INDENT_2).decode("utf-8") + "\n"


def each_line_once(lines: Iterable[DemandLine], render: Callable[[DemandLine], str]) -> list[str]:
    """Render each demand line once: lines that read the same share one object, and a
    year's 100,000 demands hold a few thousand distinct lines."""
    done: dict[int, str] = {}
    out = []
    for line in lines:
        text = done.get(id(line))
        if text is None:
            text = done[id(line)] = render(line)
        out.append(text)
    return out


def _title(data: ReportData, space: str = " ") -> str:
    kind = "Transparency report" if data.transparency else "Records requests"
    since, until = date.fromisoformat(data.since), date.fromisoformat(data.until)
    return f"{kind}: {data.library}, {period_text(since, until, space)}"


def _tables(data: ReportData) -> list[tuple[str, Counter, str]]:
    """(heading, counts, what to say when there are none)."""
    return [
        ("What was presented", data.by_presented, NO_REQUESTS),
        ("Who asked", data.by_requester, NO_REQUESTS),
        ("Outcome", data.by_outcome, NO_REQUESTS),
        ("Unauthorized demands, by who asked", data.demands_by_requester, NO_DEMANDS),
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
    out = [f"# {_title(data)}", "", f"Requests: **{data.total}**", "", "## By month", ""]
    if data.total:
        out += ["| Month | Requests |", "|---|---|"]
        out += [
            f"| {_month(m)} | {sum(data.by_month.get(m, Counter()).values())} |"
            for m in data.months
        ]
    else:
        out.append(NO_REQUESTS)
    for heading, counts, empty in _tables(data):
        out += ["", f"## {heading}", ""]
        if counts:
            out += ["| | Count |", "|---|---|"]
            out += [f"| {label} | {n} |" for label, n in counts.most_common()]
        else:
            out.append(empty)
    if data.demands:
        out += [
            "",
            "## Unauthorized demands",
            "",
            "| Date | Who asked | Presented | Records sought | Outcome |",
            "|---|---|---|---|---|",
        ]
        out += each_line_once(
            data.demands,
            lambda d: (
                f"| {day_text(date.fromisoformat(d.date))} | {d.requester} | {d.presented} | "
                f"{_md(d.records)} | {d.outcome} |"
            ),
        )
    out += ["", *(f"_{n}_" for n in _notes(data)), ""]
    return "\n".join(out)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _month(month: str) -> str:
    """2026-03 as people write it: Mar 2026."""
    return f"{datetime.strptime(month, '%Y-%m'):%b %Y}"


def to_csv(data: ReportData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["section", "key", "count"])
    for month in data.months:
        for label, n in sorted(data.by_month.get(month, Counter()).items()):
            writer.writerow(["month", f"{month} {label}", n])
    for heading, counts, _ in _tables(data):
        for label, n in counts.most_common():
            writer.writerow([heading, label, n])
    if data.restricted_range:
        writer.writerow(["nondisclosure orders (range)", "all", data.restricted_range])
    if data.demands:
        writer.writerow([])
        writer.writerow(["date", "who asked", "presented", "records sought", "outcome"])
        for d in data.demands:
            writer.writerow([d.date, d.requester, d.presented, d.records, d.outcome])
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
    return to_json_text(body)


def to_html(data: ReportData) -> str:
    sections = [
        f"<h1>{html.escape(_title(data, NBSP))}</h1>",
        f"<p>Requests: <strong>{data.total}</strong></p>",
        "<h2>Requests per month</h2>",
        chart_svg(data) if data.total else f"<p>{NO_REQUESTS}</p>",
    ]
    for heading, counts, empty in _tables(data):
        sections.append(f"<h2>{html.escape(heading)}</h2>")
        if counts:
            sections.append(html_table(["", "Count"], counts.most_common()))
        else:
            sections.append(f"<p>{html.escape(empty)}</p>")
    if data.demands:
        sections.append("<h2>Unauthorized demands</h2>")
        sections.append(
            html_table_of(
                ["Date", "Who asked", "Presented", "Records sought", "Outcome"],
                each_line_once(data.demands, _demand_row),
            )
        )
    sections += [f"<p><em>{html.escape(n)}</em></p>" for n in _notes(data)]
    return html_page(_title(data), sections)


@functools.lru_cache(maxsize=1024)  # a year has 366 days at most
def _when(iso_day: str) -> str:
    return day_text(date.fromisoformat(iso_day), NBSP)


def _demand_row(d: DemandLine) -> str:
    return html_row((_when(d.date), d.requester, d.presented, d.records, d.outcome))


def html_table(headings: list[str], rows: list[tuple]) -> str:
    return html_table_of(headings, [html_row(row) for row in rows])


def html_table_of(headings: list[str], rendered: list[str]) -> str:
    """A table of rows already made by html_row."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    return f"<table><tr>{head}</tr>{''.join(rendered)}</table>"


def html_row(row: tuple) -> str:
    return "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"


def html_page(title: str, sections: list[str]) -> str:
    """One self-contained file: no scripts, fonts or images fetched from anywhere."""
    style = (
        "body{font-family:system-ui,sans-serif;max-width:760px;margin:2em auto;color:#000}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #000;padding:2px 8px;"
        "text-align:left;vertical-align:top}td:first-child{white-space:nowrap}"
        "@media print{body{margin:0}}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(sections)
        + "\n</body></html>\n"
    )
