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
from storage import transparency as queries

NSL, FISA, OTHER = queries.NATIONAL_SECURITY


@dataclass(frozen=True)
class Structure:
    key: str
    band: int
    months: int  # 6: by half-year; 12: by year
    separate: bool  # NSLs and FISA orders each in their own range, or combined
    statement: str


STRUCTURES: dict[str, Structure] = {
    s.key: s
    for s in (
        Structure(
            "1000",
            1000,
            6,
            True,
            "50 U.S.C. 1874(a)(1): each half-year, National Security Letters and FISA orders "
            "reported separately, in bands of 1000 starting at 0.",
        ),
        Structure(
            "500",
            500,
            6,
            True,
            "50 U.S.C. 1874(a)(2): each half-year, National Security Letters and FISA orders "
            "reported separately, in bands of 500 starting at 0.",
        ),
        Structure(
            "250",
            250,
            6,
            False,
            "50 U.S.C. 1874(a)(3): each half-year, all national-security process combined, "
            "in bands of 250 starting at 0.",
        ),
        Structure(
            "100",
            100,
            12,
            False,
            "50 U.S.C. 1874(a)(4): each year, all national-security process combined, in "
            "bands of 100 starting at 0.",
        ),
    )
}


@dataclass(frozen=True)
class PeriodCounts:
    label: str  # e.g. "Jan–Jun 2026"
    ranges: tuple[tuple[str, str], ...]  # (what, "0–999"): never an exact count


@dataclass(frozen=True)
class TransparencyData:
    structure: Structure
    periods: tuple[PeriodCounts, ...]
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


def _label(start: date, end: date) -> str:
    if end.year > start.year and end.month == start.month:
        return str(start.year)
    return f"{'Jan–Jun' if start.month == 1 else 'Jul–Dec'} {start.year}"


async def transparency_report(
    services: Services, *, since: date, until: date, structure: str
) -> TransparencyData:
    chosen = STRUCTURES[structure]
    spans = periods(since, until, chosen.months)
    first, last = spans[0][0].isoformat(), spans[-1][1].isoformat()
    counts, unrecorded = await services.store.run(
        lambda db: (
            queries.process_counts_by_month(db, first, last),
            queries.unrecorded_restricted(db, first, last),
        )
    )
    include_other = services.settings.legal_process.count_other_gag_orders
    result = []
    for start, end in spans:

        def total(kind: str, start: date = start, end: date = end) -> int:
            return sum(
                n
                for (month, k), n in counts.items()
                if k == kind and start.isoformat()[:7] <= month < end.isoformat()[:7]
            )

        if chosen.separate:
            ranges = [
                ("National Security Letters", band(total(NSL), chosen.band)),
                ("FISA orders", band(total(FISA), chosen.band)),
            ]
        else:
            ranges = [("National-security process", band(total(NSL) + total(FISA), chosen.band))]
        if include_other:
            ranges.append(
                ("Other orders with a nondisclosure requirement", band(total(OTHER), chosen.band))
            )
        result.append(PeriodCounts(_label(start, end), tuple(ranges)))
    return TransparencyData(chosen, tuple(result), unrecorded)
