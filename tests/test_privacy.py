"""Planted identifiers in every free-text input never reach the database files or the logs."""

from __future__ import annotations

import logging
from pathlib import Path

from handlers.acknowledge import acknowledge_page
from handlers.cases import report_inquiry
from handlers.closing import close_case
from handlers.intake import IntakeDetails, submit_intake
from handlers.steps import mark_step
from playbooks.engine import applicable_steps

PLANTED = {
    "email": "jane.roe@example.org",
    "phone": "(555) 867-5309",
    "card": "4111 1111 1111 1111",
    "barcode": "21234005678901",
    "address": "742 Evergreen Terrace",
}
# What each planted identifier looks like to a byte scan, however it was typed.
NEEDLES = [
    *PLANTED.values(),
    "867-5309",
    "4111111111111111",
    "1111 1111",
    "Evergreen Terrace",
    "jane.roe",
    "21234005678901",
]


def scan_files(db_path: Path) -> list[str]:
    hits = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{db_path}{suffix}")
        if not path.exists():
            continue
        raw = path.read_bytes()
        for needle in NEEDLES:
            if needle.encode() in raw or needle.encode("utf-16-le") in raw:
                hits.append(f"{path.name}: {needle}")
    return hits


def planted_text(prefix: str) -> str:
    return f"{prefix} " + ", ".join(PLANTED.values())


async def test_full_flows_with_planted_identifiers_leave_no_trace(
    services, pager, staff, officer, db_path, caplog
):
    caplog.set_level(logging.DEBUG)
    for presented in ("nothing", "subpoena", "search_warrant", "gagged_order", "threat"):
        case_id = (await report_inquiry(services, staff)).case_id
        await pager.run_once()
        details = IntakeDetails(presented, "police", True, "circulation", planted_text("Sheriff"))
        await submit_intake(services, staff, case_id, details)
        await acknowledge_page(services, officer, case_id)
        for item in applicable_steps(services.playbook, presented):
            who = staff if item.step.actor == "staff" else officer
            await mark_step(services, who, case_id, item.step.id, state="done")
        await close_case(
            services, officer, case_id, "nothing_released", summary=planted_text("Note:")
        )
        await pager.run_once()
    stored = services.store.call(lambda db: [r["agency"] for r in db["cases"].rows])
    assert all(a and a.startswith("Sheriff") and "[redacted]" in a for a in stored)
    assert scan_files(db_path) == []
    for needle in NEEDLES:
        assert needle not in caplog.text
