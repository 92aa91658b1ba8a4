"""`patronguard playbook`: the whole procedure as staff and officers read it, for counsel.

Every line is printed beside its sources, with the library's own files layered on and
named, so counsel can review and sign off the wording in force.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from bot.config import Settings
from handlers.presenters import STATE_LAW_FIELDS
from playbooks.engine import first_screen
from playbooks.model import (
    LIBRARY_SOURCE,
    PRESENTED,
    CaseFacts,
    Condition,
    Line,
    Note,
    Playbook,
)

FORMATS = ("md", "html")


@dataclass
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Part:
    """One heading, a few paragraphs and at most one table."""

    heading: str
    level: int = 2
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None


def procedure_parts(playbook: Playbook, settings: Settings) -> tuple[str, list[Part]]:
    """The procedure as a title and parts, independent of the output format."""
    title = f"{playbook.title}: the procedure PatronGuard shows at {settings.library.name}"
    parts = [_overview(playbook, settings), _state_law(settings)]
    parts += _first_screens(playbook, settings)
    parts += _steps(playbook, settings)
    sources = Table(
        ("Id", "Source"), [(k, " ".join(v.split())) for k, v in playbook.sources.items()]
    )
    if LIBRARY_SOURCE not in playbook.sources:
        sources.rows.append((LIBRARY_SOURCE, playbook.source_title(LIBRARY_SOURCE)))
    parts.append(Part("Sources", table=sources))
    return title, parts


def _overview(playbook: Playbook, settings: Settings) -> Part:
    if playbook.applied:
        applied = [
            f"{o.file} changes: {', '.join(o.changed) or 'nothing'}." for o in playbook.applied
        ]
        intro = "The library's own files are layered over the built-in procedure, in this order:"
        paragraphs = [intro, *applied]
    else:
        paragraphs = ["No overrides are in force: this is the built-in wording only."]
    paragraphs += [
        f"Kind of library: {settings.library.kind}.",
        f"Wording marked 'library' comes from the library's own files. {playbook.disclaimer}",
    ]
    return Part("Overrides in force", paragraphs=paragraphs)


def _state_law(settings: Settings) -> Part:
    law = settings.state_law
    rows: list[tuple[str, ...]] = [
        (label, str(getattr(law, name))) for name, label in STATE_LAW_FIELDS if getattr(law, name)
    ]
    if not rows:
        return Part(
            "Your state's rules (state_law in the config)",
            paragraphs=[
                "Not written yet. Officers are told to ask counsel before releasing anything."
            ],
        )
    return Part(
        "Your state's rules (state_law in the config)",
        paragraphs=["Shown to officers beside steps 2 to 4, as counsel wrote them."],
        table=Table(("Rule", "As counsel wrote it"), rows),
    )


def _first_screens(playbook: Playbook, settings: Settings) -> list[Part]:
    kind = settings.library.kind
    parts = [
        Part(
            "What staff read first",
            paragraphs=[
                "One numbered list per presentation, for a request made in person. A "
                "presentation's list replaces the default whole. The default is shown at once, "
                "before anyone knows what was presented."
            ],
        )
    ]
    parts.append(_screen_part("Before anyone knows (the default)", playbook, CaseFacts()))
    for key in PRESENTED:
        presentation = playbook.presentation(key)
        flags = [
            name
            for name, on in (
                ("urgent", presentation.urgent),
                ("legal hold", presentation.legal_process),
                ("restricted", presentation.restricted),
                ("logged as an unauthorized demand", presentation.unauthorized),
            )
            if on
        ]
        heading = presentation.label + (f" ({', '.join(flags)})" if flags else "")
        facts = CaseFacts(presented=key, received_via="in_person", library_kind=kind)
        part = _screen_part(heading, playbook, facts)
        part.paragraphs.append("Presentation sources: " + _sources(playbook, presentation.source))
        parts.append(part)
    remote = Table(("How it came", "Line", "Sources"))
    for via, lines in playbook.immediate_guidance.not_at_desk.items():
        remote.rows += [(playbook.received_via[via], *_row(playbook, line)) for line in lines]
    parts.append(
        Part(
            "When the request did not come in person",
            level=3,
            paragraphs=["These lines come first; lines about the person at the desk drop out."],
            table=remote,
        )
    )
    parts.append(
        _notes_part(
            "Added when the facts call for them", playbook, playbook.immediate_guidance.notes
        )
    )
    return parts


def _screen_part(heading: str, playbook: Playbook, facts: CaseFacts) -> Part:
    lines = first_screen(playbook, facts)
    table = Table(("#", "Line", "Sources"))
    table.rows = [(str(i), *_row(playbook, line)) for i, line in enumerate(lines, 1)]
    return Part(heading, level=3, table=table)


def _steps(playbook: Playbook, settings: Settings) -> list[Part]:
    parts = [
        Part(
            "The steps", paragraphs=["The case card shows these, numbered as ALA's procedure does."]
        )
    ]
    for step in sorted(playbook.steps, key=lambda s: s.number):
        applies = ", ".join(playbook.presentation(p).label for p in step.applies_to)
        table = Table(("When presented", "Wording", "Sources"))
        for key, line in step.guidance.items():
            when = "Otherwise" if key == "default" else playbook.presentation(key).label
            table.rows.append((when, *_row(playbook, line)))
        for note in step.notes:
            table.rows.append((_condition(playbook, note.when), *_row(playbook, note)))
        closing = "" if step.required_to_close else " Not required to close a case."
        parts.append(
            Part(
                f"Step {step.number}. {step.title} ({step.actor})",
                level=3,
                paragraphs=[
                    f"Applies to: {applies}.{closing}",
                    "Step sources: " + _sources(playbook, step.source),
                ],
                table=table,
            )
        )
    return parts


def _notes_part(heading: str, playbook: Playbook, notes: list[Note]) -> Part:
    table = Table(("When", "Line", "Sources"))
    table.rows = [(_condition(playbook, n.when), *_row(playbook, n)) for n in notes]
    return Part(heading, level=3, table=table)


def _row(playbook: Playbook, line: Line) -> tuple[str, str]:
    return line.text, _sources(playbook, line.source)


def _sources(playbook: Playbook, ids: list[str]) -> str:
    """Source ids, each listed in full under Sources at the end."""
    return ", ".join(ids)


def _condition(playbook: Playbook, when: Condition) -> str:
    labels: dict[str, dict[str, str]] = {
        "presented": {k: p.label for k, p in playbook.presentations.items()},
        "received_via": playbook.labels("received_via"),
        "requester_kind": playbook.requester_kinds,
        "record_category": playbook.record_categories,
        "library_kind": {k: f"{k} library" for k in ("public", "school", "academic")},
    }
    parts = []
    for name, values in when.model_dump(exclude_none=True).items():
        parts.append(" or ".join(labels[name].get(v, v) for v in values))
    return "; and ".join(parts)


def to_markdown(title: str, parts: list[Part]) -> str:
    out = [f"# {title}", ""]
    for part in parts:
        out += ["#" * part.level + " " + part.heading, ""]
        for paragraph in part.paragraphs:
            out += [paragraph, ""]
        if part.table and part.table.rows:
            out.append("| " + " | ".join(part.table.headers) + " |")
            out.append("|" + "---|" * len(part.table.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in part.table.rows]
            out.append("")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def to_html(title: str, parts: list[Part]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for part in parts:
        level = min(part.level, 6)
        body.append(f"<h{level}>{html.escape(part.heading)}</h{level}>")
        body += [f"<p>{html.escape(p)}</p>" for p in part.paragraphs]
        if part.table and part.table.rows:
            head = "".join(f"<th>{html.escape(h)}</th>" for h in part.table.headers)
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in part.table.rows
            )
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#000;"
        "line-height:1.4}table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}"
        "td,th{border:1px solid #555;padding:4px 8px;text-align:left;vertical-align:top}"
        "th{background:#eee}"
        "td:last-child{font-size:.85em;color:#333;width:32%}"
        "h2{margin-top:2em;border-bottom:2px solid #000}"
        "@media print{body{margin:0;max-width:none}h3{break-after:avoid}tr{break-inside:avoid}}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def render_procedure(playbook: Playbook, settings: Settings, fmt: str) -> str:
    title, parts = procedure_parts(playbook, settings)
    return to_html(title, parts) if fmt == "html" else to_markdown(title, parts)
