"""Public counts in the four structures of 50 U.S.C. 1874(a), against hand-computed bands."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.formats import TRANSPARENCY_STRUCTURES
from bot.publishing import transparency_period
from handlers.transparency import (
    STRUCTURES,
    band,
    last_complete_period,
    periods,
    transparency_report,
)
from storage import cases, processes
from storage.processes import ProcessRecord
from storage.timefmt import to_text


def plant(services, kind: str, n: int, *, received_on: str, drill: bool = False) -> None:
    """n cases with a recorded process of `kind`, written straight to the tables."""

    def write(db):
        for i in range(n):
            case_id = cases.insert_case(
                db,
                opened_at=to_text(services.now()),
                drill=drill,
                channel="console",
                reporter_id=f"desk-{i}",
                reporter_ref=None,
                chain=[],
            )
            processes.save_process(
                db,
                ProcessRecord(
                    case_id=case_id,
                    kind=kind,
                    authority="federal_agency",
                    received_on=received_on,
                    received_how="in_person",
                    served_on="director",
                    due_on=None,
                    copy_with_counsel=1,
                    note=None,
                    responded_at=None,
                    recorded_at=to_text(services.now()),
                    recorded_by="console:x",
                ),
            )

    services.store.call(write)


@pytest.mark.parametrize(
    ("count", "width", "expected"),
    [
        (0, 1000, "0–999"),
        (0, 500, "0–499"),
        (260, 250, "250–499"),
        (999, 1000, "0–999"),
        (1000, 1000, "1000–1999"),
        (99, 100, "0–99"),
        (100, 100, "100–199"),
    ],
)
def test_bands_start_at_zero(count, width, expected):
    assert band(count, width) == expected


def test_periods_are_whole_half_years_or_years():
    halves = periods(date(2026, 3, 1), date(2027, 2, 1), 6)
    assert halves == [
        (date(2026, 1, 1), date(2026, 7, 1)),
        (date(2026, 7, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 7, 1)),
    ]
    assert periods(date(2026, 3, 1), date(2026, 12, 1), 12) == [
        (date(2026, 1, 1), date(2027, 1, 1))
    ]


HALF = {"since": date(2026, 1, 1), "until": date(2026, 7, 1)}
YEAR = {"since": date(2026, 1, 1), "until": date(2027, 1, 1)}


async def ranges(services, structure: str, period=HALF) -> list[tuple[str, tuple]]:
    data = await transparency_report(services, **period, structure=structure)
    return [(p.label, p.ranges) for p in data.periods]


async def test_no_nsls_reads_zero_to_999_and_zero_to_499(services):
    assert await ranges(services, "1000") == [
        (
            "Jan–Jun 2026",
            (
                ("National Security Letters", "0–999"),
                ("FISA orders for contents", "0–999"),
                ("FISA orders for non-contents", "0–999"),
            ),
        )
    ]
    assert await ranges(services, "500") == [
        ("Jan–Jun 2026", (("National Security Letters", "0–499"), ("FISA orders", "0–499")))
    ]


async def test_260_combined_reads_250_to_499_in_the_250_structure(services):
    plant(services, "national_security_letter", 200, received_on="2026-02-10")
    plant(services, "fisa_content_order", 60, received_on="2026-05-30")
    plant(services, "fisa_noncontent_order", 40, received_on="2026-08-01")  # next half-year
    plant(services, "national_security_letter", 500, received_on="2026-02-11", drill=True)
    assert await ranges(services, "250", YEAR) == [
        ("Jan–Jun 2026", (("National-security process", "250–499"),)),
        ("Jul–Dec 2026", (("National-security process", "0–249"),)),
    ]
    assert await ranges(services, "100", YEAR) == [
        ("2026", (("National-security process", "300–399"),))
    ]


async def test_the_separate_structures_count_each_kind_apart(services):
    plant(services, "national_security_letter", 120, received_on="2026-03-01")
    plant(services, "fisa_content_order", 300, received_on="2026-04-01")
    plant(services, "fisa_noncontent_order", 250, received_on="2026-06-30")
    # 500: FISA orders for contents and non-contents together, 550.
    assert await ranges(services, "500") == [
        ("Jan–Jun 2026", (("National Security Letters", "0–499"), ("FISA orders", "500–999")))
    ]
    assert await ranges(services, "1000") == [
        (
            "Jan–Jun 2026",
            (
                ("National Security Letters", "0–999"),
                ("FISA orders for contents", "0–999"),
                ("FISA orders for non-contents", "0–999"),
            ),
        )
    ]
    # 250: all of it together, 670.
    assert await ranges(services, "250") == [
        ("Jan–Jun 2026", (("National-security process", "500–749"),))
    ]


async def test_other_gag_orders_are_left_out_unless_counsel_counts_them(services, settings):
    plant(services, "other_gag_order", 3, received_on="2026-02-10")
    assert await ranges(services, "250") == [
        ("Jan–Jun 2026", (("National-security process", "0–249"),))
    ]
    process = settings.legal_process.model_copy(update={"count_other_gag_orders": True})
    services.settings = settings.model_copy(update={"legal_process": process})
    data = await transparency_report(services, **HALF, structure="250")
    assert data.other_gag_orders_counted
    assert dict(data.periods[0].ranges) == {
        "National-security process": "0–249",
        "Other orders with a nondisclosure requirement": "0–249",
    }


def test_each_structure_states_which_part_of_the_statute_it_follows():
    assert {k: s.statute for k, s in STRUCTURES.items()} == {
        "1000": "50 U.S.C. 1874(a)(1)",
        "500": "50 U.S.C. 1874(a)(2)",
        "250": "50 U.S.C. 1874(a)(3)",
        "100": "50 U.S.C. 1874(a)(4)",
    }
    assert all(s.statute in s.statement for s in STRUCTURES.values())
    assert tuple(STRUCTURES) == TRANSPARENCY_STRUCTURES  # the CLI's choices are the same


def test_by_default_the_last_period_that_has_ended():
    today = date(2026, 12, 2)
    assert last_complete_period(today, 6) == (date(2026, 1, 1), date(2026, 7, 1))
    assert last_complete_period(date(2026, 3, 5), 6) == (date(2025, 7, 1), date(2026, 1, 1))
    assert last_complete_period(today, 12) == (date(2025, 1, 1), date(2026, 1, 1))
    assert transparency_period("250", None, None, today) == (date(2026, 1, 1), date(2026, 7, 1))
    given = (datetime(2026, 3, 15), datetime(2026, 9, 1))
    assert transparency_period("250", *given, today) == (date(2026, 1, 1), date(2027, 1, 1))
    assert transparency_period("100", *given, today) == (date(2026, 1, 1), date(2027, 1, 1))


def run(db_path, *args: str):
    return CliRunner().invoke(cli, ["report", "--db", str(db_path), *args])


def test_the_command_needs_a_structure_and_states_the_one_it_follows(services, db_path):
    plant(services, "national_security_letter", 2, received_on="2026-02-10")
    services.store.close()
    missing = run(db_path, "--transparency")
    assert missing.exit_code == 2 and "--structure 1000, 500, 250 or 100" in missing.output
    alone = run(db_path, "--structure", "250")
    assert alone.exit_code == 2 and "add --transparency" in alone.output
    done = run(db_path, "--transparency", "--structure", "1000", "--since", "2026-01-01")
    assert done.exit_code == 0, done.output
    assert "Reported as 50 U.S.C. 1874(a)(1) permits" in done.stdout
    assert "| Jan–Jun 2026 | 0–999 | 0–999 | 0–999 |" in done.stdout
    assert "Before publishing: counsel confirms" in done.stderr
    assert "Before publishing" not in done.stdout  # the warnings are not published


def test_restricted_cases_without_a_process_record_are_flagged_before_publishing(
    services, db_path, staff
):
    def restricted_case(db):
        case_id = cases.insert_case(
            db,
            opened_at=to_text(services.now()),
            drill=False,
            channel="console",
            reporter_id="desk",
            reporter_ref=None,
            chain=[],
        )
        cases.update_case(db, case_id, restricted=1)

    services.store.call(restricted_case)
    services.store.close()
    done = run(db_path, "--transparency", "--structure", "250", "--since", "2026-01-01")
    assert done.exit_code == 0, done.output
    assert "1 restricted case(s) in these periods have no record of the process" in done.stderr


async def test_process_that_carries_a_gag_makes_the_case_restricted(services, staff, officer):
    from handlers.acknowledge import acknowledge_page
    from handlers.cases import report_inquiry, show_case
    from handlers.intake import IntakeDetails, submit_intake
    from handlers.process import record_process

    case_id = (await report_inquiry(services, staff)).case_id or ""
    await submit_intake(services, staff, case_id, IntakeDetails("not_sure", "federal_agent", True))
    await acknowledge_page(services, officer, case_id)
    form = {
        "kind": "national_security_letter",
        "authority": "federal_agency",
        "received_on": "2026-03-02",
        "received_how": "in_person",
        "served_on": "director",
        "due_on": "",
        "copy_with_counsel": "yes",
        "note": "",
    }
    assert not (await record_process(services, officer, case_id, form)).refused
    assert services.store.call(lambda db: cases.require_case(db, case_id)).restricted
    seen_by_staff = await show_case(services, staff, case_id)
    assert seen_by_staff.view.restricted
