"""Telegram's HTML parse mode: what it accepts, what it rejects and with which words."""

from __future__ import annotations

import contextlib
import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest

from bot.text.telegram_html import (
    MAX_MESSAGE_CHARS,
    StrictHtmlError,
    TelegramHtmlError,
    message_length,
    parse_html,
    parse_plain,
    utf16_length,
)

Spans = list[tuple[str, int, int]]


def spans(source: str) -> Spans:
    return [(e.type, e.offset, e.length) for e in parse_html(source).entities]


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("plain text", "plain text", []),
        (
            "<b>bold</b> and <strong>strong</strong>",
            "bold and strong",
            [("bold", 0, 4), ("bold", 9, 6)],
        ),
        ("<b>bold <i>both</i></b>", "bold both", [("bold", 0, 9), ("italic", 5, 4)]),
        ("<i>a</i><em>b</em><u>c</u><ins>d</ins>", "abcd", [("italic", 0, 2), ("underline", 2, 2)]),
        (
            "<s>1</s> <strike>2</strike> <del>3</del>",
            "1 2 3",
            [("strikethrough", 0, 1), ("strikethrough", 2, 1), ("strikethrough", 4, 1)],
        ),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy", [("spoiler", 0, 2)]),
        ("<code>x = 1</code>", "x = 1", [("code", 0, 5)]),
        ("<pre>block</pre>", "block", [("pre", 0, 5)]),
        ("<blockquote>q</blockquote>", "q", [("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [("expandable_blockquote", 0, 1)]),
        ("<B>upper</B>", "upper", [("bold", 0, 5)]),
        ("<b >spaced</b >", "spaced", [("bold", 0, 6)]),
        ("<b>closed by</>", "closed by", [("bold", 0, 9)]),
        ("<b></b>empty", "empty", []),
        ("&lt;b&gt; &amp; &quot;", '<b> & "', []),
        ("&lt&gt", "<>", []),
        ("&#65;&#x42;&#67", "ABC", []),
        ("&#x1F600;", "😀", []),
        ("AT&T &copy; &nbsp; & a > b", "AT&T &copy; &nbsp; & a > b", []),
        ("&#0; &#x110000; &#12345678;", "&#0; &#x110000; &#12345678;", []),
        ("<b>😀</b> x", "😀 x", [("bold", 0, 2)]),
        ("😀 <i>x</i>", "😀 x", [("italic", 3, 1)]),
        ("<b>a</b><b>b</b>", "ab", [("bold", 0, 2)]),
        ("<b> \n padded</b>", "padded", [("bold", 0, 6)]),
        ("<i> </i>x", "x", []),
        ("  \n<b>hi</b> there \n\n ", "hi there", [("bold", 0, 2)]),
        ("a\r\nb", "a\nb", []),
        ("a\x01b\tc", "a b\tc", []),
        ("<b x>unknown attribute ignored</b>", "unknown attribute ignored", [("bold", 0, 25)]),
    ],
)
def test_valid_html(source: str, text: str, entities: Spans) -> None:
    parsed = parse_html(source)
    assert parsed.text == text
    assert spans(source) == entities


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("one<br>two", 'Unsupported start tag "br" at byte offset 3'),
        ("<br/>", 'Unsupported start tag "br/" at byte offset 0'),
        ("<ul><li>x</li></ul>", 'Unsupported start tag "ul" at byte offset 0'),
        ("<h1>x</h1>", 'Unsupported start tag "h1" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("ends with <", "Unclosed start tag at byte offset 10"),
        ("привет <br>", 'Unsupported start tag "br" at byte offset 13'),
        ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b></i>", "Unexpected end tag at byte offset 8"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x"', "Unclosed start tag at byte offset 0"),
        ("<a href", 'Unclosed start tag "a" at byte offset 0'),
        ("<a href=", 'Unclosed start tag "a" at byte offset 0'),
        ('<a ="x">y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;",
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_invalid_html(source: str, reason: str) -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        parse_html(source)
    assert caught.value.reason == reason
    assert caught.value.description == f"Bad Request: can't parse entities: {reason}"


def test_error_text_matches_what_python_telegram_bot_raises() -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        parse_html("<p>x</p>")
    err = caught.value
    assert str(err) == 'Can\'t parse entities: unsupported start tag "p" at byte offset 0'
    assert str(err) == BadRequest(err.description).message
    assert err.byte_offset == 0


def test_byte_offsets_count_utf8_bytes() -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        parse_html("😀 é <x>")
    assert caught.value.byte_offset == 4 + 1 + 2 + 1


@pytest.mark.parametrize("source", ["&nbsp;", "AT&T", "Tom & Jerry", "&copy;", "a > b"])
def test_strict_mode_rejects_what_telegram_shows_as_typed(source: str) -> None:
    assert parse_html(source).text == source  # Telegram itself accepts these
    with pytest.raises(StrictHtmlError):
        parse_html(source, strict=True)


def test_strict_mode_names_the_problem() -> None:
    with pytest.raises(StrictHtmlError, match='Unsupported HTML entity "&nbsp;" at byte offset 2'):
        parse_html("a &nbsp;b", strict=True)
    with pytest.raises(StrictHtmlError, match='Unescaped "&" at byte offset 4'):
        parse_html("Tom & Jerry", strict=True)
    assert parse_html("&lt;&amp;&gt;&#39;", strict=True).text == "<&>'"


def test_links() -> None:
    parsed = parse_html(
        '<a href="https://Example.com">site</a> and <a href="https://x.org/a?b=1">x</a>'
    )
    assert parsed.text == "site and x"
    assert [(e.type, e.offset, e.length, e.url) for e in parsed.entities] == [
        ("text_link", 0, 4, "https://example.com/"),
        ("text_link", 9, 1, "https://x.org/a?b=1"),
    ]


def test_link_quirks() -> None:
    # An href with an entity in it is decoded; an empty href links the text itself.
    assert parse_html('<a href="https://a.com/?x=1&amp;y=2">a</a>').entities[0].url == (
        "https://a.com/?x=1&y=2"
    )
    assert parse_html("<a>https://b.com</a>").entities[0].url == "https://b.com/"
    # A scheme Telegram refuses makes no link, and no error.
    assert parse_html('<a href="javascript:alert(1)">x</a>').entities == ()
    mention = parse_html('<a href="tg://user?id=42">Ann</a>').entities[0]
    assert (mention.type, mention.user_id) == ("text_mention", 42)
    assert mention.to_dict()["user"]["id"] == 42


def test_pre_with_language_and_code_without() -> None:
    parsed = parse_html(
        '<pre><code class="language-python">x = 1</code></pre>\n<code class="language-go">y</code>'
    )
    assert parsed.text == "x = 1\ny"
    assert [e.to_dict() for e in parsed.entities] == [
        {"offset": 0, "length": 5, "type": "pre", "language": "python"},
        {"offset": 6, "length": 1, "type": "code"},
    ]


def test_custom_emoji_and_spoiler() -> None:
    parsed = parse_html('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>')
    [emoji] = parsed.entities
    assert (emoji.type, emoji.offset, emoji.length) == ("custom_emoji", 0, 2)
    assert emoji.custom_emoji_id == "5368324170671202286"


def test_length_is_counted_after_parsing_and_trimming() -> None:
    body = "x" * MAX_MESSAGE_CHARS
    assert message_length(f"<b>{body}</b>") == MAX_MESSAGE_CHARS
    assert message_length(f"\n\n  {body}  \n") == MAX_MESSAGE_CHARS
    assert message_length("&lt;" * 10) == 10
    assert message_length("😀") == 1  # code points, not UTF-16 units
    assert message_length(" \n ") == 0
    assert parse_html("<b> </b>").is_empty


def test_parse_plain_trims_like_telegram() -> None:
    assert parse_plain("  <b>not html</b>\n").text == "<b>not html</b>"


def test_utf16_length() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("é😀") == 3


_MARKUP = st.text(alphabet="<>/&;#x=\"' \nabiuspre{}0123456789", max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), _MARKUP))
def test_never_crashes_on_arbitrary_input(source: str) -> None:
    with contextlib.suppress(TelegramHtmlError):
        parse_html(source)


_SAFE = st.characters(
    blacklist_categories=("Cs", "Cc"),
    blacklist_characters="\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u030a\u0333\u033f",
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_SAFE, max_size=80))
def test_escaped_text_round_trips(text: str) -> None:
    parsed = parse_html(html.escape(text, quote=False))
    assert parsed.text == text.strip(" \n")
    assert parsed.entities == ()
    parsed = parse_html(f"<b>{html.escape(text, quote=True)}</b>", strict=True)
    assert parsed.text == text.strip(" \n")
