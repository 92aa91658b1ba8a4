from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import cli
from bot.report_formats import render_report
from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry
from handlers.intake import IntakeDetails, submit_intake
from handlers.reports import build_report, drill_summary, report_summary
from handlers.steps import mark_step
from handlers.transparency import band

PERIOD = {"since": "2026-01-01", "until": "2027-01-01"}


async def reported(services, staff, presented, kind="police", agency="City Police", **kw):
    case_id = (await report_inquiry(services, staff, **kw)).case_id
    await submit_intake(
        services, staff, case_id, IntakeDetails(presented, kind, True, "circulation", agency)
    )
    return case_id


async def test_counts_by_month_kind_and_outcome_leave_out_drills_and_restricted(
    services, staff, clock
):
    await reported(services, staff, "nothing")
    await reported(services, staff, "subpoena", kind="lawyer")
    await reported(services, staff, "gagged_order", kind="federal_agent")
    await reported(services, staff, "nothing", drill=True)
    clock.advance(timedelta(days=40))
    await reported(services, staff, "threat", kind="patron", agency="")
    data = await build_report(services, **PERIOD)
    assert data.total == 3
    assert data.by_month["2026-03"] == {
        "Nothing, or a verbal or informal request": 1,
        "A subpoena": 1,
    }
    assert sum(data.by_month["2026-04"].values()) == 1
    assert data.by_requester == {
        "Local or state police": 1,
        "A lawyer or court officer": 1,
        "Another library user": 1,
    }
    assert data.by_outcome == {"Open": 3}
    assert [(d.requester, d.records) for d in data.demands] == [
        ("Local or state police", "Borrowing history"),
        ("Another library user", "Borrowing history"),
    ]  # the demand log never holds free text such as the agency
    assert data.national_security is None


async def test_transparency_form_shows_only_ranges_for_restricted_matters(services, staff):
    for _ in range(3):
        await reported(services, staff, "gagged_order", kind="federal_agent")
    await reported(services, staff, "nothing")
    data = await build_report(services, **PERIOD, structure="500")
    assert data.national_security is not None and data.total == 1
    assert data.demands == []  # no agencies or dates in the published form
    for fmt in ("md", "csv", "json", "html"):
        text = render_report(data, fmt)
        assert "0–499" in text and "50 U.S.C. 1874(a)(2)" in text
        assert "City Police" not in text
        assert "Federal agent" not in text  # restricted matters leave no other trace
        assert "Legal process received" not in text  # the board's detail is not published


@given(count=st.integers(0, 100_000), width=st.sampled_from([100, 250, 500, 1000]))
def test_a_band_contains_the_count_and_is_band_wide(count, width):
    low, high = (int(x) for x in band(count, width).split("–"))
    assert low <= count <= high and high - low + 1 == width and low % width == 0


async def test_formats_are_well_formed(services, staff):
    await reported(services, staff, "nothing", agency="Sheriff | Dept")
    data = await build_report(services, **PERIOD)
    rows = list(csv.reader(io.StringIO(render_report(data, "csv"))))
    assert rows[0] == ["section", "key", "count"]
    assert [
        "2026-03-02",
        "Local or state police",
        "Nothing, or a verbal or informal request",
        "Borrowing history",
        "Open",
    ] in rows
    body = json.loads(render_report(data, "json"))
    assert body["total"] == 1 and body["unauthorized_demands"]["total"] == 1
    assert "Sheriff" not in render_report(data, "md")  # free text stays on the case


async def test_html_report_is_one_self_contained_file_with_a_print_safe_chart(services, staff):
    await reported(services, staff, "nothing")
    await reported(services, staff, "subpoena")
    page = render_report(await build_report(services, **PERIOD), "html")
    assert page.startswith("<!doctype html>") and "<svg" in page
    external = re.findall(r'(?:src|href)="(?!#)[^"]+"', page)
    assert external == []  # no scripts, styles or images fetched from anywhere
    assert 'fill="url(#p-solid)"' in page and 'fill="url(#p-hatch)"' in page  # patterns, not colour
    assert "<title>Mar 2026, A subpoena: 1</title>" in page


async def test_reports_are_for_officers_only(services, staff, officer):
    refused = await report_summary(services, staff)
    assert refused.refused and "Only the responsible officer" in refused.view.lines[0]
    await reported(services, staff, "nothing")
    shown = await report_summary(services, officer)
    assert ("Requests", "1") in [(f.label, f.value) for f in shown.view.facts]


async def test_drill_summary_gives_time_to_acknowledge_per_officer(
    services, staff, officer, second_officer, pager, clock
):
    case_id = await reported(services, staff, "nothing", drill=True)
    await pager.run_once()
    clock.advance(services.settings.escalation.ack_timeout)
    await pager.run_once()
    clock.advance(timedelta(seconds=75))
    await acknowledge_page(services, second_officer, case_id)
    await mark_step(services, staff, case_id, "refer", state="done")
    summary = await drill_summary(services, since="0", until="9")
    line = summary.drills[0]
    assert (line.acknowledged_by, line.seconds_to_ack, line.steps_done, line.steps_total) == (
        "Sam Ortega",
        375,
        1,
        3,
    )
    assert summary.ack_seconds == {"Sam Ortega": [75]}
    assert summary.paged_without_ack == {"Dana Whitfield": 1}


def test_report_command_writes_html_and_refuses_bad_dates(tmp_path):
    config = tmp_path / "patronguard.yaml"
    CliRunner().invoke(cli, ["init", str(config)])
    db = tmp_path / "p.db"
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli,
        ["report", "--config", str(config), "--db", str(db), "--format", "html", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "No requests in this period." in out.read_text()  # an empty database: no chart
    bad = CliRunner().invoke(
        cli,
        [
            "report",
            "--config",
            str(config),
            "--db",
            str(db),
            "--since",
            "2026-05-01",
            "--until",
            "2026-04-01",
        ],
    )
    assert bad.exit_code == 2 and "--since must be before --until" in bad.output
    drills = CliRunner().invoke(
        cli, ["report", "--drills", "--config", str(config), "--db", str(db)]
    )
    assert drills.exit_code == 0 and "No drills in this period" in drills.output
