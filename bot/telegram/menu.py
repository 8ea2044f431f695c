"""The command menu Telegram shows: the topics first, then the bot's own commands."""

from __future__ import annotations

from telegram import BotCommand

from bot.commands import COMMANDS, Audience
from bot.telegram.state import BotState

#: Telegram shows at most 100 commands.
MAX_COMMANDS = 100


def bot_commands(state: BotState) -> list[BotCommand]:
    """Topics from the content, then the fixed commands this bot serves (never admin ones)."""
    catalog = state.catalog
    topics = [BotCommand(t.command, t.title[:256]) for t in catalog.topics]
    own = [
        BotCommand(c.name, catalog.messages.get(c.menu_key))
        for c in COMMANDS
        if c.menu_key is not None
        and (
            c.audience is Audience.EVERYONE
            or (c.audience is Audience.SUBSCRIBERS and state.database is not None)
        )
    ]
    return (topics + own)[:MAX_COMMANDS]
