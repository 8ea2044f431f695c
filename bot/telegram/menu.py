"""The command menu Telegram shows: the topics first, then the bot's own commands."""

from __future__ import annotations

from telegram import Bot, BotCommand

from bot.commands import COMMANDS, Audience
from bot.knowledge.catalog import Catalog
from bot.telegram.state import BotState

#: Telegram shows at most 100 commands.
MAX_COMMANDS = 100


def bot_commands(state: BotState, catalog: Catalog | None = None) -> list[BotCommand]:
    """Topics from the content, then the fixed commands this bot serves (never admin ones),
    in the catalog's language (default: the base language)."""
    catalog = catalog or state.catalog
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


async def register_commands(bot: Bot, state: BotState) -> int:
    """``setMyCommands`` once per language with its ``language_code``, and once with none
    (the base language) as the fallback for everyone else; returns how many were set."""
    base = state.catalog
    await bot.set_my_commands(bot_commands(state, base))
    for language, catalog in base.translations.items():
        await bot.set_my_commands(bot_commands(state, catalog), language_code=language)
    return 1 + len(base.translations)
