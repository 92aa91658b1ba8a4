"""Reports for officers: how many requests, of which kinds, with what outcome; and drills."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from handlers import views as v
from handlers.access import refuse_unless_privileged
from handlers.actors import Actor, display_name, person_for_ref, role_of
from handlers.outage import storage_guard
from handlers.services import Services
from handlers.transparency import TransparencyData, transparency_report
from playbooks.engine import applicable_steps
from storage import reports as queries
from storage.timefmt import from_text, to_text


@dataclass(frozen=True)
class DemandLine:
    """One unauthorized demand as reported: when and what kinds, never who."""

    date: str
    requester: str
    presented: str
    records: str
    outcome: str


@dataclass(frozen=True)
class ProcessLine:
    """Legal process of one kind received in the period, and how its response dates went."""

    kind: str
    received: int
    met: int  # responded on or before the response date
    missed: int  # the date passed with no response, or the response came later
    open: int  # the date has not yet come
    no_date: int  # no response date recorded


@dataclass(frozen=True)
class ReleaseLine:
    records: str
    releases: int
    items: int


PRESERVATION_LABELS: dict[str, str] = {
    "preserved": "Placed after an informal request",
    "preservation_extended": "Extended by counsel",
    "preservation_lapsed": "Lapsed (hold released when its end date came)",
}


@dataclass
class ReportData:
    """A period's counts, with labels from the playbook. Restricted matters are kept apart."""

    library: str
    since: str  # YYYY-MM-DD, inclusive
    until: str  # YYYY-MM-DD, exclusive
    months: list[str]
    by_month: dict[str, Counter] = field(default_factory=dict)  # month -> presented -> n
    by_presented: Counter = field(default_factory=Counter)
    by_requester: Counter = field(default_factory=Counter)
    by_outcome: Counter = field(default_factory=Counter)
    demands: list[DemandLine] = field(default_factory=list)
    demands_by_requester: Counter = field(default_factory=Counter)
    demand_total: int = 0
    # The board's view of legal process; empty in the transparency form.
    processes: list[ProcessLine] = field(default_factory=list)
    releases: list[ReleaseLine] = field(default_factory=list)
    preservations: list[tuple[str, int]] = field(default_factory=list)
    # Only in the transparency form: national-security process as ranges, never a number.
    national_security: TransparencyData | None = None

    @property
    def total(self) -> int:
        return sum(self.by_presented.values())

    @property
    def transparency(self) -> bool:
        return self.national_security is not None

    def __repr__(self) -> str:
        # Short: asyncio.run formats the finished task's result, 100,000 demand lines and all.
        return (
            f"ReportData({self.library!r}, {self.since}..{self.until}, total={self.total}, "
            f"demands={len(self.demands)})"
        )


def month_span(since: str, until: str) -> list[str]:
    first = datetime.strptime(since[:7], "%Y-%m")
    last = datetime.strptime(until, "%Y-%m-%d") - timedelta(days=1)
    months, cursor = [], first
    while cursor <= last:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


async def build_report(
    services: Services,
    *,
    since: str,
    until: str,
    structure: str | None = None,
) -> ReportData:
    """Counts for [since, until) (dates as YYYY-MM-DD in the library's time zone).

    With a `structure` of 50 U.S.C. 1874(a) it is the transparency form, fit to publish:
    national-security process as ranges by that structure's periods, other requests counted
    exactly, no demand log and no legal-process detail.
    """
    zone = services.settings.library.zone
    start = to_text(datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=zone))
    end = to_text(datetime.strptime(until, "%Y-%m-%d").replace(tzinfo=zone))
    today = services.now().astimezone(zone).date().isoformat()
    board = structure is None
    # Counts come grouped from SQL; only the demand log is read line by line, and not at all
    # for the transparency form, which never shows it.
    case_rows, demand_counts, demand_log, legal = await services.store.run(
        lambda db: (
            queries.case_rows_for_report(db, start, end),
            queries.demand_counts(db, start, end),
            queries.demand_log(db, start, end) if board else [],
            (
                queries.process_counts(db, since, until, today),
                queries.release_counts(db, since, until),
                queries.preservation_counts(db, start, end),
            )
            if board
            else ([], [], []),
        )
    )
    pb = services.playbook
    data = ReportData(
        library=services.settings.library.name,
        since=since,
        until=until,
        months=month_span(since, until),
    )
    data.by_month = {m: Counter() for m in data.months}
    for row in case_rows:
        if row["restricted"]:  # never counted here: the statute's ranges only, below
            continue
        presented = pb.presentation(row["presented"]).label
        data.by_month.setdefault(row["month"], Counter())[presented] += row["n"]
        data.by_presented[presented] += row["n"]
        data.by_requester[_label(pb.requester_kinds, row["requester_kind"])] += row["n"]
        data.by_outcome[_label(pb.outcomes, row["outcome"], "Open")] += row["n"]
    for row in demand_counts:
        data.demands_by_requester[_label(pb.requester_kinds, row["requester_kind"])] += row["n"]
    data.demand_total = sum(data.demands_by_requester.values())
    data.demands = _demand_lines(services, demand_log)
    data.processes, data.releases, data.preservations = _legal_lines(services, *legal)
    if structure is not None:
        data.national_security = await transparency_report(
            services,
            since=date.fromisoformat(since),
            until=date.fromisoformat(until),
            structure=structure,
        )
    return data


def _legal_lines(
    services: Services,
    process_rows: list[tuple[str, str, int]],
    release_rows: list[tuple[str, int, int]],
    preservation_rows: list[tuple[str, int]],
) -> tuple[list[ProcessLine], list[ReleaseLine], list[tuple[str, int]]]:
    """The board's tables, in the playbook's order of kinds and categories."""
    pb = services.playbook
    by_kind: dict[str, Counter] = {}
    for kind, deadline, n in process_rows:
        by_kind.setdefault(kind, Counter())[deadline or "no_date"] += n
    processes = [
        ProcessLine(
            kind=_label(pb.process_kinds, kind),
            received=sum(c.values()),
            met=c["met"],
            missed=c["missed"],
            open=c["open"],
            no_date=c["no_date"],
        )
        for kind, c in sorted(by_kind.items(), key=lambda kv: _order(pb.process_kinds, kv[0]))
    ]
    released: dict[str, list[int]] = {}
    for category, count, items in release_rows:
        totals = released.setdefault(category, [0, 0])
        totals[0] += count
        totals[1] += items
    releases = [
        ReleaseLine(_label(pb.record_categories, category), count, items)
        for category, (count, items) in sorted(
            released.items(), key=lambda kv: _order(pb.record_categories, kv[0])
        )
    ]
    events: Counter[str] = Counter()
    for kind, n in preservation_rows:
        events[kind] += n
    preservations = [(label, events[kind]) for kind, label in PRESERVATION_LABELS.items()]
    return processes, releases, preservations if any(events.values()) else []


def _order(labels: Mapping[Any, str], key: str) -> int:
    keys = list(labels)
    return keys.index(key) if key in keys else len(keys)


def _demand_lines(services: Services, rows: list[queries.DemandRow]) -> list[DemandLine]:
    """One line per demand, oldest first; rows that read the same share one line object."""
    pb, zone = services.playbook, services.settings.library.zone
    made: dict[tuple, DemandLine] = {}
    lines = []
    for logged_at, requester_kind, presented, record_category, outcome in rows:
        day = from_text(logged_at).astimezone(zone).date().isoformat()
        key = (day, requester_kind, presented, record_category, outcome)
        line = made.get(key)
        if line is None:
            line = made[key] = DemandLine(
                date=day,
                requester=_label(pb.requester_kinds, requester_kind),
                presented=pb.presentation(presented).label,
                records=_label(pb.record_categories, record_category),
                outcome=_label(pb.outcomes, outcome, "Open"),
            )
        lines.append(line)
    return lines


def _label(labels: Mapping[Any, str], key: str | None, empty: str = "Not recorded") -> str:
    if not key:
        return empty
    return labels.get(key, "Other")


@storage_guard
async def report_summary(services: Services, actor: Actor, *, days: int = 365) -> v.Reply:
    """The last `days` days in counts, for chat; officers and counsel only."""
    refused = refuse_unless_privileged(role_of(services.settings, actor), "see reports")
    if refused:
        return refused
    today = services.now().astimezone(services.settings.library.zone).date()
    data = await build_report(
        services,
        since=(today - timedelta(days=days)).isoformat(),
        until=(today + timedelta(days=1)).isoformat(),
    )
    facts = [v.Fact("Requests", str(data.total))]
    facts += [v.Fact(label, str(n)) for label, n in data.by_presented.most_common()]
    facts.append(v.Fact("Unauthorized demands logged", str(data.demand_total)))
    return v.Reply(
        view=v.View(
            title=f"Records requests, last {days} days",
            facts=tuple(facts),
            lines=(
                "Drills and restricted matters are not counted here. "
                "For the full report run `patronguard report`.",
            ),
        )
    )


@dataclass(frozen=True)
class DrillLine:
    case_id: str
    opened: str  # as people read it, with the year: "14 Dec 2026, 9:00 AM CST"
    presented: str
    acknowledged_by: str
    seconds_to_ack: int | None  # from the report to the acknowledgement
    steps_done: int
    steps_total: int
    opened_at: str = ""  # ISO 8601 in the library's time zone, for CSV and JSON


@dataclass
class DrillSummary:
    drills: list[DrillLine]
    # officer name -> seconds from their page to the acknowledgement, for drills they took
    ack_seconds: dict[str, list[int]]
    paged_without_ack: Counter

    def __repr__(self) -> str:
        # Short, for the same reason as ReportData's.
        return f"DrillSummary(drills={len(self.drills)})"


async def drill_summary(services: Services, *, since: str, until: str) -> DrillSummary:
    """How drills went: time to acknowledge per officer, and steps completed."""
    # Three set-based reads in one job, whatever the number of drills.
    rows, pages_by_drill, states_by_drill = await services.store.run(
        lambda db: (
            queries.drills_between(db, since, until),
            queries.drill_pages(db, since, until),
            queries.drill_step_states(db, since, until),
        )
    )
    summary = DrillSummary([], {}, Counter())
    for row in rows:
        case_id = row["id"]
        sent = pages_by_drill.get(case_id, [])
        states = states_by_drill.get(case_id, {})
        steps = applicable_steps(services.playbook, row["presented"], states)
        done = sum(1 for s in steps if s.state != "pending")
        ack_by = display_name(services.settings, row["acknowledged_by"])
        seconds = None
        if row["acknowledged_at"]:
            seconds = int(
                (from_text(row["acknowledged_at"]) - from_text(row["opened_at"])).total_seconds()
            )
            summary.ack_seconds.setdefault(ack_by, []).append(_from_own_page(row, sent, services))
        for page in sent:
            officer = services.settings.officer(page["recipient"])
            if officer and officer.name != ack_by:
                summary.paged_without_ack[officer.name] += 1
        opened = from_text(row["opened_at"]).astimezone(services.settings.library.zone)
        summary.drills.append(
            DrillLine(
                case_id=case_id,
                opened=f"{opened.day} {opened:%b %Y, %-I:%M %p %Z}",
                opened_at=opened.isoformat(timespec="seconds"),
                presented=services.playbook.presentation(row["presented"]).label,
                acknowledged_by=ack_by if row["acknowledged_at"] else "nobody",
                seconds_to_ack=seconds,
                steps_done=done,
                steps_total=len(steps),
            )
        )
    return summary


def _from_own_page(row: dict, sent: list[dict], services: Services) -> int:
    """Seconds from the acknowledging officer's own page (or the report) to acknowledging."""
    acked = from_text(row["acknowledged_at"])
    person = person_for_ref(services.settings, row["acknowledged_by"])
    own = [p for p in sent if person is not None and p["recipient"] == person.key]
    start = from_text(own[0]["sent_at"] if own else row["opened_at"])
    return max(0, int((acked - start).total_seconds()))
