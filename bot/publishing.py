"""The transparency report's periods, and what whoever publishes it must check first."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.transparency import STRUCTURES, TransparencyData, last_complete_period, periods


def transparency_period(
    structure: str, since: datetime | None, until: datetime | None, today: date | None = None
) -> tuple[date, date]:
    """Whole periods of the structure: those overlapping --since/--until, or by default the
    last one that has ended."""
    months = STRUCTURES[structure].months
    today = today or date.today()
    if since is None and until is None:
        return last_complete_period(today, months)
    end = until.date() if until else today + timedelta(days=1)
    start = since.date() if since else end - timedelta(days=1)
    spans = periods(start, end, months)
    return spans[0][0], spans[-1][1]


def before_publishing(data: TransparencyData, today: date) -> list[str]:
    """Warnings for the person publishing, never part of the report itself."""
    lines = [
        "Before publishing: counsel confirms the structure, and that the delays "
        "50 U.S.C. 1874 sets before some figures may be published have passed."
    ]
    unfinished = [p.label for p in data.periods if p.end > today]
    if unfinished:
        lines.append(
            f"{', '.join(unfinished)} has not ended: its ranges may still change. "
            "Publish whole periods that have ended."
        )
    if data.unrecorded:
        lines.append(
            f"{data.unrecorded} restricted case(s) in these periods have no record of the "
            "process served, so they are not in the ranges: record the process on each "
            "case first (an officer's step)."
        )
    return lines
