"""The small Markdown subset explainers are written in, parsed with source positions.

Why not markdown-it-py: the linter must point at the line *and column* of every sentence,
and markdown-it gives block lines only; and measured on 1,000 explainer bodies its parse
alone costs 125-190 us a file, more than the whole lint budget beside textstat (see
README, "Why a small Markdown parser"). Telegram shows only a handful of formats anyway, so
the subset below is what an editor can use; anything else is kept as literal text and the
linter says so.

Blocks: paragraphs, ``#`` headings, ``-``/``*``/``+``/``1.`` list items, ``>`` quotes,
fenced code. Inline: ``**bold**``, ``__bold__``, ``*italic*``, ``_italic_``, ``~~strike~~``,
`` `code` ``, ``[text](url)``, ``<https://autolink>``, backslash escapes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Literal

InlineKind = Literal["text", "bold", "italic", "strike", "code", "link"]
BlockKind = Literal["paragraph", "heading", "list_item", "quote", "code"]


@dataclass(slots=True)
class Inline:
    """An inline node; ``text`` nodes carry the source index of their first character."""

    kind: InlineKind
    text: str = ""
    start: int = 0
    href: str = ""
    children: list[Inline] = field(default_factory=list)
    #: True for a link written as ``<https://...>``: its text is the URL itself.
    autolink: bool = False


@dataclass(slots=True)
class Block:
    kind: BlockKind
    #: The block's source text (markers stripped, lines joined by "\n").
    source: str
    #: For each source line of the block: (offset in ``source``, file line, 1-based column).
    lines: list[tuple[int, int, int]]
    inlines: list[Inline]
    #: 1-based body line where the block starts.
    line: int
    #: List nesting depth (0 for top level); ordinal number for "1." items, else None.
    depth: int = 0
    number: int | None = None
    language: str = ""

    def position(self, index: int) -> tuple[int, int]:
        """(line, column) in the file of ``source[index]``."""
        if not self.lines:
            return (self.line, 1)
        row = max(bisect_right(self._offsets, index) - 1, 0)
        offset, line, column = self.lines[row]
        return (line, column + max(index - offset, 0))

    @property
    def _offsets(self) -> list[int]:
        return [offset for offset, _, _ in self.lines]


@dataclass(slots=True)
class Unsupported:
    """Markdown the subset does not render (tables, images, raw HTML), for a lint warning."""

    line: int
    column: int
    what: str


@dataclass(slots=True)
class Document:
    blocks: list[Block]
    unsupported: list[Unsupported]


_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*?)[ \t#]*$")
_LIST = re.compile(r"^( *)([-*+]|(\d{1,9})[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ ]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)[ \t]*([\w+-]*)")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE = re.compile(r"^\s*\|.*\|\s*$")

#: Characters that can start inline markup; text without them needs no regex work.
_SPECIAL = re.compile(r"[\\`!\[<*_~]")
_INLINE = re.compile(
    r"(?P<escape>\\(?P<escaped>[!-/:-@\[-`{-~]))"
    r"|(?P<code>(?P<ticks>`+)(?P<code_text>.+?)(?P=ticks))"
    r"|(?P<image>!\[[^\]\n]*\]\([^)\s]*\))"
    r"|(?P<link>\[(?P<link_text>[^\]]+)\]\((?P<href>(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\))"
    r"|(?P<autolink><(?P<auto_href>[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]+)>)"
    r"|(?P<html></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)"
    r"|(?P<bold>\*\*(?=\S)(?P<b1>.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)(?P<b2>.+?)(?<=\S)__(?!\w))"
    r"|(?P<strike>~~(?=\S)(?P<s1>.+?)(?<=\S)~~)"
    r"|(?P<italic>(?<![\w*])\*(?=[^\s*])(?P<i1>.+?)(?<=\S)\*(?![*\w])"
    r"|(?<!\w)_(?=[^\s_])(?P<i2>.+?)(?<=\S)_(?!\w))",
    re.DOTALL,
)


_EMPHASIS: dict[str, InlineKind] = {
    "b1": "bold",
    "b2": "bold",
    "s1": "strike",
    "i1": "italic",
    "i2": "italic",
}


def parse_inline(source: str, offset: int = 0, end: int | None = None) -> list[Inline]:
    """Inline nodes of ``source[offset:end]``; text nodes keep their source index."""
    stop = len(source) if end is None else end
    nodes: list[Inline] = []
    pos = offset

    def text(upto: int) -> None:
        if upto > pos:
            nodes.append(Inline("text", source[pos:upto], start=pos))

    scan = pos
    while scan < stop:
        special = _SPECIAL.search(source, scan, stop)
        if special is None:
            break
        match = _INLINE.match(source, special.start(), stop)
        if match is None:
            scan = special.start() + 1
            continue
        text(match.start())
        if match.group("escape"):
            nodes.append(Inline("text", match.group("escaped"), start=match.start("escaped")))
        elif match.group("code"):
            nodes.append(
                Inline(
                    "code",
                    children=[
                        Inline("text", match.group("code_text"), start=match.start("code_text"))
                    ],
                )
            )
        elif match.group("image") or match.group("html"):
            # Shown as typed: Telegram has no images in text and no raw HTML.
            nodes.append(Inline("text", match.group(0), start=match.start()))
        elif match.group("link"):
            nodes.append(
                Inline(
                    "link",
                    href=match.group("href"),
                    start=match.start(),
                    children=parse_inline(source, match.start("link_text"), match.end("link_text")),
                )
            )
        elif match.group("autolink"):
            href = match.group("auto_href")
            nodes.append(
                Inline(
                    "link",
                    href=href,
                    start=match.start(),
                    autolink=True,
                    children=[Inline("text", href, start=match.start("auto_href"))],
                )
            )
        else:
            group = next(g for g in ("b1", "b2", "s1", "i1", "i2") if match.group(g) is not None)
            nodes.append(
                Inline(
                    _EMPHASIS[group],
                    start=match.start(),
                    children=parse_inline(source, match.start(group), match.end(group)),
                )
            )
        pos = scan = match.end()
    text(stop)
    return nodes


@dataclass(slots=True)
class _Open:
    kind: BlockKind
    line: int
    parts: list[tuple[int, int, str]]  # (line, column, text) of each source line
    depth: int = 0
    number: int | None = None
    language: str = ""
    indent: int = 0


def _close(open_block: _Open | None, blocks: list[Block]) -> None:
    if open_block is None or not open_block.parts:
        return
    lines: list[tuple[int, int, int]] = []
    offset = 0
    for line, column, text in open_block.parts:
        lines.append((offset, line, column))
        offset += len(text) + 1
    source = "\n".join(text for _, _, text in open_block.parts)
    if open_block.kind != "code":
        if not source.strip():
            return
        inlines = parse_inline(source)
    else:
        inlines = [Inline("text", source, start=0)]
    blocks.append(
        Block(
            open_block.kind,
            source,
            lines,
            inlines,
            open_block.line,
            open_block.depth,
            open_block.number,
            open_block.language,
        )
    )


def parse(body: str, first_line: int = 1) -> Document:
    """Blocks of a body whose first line is line ``first_line`` of its file."""
    blocks: list[Block] = []
    unsupported: list[Unsupported] = []
    current: _Open | None = None
    fence: str | None = None
    for index, raw in enumerate(body.split("\n")):
        line_no = first_line + index
        line = raw.rstrip()
        if fence is not None:
            assert current is not None
            if line.strip().startswith(fence):
                _close(current, blocks)
                current, fence = None, None
            else:
                current.parts.append((line_no, 1, raw))
            continue
        if not line.strip():
            _close(current, blocks)
            current = None
            continue
        if m := _FENCE.match(line):
            _close(current, blocks)
            fence = m.group(1)
            current = _Open("code", line_no, [], language=m.group(2))
            continue
        if _RULE.match(line):
            _close(current, blocks)
            current = None
            continue
        if _TABLE.match(line):
            unsupported.append(Unsupported(line_no, 1, "a table"))
        if m := _HEADING.match(line):
            _close(current, blocks)
            current = None
            column = m.start(2) + 1
            blocks_before = len(blocks)
            _close(_Open("heading", line_no, [(line_no, column, m.group(2))]), blocks)
            if len(blocks) > blocks_before:
                blocks[-1].depth = len(m.group(1))
            continue
        if m := _LIST.match(line):
            _close(current, blocks)
            indent = len(m.group(1))
            current = _Open(
                "list_item",
                line_no,
                [(line_no, m.start(4) + 1, m.group(4))],
                depth=indent // 2,
                number=int(m.group(3)) if m.group(3) else None,
                indent=m.start(4),
            )
            continue
        if m := _QUOTE.match(line):
            if current is None or current.kind != "quote":
                _close(current, blocks)
                current = _Open("quote", line_no, [])
            current.parts.append((line_no, m.start(1) + 1, m.group(1)))
            continue
        stripped = line.lstrip()
        column = len(line) - len(stripped) + 1
        if current is None or current.kind in ("heading", "quote"):
            _close(current, blocks)
            current = _Open("paragraph", line_no, [])
        current.parts.append((line_no, column, stripped))
    _close(current, blocks)
    for block in blocks:
        for node in _walk(block.inlines):
            if node.kind == "text" and (
                node.text.startswith("![")
                or (node.text.startswith("<") and node.text.endswith(">"))
            ):
                at_line, at_column = block.position(node.start)
                what = "an image" if node.text.startswith("![") else "an HTML tag"
                unsupported.append(Unsupported(at_line, at_column, what))
    return Document(blocks, unsupported)


def _walk(nodes: list[Inline]) -> list[Inline]:
    out: list[Inline] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out


def walk(nodes: list[Inline]) -> list[Inline]:
    """Every node, depth first."""
    return _walk(nodes)
