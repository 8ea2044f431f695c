"""Text made uniform before it is compared: one place for the quirks of how people type.

Two forms, for two jobs:

* ``normalise`` for matching words (triage, routing, data files): lowercase plain words
  separated by single spaces, apostrophes dropped ("can't" is "cant"), other punctuation
  a space ("car-t" is "car t"), letters typed three or more times cut to two.
* ``normalise_quote`` for finding an editor's quotation in the source article: the text
  is kept whole, only whitespace, quote marks, dashes and case are made uniform.
"""

from __future__ import annotations

import re
import unicodedata

#: Curly quotes, primes, backticks and modifier letters people type for an apostrophe.
_APOSTROPHES = str.maketrans(
    {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4\u02bc\u02b9"}
)
_APOSTROPHE = re.compile(r"'+")
_NON_WORD = re.compile(r"[\W_]+")
_LONG_RUN = re.compile(r"([^\W\d_])\1{2,}")

_QUOTE_MARKS = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‛": "'",
        "′": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "…": "...",
        "\u00a0": " ",
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC (full-width letters, ligatures), straight apostrophes, and case folded."""
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()


def normalise(text: str) -> str:
    """Lowercase plain words separated by single spaces, so phrasing quirks don't matter."""
    text = _APOSTROPHE.sub("", fold(text))
    text = _NON_WORD.sub(" ", text)
    text = _LONG_RUN.sub(r"\1\1", text)
    return text.strip()


def strip_accents(text: str) -> str:
    """ "después" is "despues", "niño" is "nino": people often type without accents."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def normalise_quote(text: str) -> str:
    """Text for quote matching: whitespace, quote marks, dashes and case made uniform."""
    cleaned = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS)
    return _SPACE.sub(" ", cleaned).strip().casefold()


_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d(?!\d{2}\b))")
_DEGREES = re.compile(r"[°º]")
_UNIT_GLUED = re.compile(r"(\d)([a-z]{1,3})\b")


def normalise_typed(text: str) -> str:
    """A typed message for triage, keeping its punctuation (sentences matter there):
    folded, no accents or apostrophes, "°" as the word "degrees", a decimal comma as a
    point ("39,8" is 39.8), a unit split from its number ("102f" is "102 f")."""
    text = strip_accents(fold(unicodedata.normalize("NFKC", text)))
    text = _APOSTROPHE.sub("", text)
    text = _DEGREES.sub(" degrees ", text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = _UNIT_GLUED.sub(r"\1 \2", text)
    return _LONG_RUN.sub(r"\1\1", text)
