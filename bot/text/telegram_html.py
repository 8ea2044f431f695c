"""Telegram's HTML parse mode as a validator: the text and entities Telegram would store.

``parse_html`` follows tdlib's ``parse_html`` (the parser behind the Bot API's
``parse_mode=HTML``) closely enough to reject exactly the messages Telegram rejects, with
Telegram's own error texts and UTF-8 byte offsets, so a bad message is caught in a test or by
the content linter instead of as ``400 Bad Request: can't parse entities`` in production.
After parsing it applies what tdlib does to every message text before it counts it: control
characters cleaned, entities made of whitespace dropped, leading and trailing spaces and
newlines trimmed. ``len(parse_html(html).text)`` is therefore the length Telegram compares with
its 4,096-character limit.

Two of Telegram's behaviours surprise people, and both are reproduced on purpose: an ``&``
that does not start one of ``&lt; &gt; &amp; &quot;`` or a numeric reference (``&nbsp;``,
``AT&T``) is kept as typed, and a bare ``>`` is fine. Neither is an error for Telegram; pass
``strict=True`` to reject them too (the docs ask for escaping, and ``&nbsp;`` showing up
literally is almost always a bug).

Entity offsets and lengths are in UTF-16 code units, as in the Bot API. Telegram also splits
and merges overlapping formatting; only the common case (adjacent runs of the same style
merged) is reproduced, so entity lists are close to Telegram's but the text and the errors
are what to rely on.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "MAX_MESSAGE_CHARS",
    "Entity",
    "ParsedText",
    "StrictHtmlError",
    "TelegramHtmlError",
    "message_length",
    "parse_html",
    "parse_plain",
    "utf16_length",
]

MAX_MESSAGE_CHARS: Final = 4096

_SIMPLE_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SUPPORTED_TAGS: Final = frozenset(_SIMPLE_TYPES) | {"a", "tg-emoji", "pre", "code", "blockquote"}
# Entities Telegram splits and merges freely; the rest are "continuous".
_SPLITTABLE: Final = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})
# Entities whose meaning is not in the text, so Telegram keeps them even over whitespace.
_HIDDEN_DATA: Final = frozenset({"text_link", "text_mention", "custom_emoji"})
# tdlib's get_type_priority, used to order entities that start and end together.
_PRIORITY: Final = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
# Marks where an error text gets its byte offset; a tag name can't hold NUL, tdlib stops there.
_AT: Final = "\0"
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# tdlib's is_space: the C string's terminating NUL counts as space, which is how its loops stop.
_SPACE: Final = frozenset(" \t\r\n\0\v")
_ALPHA: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS: Final = frozenset("0123456789")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_NAME_TOKEN: Final = _ALPHA | _DIGITS | frozenset(".-")
_ATTRIBUTE_NAME_END: Final = _SPACE | frozenset("=>/\"'")
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_SPECIAL: Final = re.compile(r"[<&]")
_STRICT_SPECIAL: Final = re.compile(r"[<&>]")
# clean_input_string: \r is dropped, other C0 controls but \t and \n become spaces, and a few
# invisible or overdrawing characters are removed.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NEEDS_CLEANING: Final = re.compile(r"[\x00-\x08\x0b-\x1f\u2028-\u202e\u030a\u0333\u033f]")
_REMOVED: Final = re.compile(r"[\r\u2028-\u202e\u030a\u0333\u033f]")
_ASTRAL: Final = re.compile(r"[\U00010000-\U0010ffff]")
_TG_USER: Final = re.compile(r"tg:(?://)?user\?id=(\d{1,18})$", re.IGNORECASE)
_HOST: Final = re.compile(r"[A-Za-z0-9._~\-\u0080-\U0010ffff]+")


class TelegramHtmlError(ValueError):
    """Telegram would answer ``400 Bad Request: can't parse entities: <reason>``.

    ``reason`` is tdlib's own text (``Unsupported start tag "p" at byte offset 0``);
    ``description`` is the full Bot API ``description``; ``str(err)`` is the message
    python-telegram-bot's ``BadRequest`` would carry for the same answer, so the two compare
    equal. ``byte_offset`` is the UTF-8 offset Telegram reports, when it reports one.
    """

    def __init__(self, reason: str, byte_offset: int | None = None) -> None:
        self.reason = reason
        self.byte_offset = byte_offset
        super().__init__(reason)

    @property
    def description(self) -> str:
        """The Bot API's ``description`` field for this error."""
        return f"Bad Request: can't parse entities: {self.reason}"

    def __str__(self) -> str:
        # python-telegram-bot strips "Bad Request: " and applies str.capitalize().
        return f"can't parse entities: {self.reason}".capitalize()


class StrictHtmlError(TelegramHtmlError):
    """Raised only with ``strict=True``: Telegram accepts this, but shows it as typed."""

    def __str__(self) -> str:
        return f"{self.reason} (Telegram would show it as typed)"


@dataclass(frozen=True, slots=True)
class Entity:
    """One Bot API ``MessageEntity``; offsets and lengths in UTF-16 code units."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entity as the Bot API's JSON shows it."""
        out: dict[str, Any] = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            out["url"] = self.url
        if self.language is not None:
            out["language"] = self.language
        if self.custom_emoji_id is not None:
            out["custom_emoji_id"] = self.custom_emoji_id
        if self.user_id is not None:
            out["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        return out


@dataclass(frozen=True, slots=True)
class ParsedText:
    """What Telegram stores for a message: plain text plus formatting entities."""

    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def length(self) -> int:
        """Characters as Telegram counts them against the 4,096 limit (code points)."""
        return len(self.text)

    @property
    def is_empty(self) -> bool:
        """Telegram refuses to send this: ``Bad Request: message text is empty``."""
        return not self.text

    def entities_json(self) -> list[dict[str, Any]]:
        """The entities as the Bot API's JSON shows them."""
        return [entity.to_dict() for entity in self.entities]


@dataclass(slots=True)
class _Raw:
    """An entity during parsing; start and end are code-point indexes into the text."""

    type: str
    start: int
    end: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None
    user_id: int | None = None


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    start: int
    pieces_at: int


def parse_html(html: str, *, strict: bool = False) -> ParsedText:
    """Parse a message as Telegram's HTML parse mode does, or raise ``TelegramHtmlError``.

    The result's text is what the recipient sees, trimmed and cleaned as Telegram does, so
    ``len(result.text)`` is what Telegram checks against 4,096 (it may be 0: Telegram then
    answers "message text is empty", which is not a parse error). ``strict=True`` also
    rejects a bare ``&``, an entity Telegram does not know (``&nbsp;``) and a bare ``>``.
    """
    parser = _Parser(html, strict)
    text, raws = parser.run()
    return _finish(text, raws)


def parse_plain(text: str) -> ParsedText:
    """A message sent without parse_mode: no entities, but cleaned and trimmed the same way."""
    return _finish(text, [])


def message_length(html: str) -> int:
    """Characters Telegram counts for this HTML message; raises ``TelegramHtmlError``."""
    return len(parse_html(html).text)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of the Bot API's entity offsets."""
    if text.isascii():
        return len(text)
    return len(text) + len(_ASTRAL.findall(text))


class _Parser:
    """One pass over the HTML, as tdlib's parse_html, with its checks in its order."""

    def __init__(self, html: str, strict: bool) -> None:
        self.src = html
        self.n = len(html)
        self.strict = strict
        self.pieces: list[str] = []
        self.pos = 0  # code points emitted so far
        self.entities: list[_Raw] = []
        self.stack: list[_Open] = []
        self.decoded_surrogate = False

    def at(self, i: int) -> str:
        return self.src[i] if i < self.n else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8", "surrogatepass"))

    def fail(self, reason: str, i: int | None = None) -> TelegramHtmlError:
        """The error for ``reason``, its ``_AT`` replaced by the byte offset of ``i``."""
        if i is None:
            return TelegramHtmlError(reason)
        offset = self.byte_offset(i)
        return TelegramHtmlError(reason.replace(_AT, str(offset)), offset)

    def emit(self, chunk: str) -> None:
        if chunk:
            self.pieces.append(chunk)
            self.pos += len(chunk)

    def run(self) -> tuple[str, list[_Raw]]:
        src, n = self.src, self.n
        special = _STRICT_SPECIAL if self.strict else _SPECIAL
        i = 0
        while i < n:
            match = special.search(src, i)
            if match is None:
                self.emit(src[i:])
                break
            j = match.start()
            self.emit(src[i:j])
            c = src[j]
            if c == "&":
                decoded = self.entity(j)
                if decoded is not None:
                    char, i = decoded
                    self.emit(char)
                    continue
                if self.strict:
                    raise self.strict_entity_error(j)
                self.emit("&")
                i = j + 1
            elif c == ">":  # strict mode only
                raise StrictHtmlError(
                    f'Unescaped ">" at byte offset {self.byte_offset(j)}: write &gt;',
                    self.byte_offset(j),
                )
            elif self.at(j + 1) == "/":
                i = self.end_tag(j)
            else:
                i = self.start_tag(j)
        if self.stack:
            raise self.fail(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        if self.decoded_surrogate:
            raise self.fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for raw in self.entities:
            if raw.type == "code":
                raw.language = None  # a language only counts on pre
        return "".join(self.pieces), self.entities

    def strict_entity_error(self, j: int) -> StrictHtmlError:
        k = j + 1
        while self.at(k) in _ALPHA or self.at(k) in _DIGITS or self.at(k) == "#":
            k += 1
        offset = self.byte_offset(j)
        if k == j + 1 or self.at(k) != ";":
            return StrictHtmlError(f'Unescaped "&" at byte offset {offset}: write &amp;', offset)
        return StrictHtmlError(
            f'Unsupported HTML entity "{self.src[j : k + 1]}" at byte offset {offset}: '
            "only &lt; &gt; &amp; &quot; and numeric references are decoded",
            offset,
        )

    def entity(self, i: int) -> tuple[str, int] | None:
        """tdlib's decode_html_entity: the character and the index after it, or None."""
        end = i + 1
        if self.at(end) == "#":
            end += 1
            if self.at(end) == "x":
                end += 1
                start = end
                while self.at(end) in _HEX:
                    end += 1
                base = 16
            else:
                start = end
                while self.at(end) in _DIGITS:
                    end += 1
                base = 10
            if end == start or end - i >= 10:
                return None
            code = int(self.src[start:end], base)
            if code == 0 or code >= 0x10FFFF:
                return None
            if 0xD800 <= code <= 0xDFFF:
                self.decoded_surrogate = True
            char = chr(code)
        else:
            while self.at(end) in _ALPHA:
                end += 1
            named = _NAMED_ENTITIES.get(self.src[i + 1 : end])
            if named is None:
                return None
            char = named
        if self.at(end) == ";":
            end += 1
        return char, end

    def start_tag(self, begin: int) -> int:
        """Read ``<tag attr=...>`` from its ``<``; return the index after its ``>``."""
        at = self.at
        i = begin + 1
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        if at(i) == "\0":
            raise self.fail(f"Unclosed start tag at byte offset {_AT}", begin)
        tag = self.src[begin + 1 : i].translate(_ASCII_LOWER)
        if tag not in _SUPPORTED_TAGS:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {_AT}', begin)

        argument = ""
        while at(i) != ">":
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) == ">":
                break
            name_start = i
            while at(i) not in _ATTRIBUTE_NAME_END:
                i += 1
            name = self.src[name_start:i]
            if not name:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset {_AT}', begin
                )
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) != "=":
                if at(i) == "\0":
                    raise self.fail(f'Unclosed start tag "{tag}" at byte offset {_AT}', begin)
                if tag == "blockquote" and name == "expandable":
                    argument = "1"
                continue
            i += 1
            while at(i) != "\0" and at(i) in _SPACE:
                i += 1
            if at(i) == "\0":
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {_AT}', begin)
            value, i = self.attribute_value(i)
            if at(i) == "\0":
                raise self.fail(f"Unclosed start tag at byte offset {_AT}", begin)
            if (tag == "a" and name == "href") or (tag == "tg-emoji" and name == "emoji-id"):
                argument = value
            elif tag == "code" and name == "class" and value.startswith("language-"):
                argument = value[9:]
            elif tag == "span" and name == "class" and value.startswith("tg-"):
                argument = value[3:]
            elif tag == "blockquote" and name == "expandable":
                argument = "1"

        if tag == "span" and argument != "spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {_AT}', begin)
        self.stack.append(_Open(tag, argument, self.pos, len(self.pieces)))
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        """A lowercased name token or a quoted string with its references decoded."""
        at = self.at
        quote = at(i)
        if quote not in "'\"":
            start = i
            while at(i) in _NAME_TOKEN:
                i += 1
            if at(i) not in _SPACE and at(i) != ">":
                raise self.fail(f"Unexpected end of name token at byte offset {_AT}", start)
            return self.src[start:i].translate(_ASCII_LOWER), i
        i += 1
        parts: list[str] = []
        while at(i) != quote and at(i) != "\0":
            if at(i) == "&":
                decoded = self.entity(i)
                if decoded is not None:
                    parts.append(decoded[0])
                    i = decoded[1]
                    continue
            parts.append(at(i))
            i += 1
        if at(i) == quote:
            i += 1
        return "".join(parts), i

    def end_tag(self, begin: int) -> int:
        """Read ``</tag>`` from its ``<``, close the innermost open tag, return the next index."""
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {_AT}", begin)
        at = self.at
        i = begin + 2
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        name = self.src[begin + 2 : i].translate(_ASCII_LOWER)
        while at(i) in _SPACE and at(i) != "\0":
            i += 1
        if at(i) != ">":
            raise self.fail(f"Unclosed end tag at byte offset {_AT}", begin)
        opened = self.stack[-1]
        if name and name != opened.tag:
            raise self.fail(
                f'Unmatched end tag at byte offset {_AT}, expected "</{opened.tag}>", '
                f'found "</{name}>"',
                begin,
            )
        if self.pos > opened.start:
            self.close(opened)
        self.stack.pop()
        return i + 1

    def close(self, opened: _Open) -> None:
        tag, start, end, argument = opened.tag, opened.start, self.pos, opened.argument
        entities = self.entities
        last = entities[-1] if entities else None
        simple = _SIMPLE_TYPES.get(tag)
        if simple is not None:
            entities.append(_Raw(simple, start, end))
        elif tag == "tg-emoji":
            if not _is_custom_emoji_id(argument):
                raise self.fail("Invalid custom emoji identifier specified")
            entities.append(_Raw("custom_emoji", start, end, custom_emoji_id=argument))
        elif tag == "a":
            url = argument or "".join(self.pieces[opened.pieces_at :])
            user = _TG_USER.match(url.strip())
            if user is not None and int(user.group(1)) > 0:
                entities.append(_Raw("text_mention", start, end, user_id=int(user.group(1))))
            else:
                checked = _checked_link(url)
                if checked is not None:  # Telegram silently drops a link it can't use
                    entities.append(_Raw("text_link", start, end, url=checked))
        elif tag == "pre":
            same = last is not None and last.start == start and last.end == end
            if same and last is not None and last.type == "code" and last.language:
                last.type = "pre"
            else:
                entities.append(_Raw("pre", start, end))
        elif tag == "code":
            same = last is not None and last.start == start and last.end == end
            if same and last is not None and last.type == "pre" and argument:
                last.language = argument
            else:
                entities.append(_Raw("code", start, end, language=argument or None))
        else:  # blockquote
            kind = "expandable_blockquote" if argument else "blockquote"
            entities.append(_Raw(kind, start, end))


def _is_custom_emoji_id(argument: str) -> bool:
    """tdlib's to_integer_safe<int64>: an optional minus, digits, in range, not zero."""
    digits = argument[1:] if argument.startswith("-") else argument
    if not digits or any(c not in _DIGITS for c in digits):
        return False
    value = int(argument)
    return value != 0 and -(2**63) <= value < 2**63


def _checked_link(url: str) -> str | None:
    """A rough LinkManager::get_checked_link: the URL Telegram keeps, or None to drop it."""
    url = url.strip()
    if not url:
        return None
    lower = url.lower()
    for scheme in ("tg", "ton"):
        if lower.startswith(scheme + ":"):
            rest = url[len(scheme) + 1 :].lstrip("/")
            return f"{scheme}://{rest}" if rest else None
    if "://" in url:
        scheme, rest = url.split("://", 1)
        scheme = scheme.lower()
        if scheme not in ("http", "https"):
            return None
    else:
        scheme, rest = "http", url
    cut = len(rest)
    for stop in "/?#":
        found = rest.find(stop)
        if found != -1:
            cut = min(cut, found)
    authority, tail = rest[:cut], rest[cut:]
    userinfo, _, hostport = authority.rpartition("@")
    host, _, port = hostport.partition(":")
    if not _HOST.fullmatch(host) or (port and not port.isdigit()):
        return None
    if not tail.startswith("/"):
        tail = "/" + tail
    prefix = f"{userinfo}@" if userinfo else ""
    suffix = f":{port}" if port else ""
    return f"{scheme}://{prefix}{host.lower()}{suffix}{tail}"


def _finish(text: str, raws: list[_Raw]) -> ParsedText:
    """tdlib's fix_formatted_text, in the parts that change the text or drop entities."""
    text, raws = _clean(text, raws)
    raws = [raw for raw in raws if raw.end > raw.start]
    raws.sort(key=_sort_key)
    raws = _drop_whitespace_entities(text, raws)

    # rtrim spaces and newlines, clipping entities
    end = len(text.rstrip(" \n"))
    if end < len(text):
        text = text[:end]
        kept: list[_Raw] = []
        for raw in raws:
            if raw.start < end:
                raw.end = min(raw.end, end)
                kept.append(raw)
        raws = kept
    # ltrim spaces and newlines, but never into an entity
    limit = min((raw.start for raw in raws), default=len(text))
    start = 0
    while start < limit and text[start] in " \n":
        start += 1
    if start:
        text = text[start:]
        for raw in raws:
            raw.start -= start
            raw.end -= start

    raws = _merge_splittable(raws)
    raws.sort(key=_sort_key)
    return ParsedText(text, tuple(_to_entities(text, raws)))


def _clean(text: str, raws: list[_Raw]) -> tuple[str, list[_Raw]]:
    """clean_input_string: controls become spaces, \\r and a few invisibles are removed."""
    if _NEEDS_CLEANING.search(text) is None:
        return text, raws
    text = _CONTROL.sub(" ", text)
    removed = [m.start() for m in _REMOVED.finditer(text)]
    if not removed:
        return text, raws
    text = _REMOVED.sub("", text)
    for raw in raws:
        raw.start -= bisect_left(removed, raw.start)
        raw.end -= bisect_left(removed, raw.end)
    return text, raws


def _sort_key(raw: _Raw) -> tuple[int, int, int]:
    return (raw.start, raw.start - raw.end, _PRIORITY.get(raw.type, 50))


def _drop_whitespace_entities(text: str, raws: list[_Raw]) -> list[_Raw]:
    """Leading spaces and newlines leave an entity; an entity of only those is dropped."""
    kept: list[_Raw] = []
    for raw in raws:
        if raw.type not in _HIDDEN_DATA:
            while raw.start < raw.end and text[raw.start] in " \n":
                raw.start += 1
            if raw.start == raw.end:
                continue
        kept.append(raw)
    return kept


def _merge_splittable(raws: list[_Raw]) -> list[_Raw]:
    """Touching or overlapping runs of one style become one entity, as Telegram returns."""
    if len(raws) < 2:
        return raws
    merged: list[_Raw] = []
    last_of_type: dict[str, _Raw] = {}
    for raw in sorted(raws, key=lambda r: (r.start, r.start - r.end)):
        if raw.type in _SPLITTABLE:
            previous = last_of_type.get(raw.type)
            if previous is not None and raw.start <= previous.end:
                previous.end = max(previous.end, raw.end)
                continue
            last_of_type[raw.type] = raw
        merged.append(raw)
    return merged


def _to_entities(text: str, raws: list[_Raw]) -> list[Entity]:
    """Code-point spans to the Bot API's UTF-16 offsets and lengths."""
    if not raws:
        return []
    astral = [m.start() for m in _ASTRAL.finditer(text)] if not text.isascii() else []

    def utf16(index: int) -> int:
        return index + bisect_left(astral, index) if astral else index

    out: list[Entity] = []
    for raw in raws:
        offset = utf16(raw.start)
        out.append(
            Entity(
                raw.type,
                offset,
                utf16(raw.end) - offset,
                url=raw.url,
                language=raw.language,
                custom_emoji_id=raw.custom_emoji_id,
                user_id=raw.user_id,
            )
        )
    return out
