"""The schema, as registered migrations. No table has a column for message text or patrons."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from storage.records import PRESERVATION_EVENTS_SQL

migrations = Migrations("patronguard")

# Written as SQL because sqlite-utils' create() cannot say ON DELETE CASCADE,
# and purging a case must take every row that belongs to it.
_CORE_TABLES = """
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    opened_at TEXT NOT NULL,
    drill INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL,            -- slack, teams or console: where the reporter is
    reporter_id TEXT NOT NULL,        -- the staff member's chat id, to answer them
    reporter_ref TEXT,                -- JSON: where the reporter's case card lives
    status TEXT NOT NULL DEFAULT 'open',
    presented TEXT NOT NULL DEFAULT 'not_sure',
    requester_kind TEXT,
    record_category TEXT,
    waiting_now INTEGER,
    agency TEXT,                      -- redacted before it is stored
    restricted INTEGER NOT NULL DEFAULT 0,
    legal_hold INTEGER NOT NULL DEFAULT 0,
    hold_released_at TEXT,
    hold_released_by TEXT,
    intake_at TEXT,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    closed_at TEXT,
    closed_by TEXT,
    outcome TEXT,
    purge_after TEXT,
    chain TEXT NOT NULL               -- JSON list of officer keys, frozen at opening
);
CREATE TABLE case_steps (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    step_id TEXT NOT NULL,
    state TEXT NOT NULL,
    by_user TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (case_id, step_id)
);
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT,
    by_user TEXT
);
CREATE INDEX case_events_case ON case_events(case_id);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,               -- page, counsel, exhausted, acknowledged
    recipient TEXT NOT NULL,          -- an officer key, "counsel" or "reporter"
    channel TEXT NOT NULL,
    round INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL DEFAULT 0,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',   -- queued, sent, cancelled, failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at TEXT,
    delivery_ref TEXT,                -- JSON: where the delivered message is, to update it
    last_error TEXT,                  -- an error kind, never a message body
    update_of INTEGER REFERENCES pages(id) ON DELETE CASCADE  -- the message this one edits
);
CREATE INDEX pages_due ON pages(status, next_attempt_at);
CREATE INDEX pages_case ON pages(case_id);
CREATE TABLE demands (
    id INTEGER PRIMARY KEY,
    case_id TEXT UNIQUE REFERENCES cases(id) ON DELETE SET NULL,
    logged_at TEXT NOT NULL,
    month TEXT NOT NULL,
    drill INTEGER NOT NULL DEFAULT 0,
    requester_kind TEXT,
    presented TEXT NOT NULL,
    agency TEXT,
    record_category TEXT,
    outcome TEXT
);
CREATE TABLE seen_events (
    key TEXT PRIMARY KEY,
    case_id TEXT,
    seen_at TEXT NOT NULL
);
"""


@migrations()
def m001_core_tables(db: Database) -> None:
    for statement in _CORE_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m002_conversation_refs(db: Database) -> None:
    # Teams needs a stored conversation reference to message someone first.
    db.execute(
        """CREATE TABLE conversation_refs (
            user_id TEXT PRIMARY KEY,       -- the Teams user id (29:...)
            reference TEXT NOT NULL,        -- JSON ConversationReference, no message text
            updated_at TEXT NOT NULL
        )"""
    )


@migrations()
def m003_retention(db: Database) -> None:
    # Counts outlive the rows they summarise, so reports survive purging; nothing else does.
    db.execute(
        """CREATE TABLE report_counts (
            month TEXT NOT NULL,
            source TEXT NOT NULL,           -- case or demand
            presented TEXT NOT NULL,
            requester_kind TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT '',
            restricted INTEGER NOT NULL DEFAULT 0,
            n INTEGER NOT NULL,
            PRIMARY KEY (month, source, presented, requester_kind, outcome, restricted)
        )"""
    )
    db.execute("CREATE TABLE maintenance (task TEXT PRIMARY KEY, last_run_at TEXT NOT NULL)")
    db.execute("ALTER TABLE cases ADD COLUMN summary TEXT")  # redacted, optional, short


@migrations()
def m004_retention_reviews(db: Database) -> None:
    # Only that a review was sent and done, when, and by whom: never what was destroyed.
    db.execute(
        """CREATE TABLE retention_reviews (
            id INTEGER PRIMARY KEY,
            due_at TEXT NOT NULL,
            sent_at TEXT,
            done_at TEXT,
            done_by TEXT
        )"""
    )


@migrations()
def m005_purge_indexes(db: Database) -> None:
    # Purge finds its rows through these, and every foreign-key action it triggers looks
    # up the child by its key: without them each deleted row scans a whole table.
    for statement in (
        "CREATE INDEX pages_update_of ON pages(update_of)",
        "CREATE INDEX cases_expiry ON cases(status, drill, purge_after)",
        "CREATE INDEX cases_drills ON cases(drill, opened_at)",
        "CREATE INDEX cases_held ON cases(legal_hold, hold_released_at)",
        "CREATE INDEX demands_logged ON demands(logged_at)",
        "CREATE INDEX seen_events_seen ON seen_events(seen_at)",
    ):
        db.execute(statement)


@migrations()
def m006_intake_facts(db: Database) -> None:
    # How the request came (in person, phone, email, mail, served) and, for a document,
    # whether a judge signed it: both are choices from lists, never free text.
    db.execute("ALTER TABLE cases ADD COLUMN received_via TEXT")
    db.execute("ALTER TABLE cases ADD COLUMN signed_by TEXT")


@migrations()
def m007_demand_log_without_free_text(db: Database) -> None:
    # The demand log keeps only structured fields for reporting; free text (the agency)
    # stays on its case, redacted, and goes when the case is purged.
    db.execute("ALTER TABLE demands DROP COLUMN agency")


@migrations()
def m008_health_probe(db: Database) -> None:
    # One row that /healthz rewrites with a report-sized payload: a real, committed write.
    db.execute(
        """CREATE TABLE health_probe (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            at TEXT NOT NULL,
            payload BLOB NOT NULL
        )"""
    )


@migrations()
def m009_compact_escalation_and_exactly_once(db: Database) -> None:
    # The escalation chain, frozen when the case opens, as one row: each officer's page is
    # written to the outbox only when its turn comes, not all in advance.
    db.execute(
        """CREATE TABLE escalations (
            case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
            plan TEXT NOT NULL,          -- JSON: each turn's officer and channels, in order
            started_at TEXT NOT NULL,
            timeout_s REAL NOT NULL,     -- seconds between turns (shorter once urgent)
            next_turn INTEGER NOT NULL DEFAULT 0,
            next_due_at TEXT             -- NULL once acknowledged or every turn is done
        )"""
    )
    db.execute("CREATE INDEX escalations_due ON escalations(next_due_at)")
    # A page is marked as being sent before the channel is called, so a crash mid-send is
    # found again; `uncertain` makes the next attempt ask the channel first.
    db.execute("ALTER TABLE pages ADD COLUMN claimed_by TEXT")
    db.execute("ALTER TABLE pages ADD COLUMN claimed_at TEXT")
    db.execute("ALTER TABLE pages ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0")


@migrations()
def m010_legal_process(db: Database) -> None:
    # What was served and when it is due; what was released. Categories, dates and counts:
    # no column can hold a person. `note` is short and redacted, and goes with the case.
    db.execute(
        """CREATE TABLE processes (
            case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            authority TEXT NOT NULL,
            received_on TEXT NOT NULL,      -- YYYY-MM-DD
            received_how TEXT NOT NULL,
            served_on TEXT NOT NULL,        -- a role, never a name
            due_on TEXT,                    -- YYYY-MM-DD: the response or return date
            copy_with_counsel INTEGER NOT NULL DEFAULT 0,
            note TEXT,
            responded_at TEXT,
            responded_on TEXT,              -- YYYY-MM-DD in the library's zone, against due_on
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE releases (
            id INTEGER PRIMARY KEY,
            case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            released_on TEXT NOT NULL,      -- YYYY-MM-DD
            record_category TEXT NOT NULL,
            items INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_by TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX releases_case ON releases(case_id)")
    # The board report reads a period of each; without these it reads every case.
    db.execute("CREATE INDEX processes_received ON processes(received_on)")
    db.execute("CREATE INDEX releases_released ON releases(released_on)")
    # Partial: only the few preservation events are in it, so other events cost nothing more.
    db.execute(
        "CREATE INDEX case_events_preservation ON case_events(at) "
        f"WHERE kind IN {PRESERVATION_EVENTS_SQL}"
    )
    # A hold placed to preserve records after an informal request ends on this date unless
    # counsel extends it; NULL for a hold that lasts until released.
    db.execute("ALTER TABLE cases ADD COLUMN hold_until TEXT")
    # What reports need once the cases are purged: counts by month, never a case. Drills are
    # never counted; restricted matters are kept apart, as in report_counts.
    db.execute(
        """CREATE TABLE process_counts (
            month TEXT NOT NULL,                 -- when it was received
            kind TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            deadline TEXT NOT NULL,              -- met, missed or '' (no response date)
            n INTEGER NOT NULL,
            PRIMARY KEY (month, kind, restricted, deadline)
        )"""
    )
    db.execute(
        """CREATE TABLE release_counts (
            month TEXT NOT NULL,
            record_category TEXT NOT NULL,
            restricted INTEGER NOT NULL,
            releases INTEGER NOT NULL,
            items INTEGER NOT NULL,
            PRIMARY KEY (month, record_category, restricted)
        )"""
    )
    db.execute(
        """CREATE TABLE event_counts (
            month TEXT NOT NULL,
            kind TEXT NOT NULL,             -- preserved, preservation_extended, ...lapsed
            restricted INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (month, kind, restricted)
        )"""
    )
