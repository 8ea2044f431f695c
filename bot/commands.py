"""The bot's own commands, written once.

This one table feeds Telegram's command menu (``setMyCommands``), the handlers (one
``CommandHandler`` per command, admin ones only for admin chats), and the linter's list
of names a topic may not take. Topic commands are not here: they come from the content.
The descriptions shown in Telegram's menu are words, so they live in ``messages.yml``
under ``menu_key``; this table only names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Audience(Enum):
    """Who may use a command."""

    #: Anyone, always.
    EVERYONE = "everyone"
    #: Anyone, when the bot runs with a database (digests, privacy, deletion).
    SUBSCRIBERS = "subscribers"
    #: Only chats listed in ADMIN_CHAT_IDS; never in the menu, unknown to everyone else.
    ADMINS = "admins"


@dataclass(frozen=True)
class Command:
    name: str
    audience: Audience
    #: The messages.yml key of its menu description; None keeps it out of the menu.
    menu_key: str | None = None
    #: Other names that do the same thing (not shown in the menu).
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


COMMANDS: tuple[Command, ...] = (
    Command("start", Audience.EVERYONE, "menu_start"),
    Command("topics", Audience.EVERYONE, "menu_topics", aliases=("menu",)),
    Command("help", Audience.EVERYONE, "menu_help"),
    Command("language", Audience.EVERYONE, "menu_language", aliases=("idioma", "lang")),
    Command("subscribe", Audience.SUBSCRIBERS, "menu_subscribe"),
    Command("settings", Audience.SUBSCRIBERS, "menu_settings"),
    Command("unsubscribe", Audience.SUBSCRIBERS, "menu_unsubscribe"),
    Command("privacy", Audience.SUBSCRIBERS, "menu_privacy"),
    Command("deletedata", Audience.SUBSCRIBERS, "menu_deletedata"),
    Command("stats", Audience.ADMINS),
    Command("reload", Audience.ADMINS),
    Command("preview", Audience.ADMINS),
)

#: Every name the bot itself answers; a topic file cannot use one of them.
RESERVED: frozenset[str] = frozenset(name for command in COMMANDS for name in command.names)


def command(name: str) -> Command | None:
    """The fixed command called ``name`` (or one of its aliases), if there is one."""
    lowered = name.lower()
    return next((c for c in COMMANDS if lowered in c.names), None)


def for_audience(*audiences: Audience) -> tuple[Command, ...]:
    return tuple(c for c in COMMANDS if c.audience in audiences)


#: The messages.yml keys the menu needs, so the messages file is checked for them.
MENU_KEYS: frozenset[str] = frozenset(c.menu_key for c in COMMANDS if c.menu_key)
