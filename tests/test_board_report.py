"""The board's report of legal process: received by kind, response dates met and missed,
releases by kind of record, preservations placed and lapsed; drills and restricted matters
out; the same figures after the cases are purged. Through the real handlers, on a fake clock."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from bot.report_formats import render_report
from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry
from handlers.closing import close_case
from handlers.holds import release_hold
from handlers.intake import IntakeDetails, submit_intake
from handlers.process import (
    preserve_records,
    record_process,
    record_release,
    record_response,
    release_lapsed_preservations,
)
from handlers.reports import ProcessLine, ReleaseLine, build_report
from handlers.retention import purge_expired
from handlers.steps import mark_step
from playbooks.engine import applicable_steps
from storage import cases

PERIOD = {"since": "2026-01-01", "until": "2027-01-01"}
SUBPOENA = "A subpoena from a court or grand jury"


def process(due_on: str, kind: str = "judicial_subpoena") -> dict[str, str]:
    return {
        "kind": kind,
        "authority": "state_court" if kind == "judicial_subpoena" else "federal_agency",
        "received_on": "2026-03-02",
        "received_how": "served",
        "served_on": "front_desk",
        "due_on": due_on,
        "copy_with_counsel": "yes",
        "note": "",
    }


async def opened(services, staff, officer, presented: str, *, drill: bool = False) -> str:
    case_id = (await report_inquiry(services, staff, drill=drill)).case_id or ""
    await submit_intake(
        services, staff, case_id, IntakeDetails(presented, "police", False, "circulation")
    )
    await acknowledge_page(services, officer, case_id)
    return case_id


async def recorded(services, officer, case_id: str, form: dict[str, str]) -> None:
    reply = await record_process(services, officer, case_id, form)
    assert not reply.refused, reply.view


async def a_year_of_legal_process(services, staff, officer, clock) -> dict[str, str]:
    """On 2 Mar 2026: a subpoena answered on time with 3 items released, one left past its
    date, one not yet due; an informal request whose records were preserved and lapsed;
    an NSL (restricted) and a drill, which the board never sees."""
    ids = {}
    ids["met"] = await opened(services, staff, officer, "subpoena")
    await recorded(services, officer, ids["met"], process("2026-03-20"))
    release = {"record_category": "circulation", "items": "3", "released_on": "2026-03-02"}
    assert not (
        await record_release(services, officer, ids["met"], {**release, "matched": "yes"})
    ).refused
    await record_response(services, officer, ids["met"])
    ids["missed"] = await opened(services, staff, officer, "subpoena")
    await recorded(services, officer, ids["missed"], process("2026-03-10"))
    ids["open"] = await opened(services, staff, officer, "subpoena")
    await recorded(services, officer, ids["open"], process("2026-04-30"))
    ids["preserved"] = await opened(services, staff, officer, "nothing")
    assert not (await preserve_records(services, officer, ids["preserved"])).refused
    ids["nsl"] = await opened(services, staff, officer, "not_sure")
    await recorded(services, officer, ids["nsl"], process("2026-03-20", "national_security_letter"))
    await record_release(services, officer, ids["nsl"], {**release, "matched": "yes"})
    ids["drill"] = await opened(services, staff, officer, "subpoena", drill=True)
    await recorded(services, officer, ids["drill"], process("2026-03-05"))
    clock.advance(timedelta(days=31))  # 2 Apr: the preservation has lapsed
    assert await release_lapsed_preservations(services) == [ids["preserved"]]
    return ids


async def test_the_board_sees_process_deadlines_releases_and_preservations(
    services, staff, officer, clock
):
    await a_year_of_legal_process(services, staff, officer, clock)
    data = await build_report(services, **PERIOD)
    assert data.processes == [ProcessLine(SUBPOENA, received=3, met=1, missed=1, open=1, no_date=0)]
    assert data.releases == [ReleaseLine("Borrowing history", releases=1, items=3)]
    assert data.preservations == [
        ("Placed after an informal request", 1),
        ("Extended by counsel", 0),
        ("Lapsed (hold released when its end date came)", 1),
    ]
    markdown = render_report(data, "md")
    assert "| A subpoena from a court or grand jury | 3 | 1 | 1 | 1 | 0 |" in markdown
    assert "National Security Letter" not in markdown  # restricted: ranges only, elsewhere
    rows = list(csv.reader(io.StringIO(render_report(data, "csv"))))
    assert ["legal process response date missed", SUBPOENA, "1"] in rows
    assert ["items released", "Borrowing history", "3"] in rows
    body = json.loads(render_report(data, "json"))
    assert body["legal_process"]["received"][0]["met"] == 1
    assert body["legal_process"]["preservations"]["Extended by counsel"] == 0
    page = render_report(data, "html")
    assert "<h2>Released under legal process</h2>" in page


async def test_an_empty_year_says_so_in_words(services):
    data = await build_report(services, **PERIOD)
    markdown = render_report(data, "md")
    assert "No legal process recorded in this period." in markdown
    assert "Nothing released under legal process in this period." in markdown
    assert "No records preserved after an informal request in this period." in markdown


async def test_the_board_report_reads_the_same_after_the_cases_are_purged(
    services, staff, officer, clock
):
    ids = await a_year_of_legal_process(services, staff, officer, clock)
    for case_id in ids.values():
        case = services.store.call(lambda db, case_id=case_id: cases.require_case(db, case_id))
        for item in applicable_steps(services.playbook, case.presented):
            who = staff if item.step.actor == "staff" else officer
            await mark_step(services, who, case_id, item.step.id, state="done")
        closed = await close_case(services, officer, case_id, "nothing_released")
        assert not closed.refused, closed.view
        if (
            case.on_hold
            or services.store.call(
                lambda db, case_id=case_id: cases.require_case(db, case_id)
            ).on_hold
        ):
            await release_hold(services, officer, case_id)
    clock.advance(services.settings.retention.cases + timedelta(days=1))
    before = await build_report(services, **PERIOD)
    plan = await purge_expired(services)
    assert plan.case_total == 5 and plan.drill_total == 1
    assert services.store.call(lambda db: cases.get_case(db, ids["met"])) is None
    after = await build_report(services, **PERIOD)
    assert (after.processes, after.releases, after.preservations) == (
        before.processes,
        before.releases,
        before.preservations,
    )
    # The one not yet due then has passed by now, unanswered.
    assert after.processes == [
        ProcessLine(SUBPOENA, received=3, met=1, missed=2, open=0, no_date=0)
    ]
