"""The minimal text a page carries outside chat (email, webhook): id, urgency, how to open it.

Email and webhooks pass through systems the library does not control (mail relays, SMS
gateways, paging services), so nothing about the request itself goes there: no requester,
no agency, no wording. A restricted case carries only its id and the instruction to open
it privately.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.pager import Delivery

PRODUCT = "PatronGuard"
HOW_TO_OPEN = (
    "Open {product} in Slack or Teams and look for case {case_id}; "
    "if you cannot, phone the library."
)
PRIVATELY = "Open it privately in {product} (Slack or Teams); if you cannot, phone the library."
# Kinds that are a message of their own; every other kind with update_ref is an edit.
NEW_MESSAGE_KINDS = frozenset({"acknowledged", "exhausted"})


@dataclass(frozen=True)
class PageContent:
    """What an out-of-chat channel may say about one delivery."""

    case_id: str
    urgent: bool
    drill: bool
    restricted: bool
    subject: str  # one line, e.g. "[PatronGuard] URGENT records request, case PG-ABC123"
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The body: one short line each, for email."""
        return "\n".join(self.lines) + "\n"

    @property
    def summary(self) -> str:
        """The same, as one paragraph: for SMS gateways and paging services."""
        return " ".join(self.lines)


def is_edit(delivery: Delivery) -> bool:
    """An edit of a message already sent; a channel that cannot edit sends nothing."""
    return delivery.update_ref is not None and delivery.kind not in NEW_MESSAGE_KINDS


def is_urgent(delivery: Delivery) -> bool:
    """Urgency as the handlers decided it for the chat page (a field, never a title)."""
    return delivery.view.urgent or delivery.kind == "exhausted"


def page_content(delivery: Delivery) -> PageContent:
    """The minimal subject and lines for `delivery`; see the module docstring for why."""
    case_id = delivery.case_id
    urgent = is_urgent(delivery)
    headline = _headline(delivery, urgent)
    if delivery.kind in ("acknowledged", "ack_update"):
        action = f"Open {PRODUCT} in Slack or Teams for what to do next."
    elif delivery.restricted:
        action = PRIVATELY.format(product=PRODUCT)
    else:
        action = HOW_TO_OPEN.format(product=PRODUCT, case_id=case_id)
    again = ["Sent again: the first try's outcome was lost. If you already have it, ignore it."]
    lines = (
        *(["This is a drill."] if delivery.drill else []),
        f"{headline}.",
        action,
        *(again if delivery.resend else []),
    )
    tag = ("[DRILL] " if delivery.drill else "") + ("(sent again) " if delivery.resend else "")
    return PageContent(
        case_id=case_id,
        urgent=urgent,
        drill=delivery.drill,
        restricted=delivery.restricted,
        subject=f"[{PRODUCT}] {tag}{headline}",
        lines=lines,
    )


def _headline(delivery: Delivery, urgent: bool) -> str:
    case_id = delivery.case_id
    if delivery.kind in ("acknowledged", "ack_update"):
        return f"Case {case_id} has been acknowledged"
    if delivery.kind == "exhausted":
        return f"URGENT: nobody has acknowledged case {case_id} yet"
    if delivery.restricted:  # the same words for every restricted case: they say nothing
        return f"Case {case_id} needs the responsible officer"
    return f"{'URGENT records request' if urgent else 'Records request'}, case {case_id}"
