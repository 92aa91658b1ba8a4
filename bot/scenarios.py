"""The demo's unattended scenarios as plain data: one per kind of request, named for people.

Each is (what was presented, who asked, waiting now, record sought, agency, how it came,
who signed it) and the presentation the case should end up with.
"""

from __future__ import annotations

SCENARIOS: dict[str, tuple[tuple[str, str, bool, str, str, str, str], str]] = {
    "verbal": (
        ("nothing", "police", True, "circulation", "City Police", "in_person", "none"),
        "nothing",
    ),
    "phone": (("nothing", "police", False, "registration", "", "phone", "none"), "nothing"),
    "subpoena": (
        ("subpoena", "lawyer", False, "computer_use", "County Court", "served", "court"),
        "subpoena",
    ),
    "admin-subpoena": (
        ("subpoena", "federal_agent", False, "registration", "", "mail", "agency"),
        "admin_subpoena",
    ),
    "warrant": (
        ("search_warrant", "federal_agent", True, "internet", "FBI", "in_person", "court"),
        "search_warrant",
    ),
    "admin-warrant": (
        ("search_warrant", "immigration", True, "registration", "", "in_person", "agency"),
        "admin_warrant",
    ),
    "unsure-warrant": (
        ("search_warrant", "police", True, "circulation", "", "in_person", "unsure"),
        "warrant_unsure",
    ),
    "court-order": (
        ("court_order", "lawyer", False, "circulation", "County Court", "mail", "court"),
        "court_order",
    ),
    "gagged": (
        ("gagged_order", "federal_agent", True, "circulation", "", "in_person", "agency"),
        "gagged_order",
    ),
    "emergency": (
        ("emergency", "police", True, "registration", "State Police", "phone", "none"),
        "emergency",
    ),
    "threat": (("threat", "patron", True, "circulation", "", "in_person", "none"), "threat"),
    "not-sure": (("not_sure", "unknown", True, "unknown", "", "in_person", "unsure"), "not_sure"),
}
SCENARIO_NAMES: tuple[str, ...] = tuple(SCENARIOS)
