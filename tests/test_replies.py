"""What the bot answers, tested as plain functions: no Telegram, no network."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation import topics as replies
from bot.knowledge.catalog import Catalog
from bot.knowledge.messages import MessagesError, load_messages
from bot.text.telegram_html import parse_html

from .conftest import shipped_catalog

CATALOG: Catalog = shipped_catalog()


def all_valid(reply: replies.Reply) -> None:
    assert reply.messages
    for message in reply.messages:
        assert parse_html(message.html).text.strip()
        for row in message.buttons:
            for button in row:
                assert 1 <= len(button.callback_data.encode()) <= 64
                assert button.text


def test_every_bot_message_is_valid_telegram_html() -> None:
    for key, needed in __import__("bot.knowledge.messages").knowledge.messages.REQUIRED.items():
        text = CATALOG.messages.get(key, **{f: "<x> & y" for f in needed})
        parse_html(text)


def test_topic_reply_has_next_and_menu() -> None:
    reply = replies.for_command(CATALOG, "therapy")
    assert reply.kind == "topic" and reply.topic == "therapy"
    [message] = reply.messages
    assert [b.callback_data for b in message.buttons[0]] == ["t:study", "menu"]


def test_routing_answers_with_intro_then_topic() -> None:
    reply = replies.for_text(CATALOG, "what are the side effects")
    assert reply.kind == "routed" and reply.topic == "side_effects"
    assert "side effects" in reply.messages[0].html.lower()


def test_not_confident_means_not_sure_with_menu() -> None:
    reply = replies.for_text(CATALOG, "tell me a joke")
    assert reply.kind == "not_sure"
    assert len(reply.messages[0].buttons) == len(CATALOG.topics)


def test_safety_comes_before_routing() -> None:
    reply = replies.for_text(CATALOG, "what are the side effects? I have chest pain right now")
    assert reply.kind == "urgent"
    assert "emergency" in reply.messages[0].html.lower()


def test_commands_are_case_insensitive_and_unknown_ones_get_help() -> None:
    assert replies.for_command(CATALOG, "STUDY").topic == "study"
    assert replies.for_command(CATALOG, "nope").kind == "unknown_command"


def test_user_name_is_escaped_in_welcome() -> None:
    reply = replies.welcome(CATALOG, "<script>&")
    assert "&lt;script&gt;&amp;" in reply.messages[0].html
    all_valid(reply)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600))
def test_any_text_gets_a_valid_reply(text: str) -> None:
    all_valid(replies.for_text(CATALOG, text))


@settings(max_examples=200, deadline=None)
@given(data=st.none() | st.text(max_size=70))
def test_any_button_data_gets_a_valid_reply(data: str | None) -> None:
    all_valid(replies.for_callback(CATALOG, data))


@settings(max_examples=100, deadline=None)
@given(command=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", max_size=40))
def test_any_command_gets_a_valid_reply(command: str) -> None:
    all_valid(replies.for_command(CATALOG, command))


def test_messages_file_problems_are_clear(tmp_path: Path) -> None:
    with pytest.raises(MessagesError, match="not found"):
        load_messages(tmp_path)
    (tmp_path / "messages.yml").write_text("welcome: hi {nam}\n")
    with pytest.raises(MessagesError, match="unknown field"):
        load_messages(tmp_path)


def test_every_fixed_command_has_exactly_one_handler() -> None:
    from bot.commands import COMMANDS, RESERVED
    from bot.telegram.handlers import FIXED

    assert set(FIXED) == {c.name for c in COMMANDS}
    # Topic commands can never shadow the bot's own (the linter refuses them too).
    assert not {t.command for t in CATALOG.topics} & RESERVED
