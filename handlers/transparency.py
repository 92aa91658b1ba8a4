"""Public counts of national-security process in the structures 50 U.S.C. 1874(a) permits.

A library chooses one structure. National Security Letters and FISA orders are never
counted exactly: only the range a count falls in is published, by half-year or by year.
Other orders with a nondisclosure requirement are outside the statute: left out unless
counsel sets `legal_process.count_other_gag_orders`, and then also only as a range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from handlers.services import Services
from playbooks.model import NATIONAL_SECURITY, OTHER_GAG_ORDER, ProcessKind
from storage import transparency as queries

NSL, FISA_CONTENT, FISA_NONCONTENT = NATIONAL_SECURITY
OTHER_LINE = "Other orders with a nondisclosure requirement"


@dataclass(frozen=True)
class Structure:
    key: str
    statute: str
    band: int
    months: int  # 6: by half-year; 12: by year
    lines: tuple[tuple[str, tuple[ProcessKind, ...]], ...]  # what each range counts
    statement: str

    @property
    def period_word(self) -> str:
        return "half-year" if self.months == 6 else "year"


def _structure(key: str, part: str, band: int, months: int, lines: tuple, how: str) -> Structure:
    every = "each half-year" if months == 6 else "each year"
    return Structure(
        key,
        f"50 U.S.C. 1874(a)({part})",
        band,
        months,
        lines,
        f"Reported as 50 U.S.C. 1874(a)({part}) permits: {every}, {how}, in bands of "
        f"{band} starting at 0. No exact number is given.",
    )


ALL_OF_IT = (("National-security process", NATIONAL_SECURITY),)
STRUCTURES: dict[str, Structure] = {
    s.key: s
    for s in (
        _structure(
            "1000",
            "1",
            1000,
            6,
            (
                ("National Security Letters", (NSL,)),
                ("FISA orders for contents", (FISA_CONTENT,)),
                ("FISA orders for non-contents", (FISA_NONCONTENT,)),
            ),
            "National Security Letters, FISA orders for contents and FISA orders for "
            "non-contents each separately",
        ),
        _structure(
            "500",
            "2",
            500,
            6,
            (
                ("National Security Letters", (NSL,)),
                ("FISA orders", (FISA_CONTENT, FISA_NONCONTENT)),
            ),
            "National Security Letters and FISA orders separately",
        ),
        _structure(
            "250", "3", 250, 6, ALL_OF_IT, "all national-security process received combined"
        ),
        _structure(
            "100", "4", 100, 12, ALL_OF_IT, "all national-security process received combined"
        ),
    )
}


@dataclass(frozen=True)
class PeriodCounts:
    label: str  # e.g. "Jan–Jun 2026"
    start: date
    end: date  # the day after the period
    ranges: tuple[tuple[str, str], ...]  # (what, "0–999"): never an exact count


@dataclass(frozen=True)
class TransparencyData:
    structure: Structure
    periods: tuple[PeriodCounts, ...]
    other_gag_orders_counted: bool
    unrecorded: int  # restricted cases without a process record: counsel should record them


def band(count: int, width: int) -> str:
    """The range a count falls in, starting at 0: 0 gives 0–999 for a band of 1000."""
    low = (count // width) * width
    return f"{low}–{low + width - 1}"


def periods(since: date, until: date, months: int) -> list[tuple[date, date]]:
    """Whole half-years (January and July) or years that overlap [since, until)."""
    start = date(since.year, 1 if months == 12 or since.month <= 6 else 7, 1)
    found = []
    while start < until:
        end_month = start.month + months
        end = date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
        found.append((start, end))
        start = end
    return found


def last_complete_period(today: date, months: int) -> tuple[date, date]:
    """The latest half-year or year that ended before today."""
    if months == 12:
        return date(today.year - 1, 1, 1), date(today.year, 1, 1)
    if today.month > 6:
        return date(today.year, 1, 1), date(today.year, 7, 1)
    return date(today.year - 1, 7, 1), date(today.year, 1, 1)


def period_label(start: date, end: date) -> str:
    if end.year > start.year and end.month == start.month:
        return str(start.year)
    return f"{'Jan–Jun' if start.month == 1 else 'Jul–Dec'} {start.year}"


async def transparency_report(
    services: Services, *, since: date, until: date, structure: str
) -> TransparencyData:
    """The chosen structure's ranges for every whole period that overlaps [since, until)."""
    chosen = STRUCTURES[structure]
    spans = periods(since, until, chosen.months)
    first, last = spans[0][0].isoformat(), spans[-1][1].isoformat()
    include_other = services.settings.legal_process.count_other_gag_orders
    kinds = (*NATIONAL_SECURITY, OTHER_GAG_ORDER)
    counts, unrecorded = await services.store.run(
        lambda db: (
            queries.process_counts_by_month(db, first, last, kinds),
            queries.unrecorded_restricted(db, first, last),
        )
    )
    lines = chosen.lines + (((OTHER_LINE, (OTHER_GAG_ORDER,)),) if include_other else ())
    result = []
    for start, end in spans:
        months = (start.isoformat()[:7], end.isoformat()[:7])

        def total(of: tuple[str, ...], months: tuple[str, str] = months) -> int:
            return sum(
                n
                for (month, kind), n in counts.items()
                if kind in of and months[0] <= month < months[1]
            )

        ranges = tuple((what, band(total(of), chosen.band)) for what, of in lines)
        result.append(PeriodCounts(period_label(start, end), start, end, ranges))
    return TransparencyData(chosen, tuple(result), include_other, unrecorded)
