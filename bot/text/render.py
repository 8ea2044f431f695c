"""Explainer Markdown to Telegram HTML, escaped and split to fit Telegram's limits.

Telegram's HTML mode knows a few tags and three named entities; anything an editor or a
user types is escaped here, so a ``<``, ``&`` or ``*`` can never break a message. Messages
longer than Telegram's 4,096 characters are split between blocks, never inside a tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from bot.text.markdown import Block, Document, Inline, parse

MAX_MESSAGE_CHARS = 4096
_TAGS = {"bold": "b", "italic": "i", "strike": "s", "code": "code"}
_LINK_SCHEMES = ("https://", "http://", "tg://")


def escape(text: str) -> str:
    """Text for Telegram HTML: only <, > and & need escaping outside tags."""
    return html.escape(text, quote=False)


def inline_html(nodes: Iterable[Inline]) -> str:
    parts: list[str] = []
    for node in nodes:
        if node.kind == "text":
            parts.append(escape(node.text.replace("\n", " ")))
        elif node.kind == "link":
            inner = inline_html(node.children)
            if node.href.lower().startswith(_LINK_SCHEMES):
                parts.append(f'<a href="{html.escape(node.href, quote=True)}">{inner}</a>')
            else:
                parts.append(inner)
        else:
            tag = _TAGS[node.kind]
            parts.append(f"<{tag}>{inline_html(node.children)}</{tag}>")
    return "".join(parts)


def block_html(block: Block) -> str:
    if block.kind == "heading":
        return f"<b>{inline_html(block.inlines)}</b>"
    if block.kind == "list_item":
        marker = f"{block.number}." if block.number is not None else "•"
        return f"{'   ' * block.depth}{marker} {inline_html(block.inlines)}"
    if block.kind == "quote":
        return f"<blockquote>{inline_html(block.inlines)}</blockquote>"
    if block.kind == "code":
        return f"<pre>{escape(block.source)}</pre>"
    return inline_html(block.inlines)


def body_html_blocks(document: Document) -> list[str]:
    """Each block of a parsed body as Telegram HTML; list items stay on adjacent lines."""
    rendered: list[str] = []
    previous: Block | None = None
    for block in document.blocks:
        piece = block_html(block)
        if previous is not None and previous.kind == "list_item" == block.kind:
            rendered[-1] = f"{rendered[-1]}\n{piece}"
        else:
            rendered.append(piece)
        previous = block
    return rendered


def render_document(title: str, document: Document) -> str:
    """The whole explainer as one Telegram HTML text (title in bold, then the body)."""
    return "\n\n".join([f"<b>{escape(title)}</b>", *body_html_blocks(document)])


def render_explainer(title: str, body: str) -> str:
    return render_document(title, parse(body))


def visible_length(html_text: str) -> int:
    """Characters Telegram counts: the text after tags are removed and entities decoded."""
    return len(_strip_tags(html_text).strip())


def split_message(html_text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split between paragraphs (then lines, then words) so that no part exceeds ``limit``.

    Rendered blocks never carry a tag across a blank line or a newline, so cutting there
    keeps every part valid HTML. A single line longer than the limit loses its formatting
    and is cut between words, which only a malformed content file can cause.
    """
    if visible_length(html_text) <= limit:
        return [html_text]
    return pack(_units(html_text, limit), "\n\n", limit)


def pack(units: Iterable[str], separator: str, limit: int) -> list[str]:
    """Join units, in order, into as few parts as fit ``limit`` visible characters each."""
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{separator}{unit}" if current else unit
        if visible_length(candidate) <= limit:
            current = candidate
        else:
            if current:
                parts.append(current)
            current = unit
    if current:
        parts.append(current)
    return parts


def _units(html_text: str, limit: int) -> list[str]:
    units: list[str] = []
    for paragraph in html_text.split("\n\n"):
        if visible_length(paragraph) <= limit:
            units.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            if visible_length(line) <= limit:
                units.append(line)
            else:
                units.extend(_cut_words(_strip_tags(line), limit))
    return units


_TAG = re.compile(r"<[^>]*>")


def _strip_tags(html_text: str) -> str:
    """The text of our own rendered HTML (every literal "<" in it is escaped)."""
    return html.unescape(_TAG.sub("", html_text))


def _cut_words(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > limit:
            if current:
                chunks.append(escape(current))
                current = ""
            chunks.append(escape(word[:limit]))
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(escape(current))
            current = word
    if current:
        chunks.append(escape(current))
    return chunks
