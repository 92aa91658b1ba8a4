"""Public counts in the four structures of 50 U.S.C. 1874(a), against hand-computed bands."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.transparency import STRUCTURES, band, periods, transparency_report
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


async def test_no_nsls_reads_zero_to_999_and_zero_to_499(services):
    for key, expected in (("1000", "0–999"), ("500", "0–499")):
        data = await transparency_report(
            services, since=date(2026, 1, 1), until=date(2026, 7, 1), structure=key
        )
        [period] = data.periods
        assert period.label == "Jan–Jun 2026"
        assert dict(period.ranges) == {
            "National Security Letters": expected,
            "FISA orders": expected,
        }


async def test_260_combined_reads_250_to_499_in_the_250_structure(services):
    plant(services, "national_security_letter", 200, received_on="2026-02-10")
    plant(services, "fisa_order", 60, received_on="2026-05-30")
    plant(services, "fisa_order", 40, received_on="2026-08-01")  # the next half-year
    plant(services, "national_security_letter", 500, received_on="2026-02-11", drill=True)
    data = await transparency_report(
        services, since=date(2026, 1, 1), until=date(2027, 1, 1), structure="250"
    )
    assert [(p.label, p.ranges) for p in data.periods] == [
        ("Jan–Jun 2026", (("National-security process", "250–499"),)),
        ("Jul–Dec 2026", (("National-security process", "0–249"),)),
    ]
    yearly = await transparency_report(
        services, since=date(2026, 1, 1), until=date(2027, 1, 1), structure="100"
    )
    assert [(p.label, p.ranges) for p in yearly.periods] == [
        ("2026", (("National-security process", "300–399"),))
    ]
    separate = await transparency_report(
        services, since=date(2026, 1, 1), until=date(2026, 7, 1), structure="500"
    )
    assert dict(separate.periods[0].ranges) == {
        "National Security Letters": "0–499",
        "FISA orders": "0–499",
    }


async def test_other_gag_orders_are_left_out_unless_counsel_counts_them(services, settings):
    plant(services, "other_gag_order", 3, received_on="2026-02-10")
    data = await transparency_report(
        services, since=date(2026, 1, 1), until=date(2026, 7, 1), structure="250"
    )
    assert [what for what, _ in data.periods[0].ranges] == ["National-security process"]
    process = settings.legal_process.model_copy(update={"count_other_gag_orders": True})
    services.settings = settings.model_copy(update={"legal_process": process})
    data = await transparency_report(
        services, since=date(2026, 1, 1), until=date(2026, 7, 1), structure="250"
    )
    assert dict(data.periods[0].ranges)["Other orders with a nondisclosure requirement"] == (
        "0–249"
    )


def test_each_structure_states_which_part_of_the_statute_it_follows():
    assert {k: s.statement.split(":")[0] for k, s in STRUCTURES.items()} == {
        "1000": "50 U.S.C. 1874(a)(1)",
        "500": "50 U.S.C. 1874(a)(2)",
        "250": "50 U.S.C. 1874(a)(3)",
        "100": "50 U.S.C. 1874(a)(4)",
    }
