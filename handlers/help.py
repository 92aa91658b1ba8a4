"""What the bot says when asked for help."""

from __future__ import annotations

from handlers import views as v
from handlers.actors import Actor, is_privileged, role_of
from handlers.commands import BOT_NAME, Command
from handlers.services import Services


def invocation(services: Services, channel: str) -> str:
    """How a person addresses PatronGuard on their channel: the slash command, or its name."""
    return services.settings.slack.command if channel == "slack" else BOT_NAME


def help_view(services: Services, actor: Actor) -> v.Reply:
    """Short, calm instructions; officers also see their own commands."""
    command = invocation(services, actor.channel)
    lines = [
        f"`{command}`: report a request for library records. You will get what to say at once,"
        " and the responsible officer is paged.",
        f"`{command} {Command.STATUS}`: your open cases.",
        f"`{command} {Command.DRILL}`: a practice run, marked DRILL everywhere.",
    ]
    if is_privileged(role_of(services.settings, actor)):
        lines.append(f"`{command} {Command.SUMMARY}`: counts of requests and unauthorized demands.")
    return v.Reply(
        view=v.View(
            title="PatronGuard: requests for library records",
            lines=tuple(lines),
            buttons=(v.Button("Report a records request", v.REPORT, "", "primary"),),
            footer=services.playbook.disclaimer,
        )
    )


def unknown_action(services: Services, channel: str) -> v.Reply:
    command = invocation(services, channel)
    return v.refusal(
        "That button is not one PatronGuard knows, perhaps from an older message. Nothing "
        f"was changed. Use `{command} {Command.HELP}` to see what you can do.",
        title="Unknown action",
    )
