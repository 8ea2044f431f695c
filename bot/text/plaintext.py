"""The plain sentences a reader sees, with where each one starts in the file.

Readability formulas score raw text, and raw Markdown misleads them: a bullet list without
periods merges into one long sentence, a link's URL becomes one giant word, "1.5 million"
and "Dr. Schett" split sentences, and "CAR-T" is read as "cart". So scoring and every rule
that counts words work on this reader's view instead: link text without URLs, emphasis
marks gone, headings and list items ending sentences, abbreviations and decimals not.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text.markdown import Block, Document, Inline

#: Used when no lint config is given; the config's ``abbreviations`` list is the editable one.
DEFAULT_ABBREVIATIONS = frozenset(
    [
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "no",
        "fig",
        "inc",
        "approx",
    ]
)

_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_HYPHEN = re.compile(r"(?<=\w)[-‐‑–](?=\w)")
_END = re.compile(r"[.!?…]+[\"'”’)\]]*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as the reader sees it."""

    text: str
    line: int
    column: int
    #: Index of the block (paragraph, list item, heading...) the sentence belongs to.
    block: int
    words: tuple[str, ...]

    @property
    def letters(self) -> int:
        return sum(len(w) - w.count("'") - w.count("’") - w.count("-") for w in self.words)


@dataclass(frozen=True, slots=True)
class PlainBlock:
    kind: str
    line: int
    text: str
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True, slots=True)
class PlainText:
    blocks: tuple[PlainBlock, ...]

    @property
    def sentences(self) -> list[Sentence]:
        return [s for b in self.blocks for s in b.sentences]

    @property
    def word_count(self) -> int:
        return sum(len(s.words) for b in self.blocks for s in b.sentences)

    def scoring_text(self) -> str:
        """One punctuated sentence after another, in the form textstat counts correctly."""
        return " ".join(scoring_sentence(s.text) for b in self.blocks for s in b.sentences)


def scoring_sentence(text: str) -> str:
    """A sentence with no inner sentence marks and hyphenated words split, ending in one."""
    text = text.strip()
    match = _END.search(text)
    end = ""
    if match is not None:
        end = text[match.start() :]
        text = text[: match.start()]
    text = _HYPHEN.sub(" ", text.replace(".", "").replace("!", "").replace("?", ""))
    return f"{text}{end if end else '.'}"


def _plain_pieces(
    nodes: Iterable[Inline], out: list[tuple[str, int]], *, keep_autolinks: bool
) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append((node.text, node.start))
        elif node.kind == "link" and node.autolink and not keep_autolinks:
            continue
        else:
            _plain_pieces(node.children, out, keep_autolinks=keep_autolinks)


def block_plain_text(block: Block) -> tuple[str, list[int], list[int]]:
    """The block's text as read, plus a map from plain offsets back to source indexes."""
    pieces: list[tuple[str, int]] = []
    if block.kind == "code":
        pieces.append((block.source, 0))
    else:
        _plain_pieces(block.inlines, pieces, keep_autolinks=False)
    starts: list[int] = []
    sources: list[int] = []
    text_parts: list[str] = []
    offset = 0
    for text, source_start in pieces:
        starts.append(offset)
        sources.append(source_start)
        text_parts.append(text)
        offset += len(text)
    return "".join(text_parts).replace("\n", " "), starts, sources


def split_sentences(text: str, abbreviations: frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations and initials do not end one."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        token_start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start()))
        token = text[token_start + 1 : match.start() + 1].lower().rstrip(".").strip("(\"'“‘")
        if match.group(0).startswith(".") and (
            token in abbreviations or (len(token) == 1 and token.isalpha())
        ):
            continue
        following = _NEXT_CHAR.match(text, match.end())
        if following is not None and following.group(1).islower():
            continue
        spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return [
        (s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans if text[s:e].strip()
    ]


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


def to_plain(
    document: Document, abbreviations: frozenset[str] = DEFAULT_ABBREVIATIONS
) -> PlainText:
    """The reader's view of a parsed body; code blocks are not prose and are left out."""
    blocks: list[PlainBlock] = []
    for index, block in enumerate(document.blocks):
        if block.kind == "code":
            continue
        text, starts, sources = block_plain_text(block)
        sentences: list[Sentence] = []
        for start, end in split_sentences(text, abbreviations):
            piece = bisect_right(starts, start) - 1
            source_index = sources[piece] + (start - starts[piece]) if piece >= 0 else 0
            line, column = block.position(source_index)
            sentence = text[start:end].strip()
            sentences.append(Sentence(sentence, line, column, index, words(sentence)))
        blocks.append(PlainBlock(block.kind, block.line, text, tuple(sentences)))
    return PlainText(tuple(blocks))
