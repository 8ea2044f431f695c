"""/subscribe, /settings, /unsubscribe, /privacy and /deletedata as plain functions.

Button flows keep their state in the callback data itself ("s:42:w3|0900|Europe/Berlin" is
weekly on Thursday at 09:00 in Berlin, in a flow user 42 started), so nothing is held in
memory between taps, a restart loses no half-finished choice, and any replica can take the
next tap. Only "type my time zone" waits for a message instead of a tap; that step is kept
in the database (``set_pending``), for the same reason. The user id in the data says who
started the flow: in a group, only they or an administrator may press on (the handler
checks). Database calls are synchronous; handlers run these functions in a database
thread.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

from bot.conversation.schedules import describe, problem, when
from bot.knowledge.catalog import Catalog
from bot.knowledge.outgoing import MENU_DATA, Button, OutMessage, Reply
from bot.schedule import (
    WEEKDAYS,
    DigestSpec,
    ScheduleError,
    next_due,
    parse_subscribe_args,
    parse_zone,
)
from bot.storage.database import Database
from bot.text.normalise import strip_accents
from bot.text.yamlfile import load_mapping

PREFIX = "s:"
CHOICES_FILE = "digests.yml"
#: The pending step "type your time zone" (``Database.set_pending``).
ZONE_STEP = "zone"


def data(actor: int, action: str) -> str:
    """A button's callback data: who started the flow, and what the button does."""
    return f"{PREFIX}{actor}:{action}"


def parse(callback_data: str) -> tuple[int | None, str]:
    """(the user who started the flow, the action); None for buttons from before user ids
    were kept (they still work in private chats)."""
    rest = callback_data[len(PREFIX) :]
    head, colon, tail = rest.partition(":")
    if colon and head.isdigit():
        return int(head), tail
    return None, rest


@dataclass(frozen=True)
class Choices:
    """What /subscribe offers as buttons (``content/digests.yml``)."""

    times: tuple[str, ...] = ("07:00", "09:00", "12:00", "18:00", "20:00")
    zones: tuple[str, ...] = ("UTC",)


def load_choices(content_dir: Path) -> Choices:
    path = content_dir / CHOICES_FILE
    if not path.is_file():
        return Choices()
    data = load_mapping(path, "the digest choices")
    defaults = Choices()
    try:
        times = tuple(str(t) for t in data.get("times", defaults.times))
        zones = tuple(parse_zone(str(z)) for z in data.get("zones", defaults.zones))
        for t in times:
            time.fromisoformat(t)
    except (ScheduleError, ValueError, TypeError) as err:
        raise ValueError(f"{path}: {err}") from None
    return Choices(times, zones)


def _reply(kind: str, html_text: str, *rows: tuple[Button, ...]) -> Reply:
    return Reply((OutMessage(html_text, tuple(rows)),), kind)


def _spec_from(state: str) -> DigestSpec:
    """'d|0900|Europe/Berlin' or 'w3|0900|UTC' back into a spec."""
    cadence, clock, zone = state.split("|")
    return DigestSpec(
        cadence="weekly" if cadence.startswith("w") else "daily",
        local_time=time(int(clock[:2]), int(clock[2:])),
        zone=parse_zone(zone),
        weekday=int(cadence[1:]) if cadence.startswith("w") else None,
    )


def save(
    catalog: Catalog, database: Database, chat_id: int, spec: DigestSpec, now: datetime
) -> Reply:
    database.subscribe(chat_id, spec, now)
    # Digests go out in the language the chat subscribed in (unless it chose one).
    database.set_language(chat_id, catalog.language, now, chosen=False)
    first = next_due(spec, now)
    messages = catalog.messages
    text = messages.get(
        "sub_done", schedule=describe(messages, spec), first=when(messages, first, spec)
    )
    return _reply("subscribed", text)


def in_schedule_words(catalog: Catalog, args: Sequence[str]) -> list[str]:
    """The one-line form in the schedule parser's words: a language's own words for
    "daily", "weekly" and the weekdays (``messages.yml``: ``schedule_daily_words``,
    ``schedule_weekly_words``, ``weekdays``, ``weekdays_short``) become "daily", "weekly",
    "Monday"...; accents do not matter ("miércoles" or "miercoles")."""
    lists = catalog.messages.lists
    known: dict[str, str] = {}
    for word in lists.get("schedule_daily_words", ()):
        known[_plain_word(word)] = "daily"
    for word in lists.get("schedule_weekly_words", ()):
        known[_plain_word(word)] = "weekly"
    for key in ("weekdays", "weekdays_short"):
        for number, word in enumerate(lists.get(key, ())):
            known[_plain_word(word)] = WEEKDAYS[number]
    words = [w for arg in args for w in arg.split()]
    return [known.get(_plain_word(w), w) if "/" not in w else w for w in words]


def _plain_word(word: str) -> str:
    return strip_accents(word.strip().lower().rstrip("."))


def subscribe_command(
    catalog: Catalog,
    database: Database,
    chat_id: int,
    actor: int,
    args: Sequence[str],
    now: datetime,
) -> Reply:
    """``/subscribe`` starts the buttons; ``/subscribe daily 09:00 Europe/Berlin`` saves."""
    messages = catalog.messages
    if not args:
        return _reply(
            "subscribe",
            messages.get("sub_ask_cadence"),
            (
                Button(messages.get("btn_daily"), data(actor, "d")),
                Button(messages.get("btn_weekly"), data(actor, "w")),
            ),
        )
    try:
        spec = parse_subscribe_args(in_schedule_words(catalog, args))
    except ScheduleError as err:
        return _reply("subscribe_bad", messages.raw("sub_bad", problem=problem(messages, err)))
    return save(catalog, database, chat_id, spec, now)


def subscribe_button(
    catalog: Catalog,
    choices: Choices,
    database: Database,
    chat_id: int,
    actor: int,
    state: str,
    now: datetime,
) -> Reply:
    """One tap of the /subscribe flow; ``state`` holds every choice made so far."""
    messages = catalog.messages
    parts = state.split("|")
    try:
        if state == "w":
            rows = [
                tuple(
                    Button(messages.words("weekdays_short")[d], data(actor, f"w{d}"))
                    for d in range(start, min(start + 4, 7))
                )
                for start in (0, 4)
            ]
            return _reply("subscribe", messages.get("sub_ask_weekday"), *rows)
        if len(parts) == 1 and (state == "d" or (state[:1] == "w" and state[1:].isdigit())):
            buttons = [
                Button(t, data(actor, f"{state}|{t.replace(':', '')}")) for t in choices.times
            ]
            rows = [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
            return _reply("subscribe", messages.get("sub_ask_time"), *rows)
        if len(parts) == 2:
            _spec_from(f"{state}|UTC")  # only choices we offer go on
            rows = [(Button(z, data(actor, f"{state}|{z}")),) for z in choices.zones]
            rows.append((Button(messages.get("btn_type_zone"), data(actor, f"{state}|?")),))
            return _reply("subscribe", messages.get("sub_ask_zone"), *rows)
        if len(parts) == 3 and parts[2] == "?":
            base = f"{parts[0]}|{parts[1]}"
            _spec_from(f"{base}|UTC")
            database.set_pending(chat_id, ZONE_STEP, base, now)
            return _reply("subscribe_type_zone", messages.get("sub_type_zone"))
        if len(parts) == 3:
            return save(catalog, database, chat_id, _spec_from(state), now)
    except (ValueError, ScheduleError, IndexError):
        pass
    return subscribe_command(catalog, database, chat_id, actor, (), now)  # an old or odd button


def typed_zone(
    catalog: Catalog,
    database: Database,
    chat_id: int,
    actor: int,
    state: str,
    text: str,
    now: datetime,
) -> Reply:
    """The message after "type your time zone": ``state`` is what was chosen before."""
    try:
        zone = parse_zone(text.strip())
        spec = _spec_from(f"{state}|{zone}")
    except ScheduleError as err:
        database.set_pending(chat_id, ZONE_STEP, state, now)  # they may try again
        text = catalog.messages.raw("sub_bad", problem=problem(catalog.messages, err))
        return _reply("subscribe_bad", text)
    except (ValueError, IndexError):  # choices we never offered: start the flow again
        return subscribe_command(catalog, database, chat_id, actor, (), now)
    return save(catalog, database, chat_id, spec, now)


def settings(
    catalog: Catalog, database: Database, chat_id: int, actor: int, now: datetime
) -> Reply:
    messages = catalog.messages
    subscription = database.get(chat_id)
    if subscription is None:
        return _reply("settings", messages.get("settings_none"))
    spec = subscription.spec
    text = messages.get(
        "settings",
        schedule=describe(messages, spec),
        next=when(messages, subscription.next_due_at, spec),
    )
    return _reply(
        "settings",
        text,
        (
            Button(messages.get("btn_change"), data(actor, "new")),
            Button(messages.get("btn_stop"), data(actor, "stop")),
        ),
    )


def unsubscribe(catalog: Catalog, database: Database, chat_id: int) -> Reply:
    database.unsubscribe(chat_id)
    return _reply("unsubscribed", catalog.messages.get("unsubscribed"))


def privacy(catalog: Catalog, database: Database, chat_id: int) -> Reply:
    stored = database.export_chat(chat_id)
    if not any(stored.values()):
        return _reply("privacy", catalog.messages.get("privacy_nothing"))
    lines = []
    for table, rows in stored.items():
        for row in rows if isinstance(rows, list) else [rows]:
            if row:
                fields = ", ".join(f"{k}: {v}" for k, v in row.items())
                lines.append(f"• {html.escape(table)}: {html.escape(fields)}")
    return _reply("privacy", catalog.messages.raw("privacy", stored="\n".join(lines)))


def delete_request(catalog: Catalog, actor: int) -> Reply:
    messages = catalog.messages
    return _reply(
        "delete_confirm",
        messages.get("delete_confirm"),
        (
            Button(messages.get("btn_delete_yes"), data(actor, "del:yes")),
            Button(messages.get("btn_delete_no"), data(actor, "del:no")),
        ),
    )


def button(
    catalog: Catalog,
    choices: Choices,
    database: Database,
    chat_id: int,
    actor: int,
    action: str,
    now: datetime,
) -> Reply:
    """Every "s:" button (``action`` after the user id): the subscribe flow, the settings
    actions, the delete confirmation."""
    if action == "del:yes":
        database.delete_chat(chat_id)
        return _reply("deleted", catalog.messages.get("deleted"))
    if action == "del:no":
        return _reply("delete_cancelled", catalog.messages.get("delete_cancelled"))
    if action == "stop":
        return unsubscribe(catalog, database, chat_id)
    if action == "new":
        return subscribe_command(catalog, database, chat_id, actor, (), now)
    return subscribe_button(catalog, choices, database, chat_id, actor, action, now)


__all__ = ["MENU_DATA", "Choices", "button", "data", "load_choices", "parse"]
