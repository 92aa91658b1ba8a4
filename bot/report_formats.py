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


NO_PROCESS = "No legal process recorded in this period."
NO_RELEASES = "Nothing released under legal process in this period."
NO_PRESERVATIONS = "No records preserved after an informal request in this period."
PROCESS_HEADINGS = ["", "Received", "Response date met", "Missed", "Not yet due", "No date"]


def _notes(data: ReportData) -> list[str]:
    notes = ["Drills are not counted."]
    ns = data.national_security
    if ns is None:
        notes.append(
            "Restricted matters (national-security process and other orders with a "
            "nondisclosure requirement) are left out, with their legal process and releases: "
            "national-security process may be published only as the ranges of the "
            "transparency report."
        )
    elif ns.other_gag_orders_counted:
        notes.append(
            "National-security process and other orders with a nondisclosure requirement are "
            "not in the counts of requests; they appear only as the ranges above."
        )
    else:
        notes.append(
            "National-security process is not in the counts of requests; it appears only as "
            "the ranges above. Other orders with a nondisclosure requirement are not reported."
        )
    return notes


def _process_rows(data: ReportData) -> list[tuple]:
    return [(p.kind, p.received, p.met, p.missed, p.open, p.no_date) for p in data.processes]


def _release_rows(data: ReportData) -> list[tuple]:
    return [(r.records, r.releases, r.items) for r in data.releases]


def _range_rows(data: ReportData) -> tuple[list[str], list[tuple]]:
    """The national-security table: (headings, one row per period)."""
    ns = data.national_security
    assert ns is not None
    headings = ["Period", *(what for what, _ in ns.periods[0].ranges)]
    return headings, [(p.label, *(r for _, r in p.ranges)) for p in ns.periods]


def _md_table(headings: list[str], rows: list[tuple]) -> list[str]:
    return [
        "| " + " | ".join(headings) + " |",
        "|" + "---|" * len(headings),
        *("| " + " | ".join(_md(str(c)) for c in row) + " |" for row in rows),
    ]


def _md_board(data: ReportData) -> list[str]:
    out = ["", "## Legal process received", ""]
    out += _md_table(PROCESS_HEADINGS, _process_rows(data)) if data.processes else [NO_PROCESS]
    out += ["", "## Released under legal process", ""]
    if data.releases:
        out += _md_table(["Records", "Releases", "Items"], _release_rows(data))
    else:
        out.append(NO_RELEASES)
    out += ["", "## Records preserved after an informal request", ""]
    if data.preservations:
        out += _md_table(["", "Count"], data.preservations)
    else:
        out.append(NO_PRESERVATIONS)
    return out


def _md_ranges(data: ReportData) -> list[str]:
    ns = data.national_security
    assert ns is not None
    headings, rows = _range_rows(data)
    return [
        "## National-security process",
        "",
        ns.structure.statement,
        "",
        *_md_table(headings, rows),
        "",
    ]


def to_markdown(data: ReportData) -> str:
    out = [f"# {_title(data)}", ""]
    if data.transparency:
        out += _md_ranges(data)
        out += ["## All other requests", ""]
    h2 = "###" if data.transparency else "##"  # under "All other requests"
    out += [f"Requests: **{data.total}**", "", f"{h2} By month", ""]
    if data.total:
        out += ["| Month | Requests |", "|---|---|"]
        out += [
            f"| {_month(m)} | {sum(data.by_month.get(m, Counter()).values())} |"
            for m in data.months
        ]
    else:
        out.append(NO_REQUESTS)
    for heading, counts, empty in _tables(data):
        out += ["", f"{h2} {heading}", ""]
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
    if not data.transparency:
        out += _md_board(data)
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
    ns = data.national_security
    if ns is not None:
        writer.writerow(["structure", ns.structure.statute, ns.structure.statement])
        for period in ns.periods:
            for what, text in period.ranges:
                writer.writerow(
                    ["national-security process (range)", f"{period.label}: {what}", text]
                )
    for p in data.processes:
        for key, n in (
            ("received", p.received),
            ("response date met", p.met),
            ("response date missed", p.missed),
            ("response date not yet due", p.open),
            ("no response date", p.no_date),
        ):
            writer.writerow([f"legal process {key}", p.kind, n])
    for r in data.releases:
        writer.writerow(["releases", r.records, r.releases])
        writer.writerow(["items released", r.records, r.items])
    for label, n in data.preservations:
        writer.writerow(["records preserved", label, n])
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
    ns = data.national_security
    if ns is None:
        body["legal_process"] = {
            "received": [p.__dict__ for p in data.processes],
            "releases": [r.__dict__ for r in data.releases],
            "preservations": dict(data.preservations),
        }
    else:
        body["national_security"] = {
            "structure": ns.structure.key,
            "statute": ns.structure.statute,
            "statement": ns.structure.statement,
            "periods": [
                {
                    "period": p.label,
                    "since": p.start.isoformat(),
                    "until": p.end.isoformat(),
                    "ranges": dict(p.ranges),
                }
                for p in ns.periods
            ],
        }
    return to_json_text(body)


def to_html(data: ReportData) -> str:
    sections = [f"<h1>{html.escape(_title(data, NBSP))}</h1>"]
    ns = data.national_security
    if ns is not None:
        headings, rows = _range_rows(data)
        sections += [
            "<h2>National-security process</h2>",
            f"<p>{html.escape(ns.structure.statement)}</p>",
            html_table(headings, rows),
            "<h2>All other requests</h2>",
        ]
    h2 = "h3" if ns is not None else "h2"  # under "All other requests"
    sections += [
        f"<p>Requests: <strong>{data.total}</strong></p>",
        f"<{h2}>Requests per month</{h2}>",
        chart_svg(data) if data.total else f"<p>{NO_REQUESTS}</p>",
    ]
    for heading, counts, empty in _tables(data):
        sections.append(f"<{h2}>{html.escape(heading)}</{h2}>")
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
    if ns is None:
        sections += _html_board(data)
    sections += [f"<p><em>{html.escape(n)}</em></p>" for n in _notes(data)]
    return html_page(_title(data), sections)


def _html_board(data: ReportData) -> list[str]:
    def part(heading: str, headings: list[str], rows: list[tuple], empty: str) -> list[str]:
        body = html_table(headings, rows) if rows else f"<p>{html.escape(empty)}</p>"
        return [f"<h2>{html.escape(heading)}</h2>", body]

    return [
        *part("Legal process received", PROCESS_HEADINGS, _process_rows(data), NO_PROCESS),
        *part(
            "Released under legal process",
            ["Records", "Releases", "Items"],
            _release_rows(data),
            NO_RELEASES,
        ),
        *part(
            "Records preserved after an informal request",
            ["", "Count"],
            list(data.preservations),
            NO_PRESERVATIONS,
        ),
    ]


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
