"""What the bot says when asked for help."""

from __future__ import annotations

from handlers import views as v
from handlers.actors import Actor, is_privileged, role_of
from handlers.services import Services


def help_view(services: Services, actor: Actor, *, command: str) -> v.Reply:
    """Short, calm instructions; officers also see their own commands."""
    lines = [
        f"`{command}`: report a request for library records. You will get what to say at once,"
        " and the responsible officer is paged.",
        f"`{command} status`: your open cases.",
        f"`{command} drill`: a practice run, marked DRILL everywhere.",
    ]
    if is_privileged(role_of(services.settings, actor)):
        lines.append(f"`{command} report`: counts of requests and unauthorized demands.")
    return v.Reply(
        view=v.View(
            title="PatronGuard: requests for library records",
            lines=tuple(lines),
            buttons=(v.Button("Report a records request", v.REPORT, "", "primary"),),
            footer=services.playbook.disclaimer,
        )
    )
