"""Spanish readability for plain text: syllables, sentences, words, and the two formulas.

textstat's Spanish support is weak where health explainers need it most: it drops one- and
two-word sentences, splits "Dr. Ruiz" and "1,5 mg", and counts syllables with a hyphenation
dictionary, which misses hiatus (le-er, dí-a). So this module counts by the rules of the RAE's
*Ortografía de la lengua española* (2010, chapter 4), with no data files and no network.

Syllable conventions, chosen to follow the RAE's orthographic syllabification:

- Strong vowels (a e o á é ó) next to each other are a hiatus: le-er, i-de-a, po-e-ta.
- An unaccented weak vowel (i u ü, and y as a vowel) next to any vowel joins it in one
  diphthong or triphthong: tie-rra, ciu-dad, buey, U-ru-guay, a-ve-ri-guáis.
- An accented weak vowel (í ú) next to a strong one breaks it: dí-a, pa-ís, re-ú-ne.
- Two different weak vowels are one diphthong even with an accent (cuí-de-se, flui-do); two
  equal vowels are always a hiatus (chi-i-ta, an-ti-in-fla-ma-to-rio).
- h between vowels is ignored, so it neither stops a diphthong nor makes one: prohi-bir,
  rehu-sar (RAE 2010, §4.1.1.1.3), but a-ho-ra, bú-ho.
- u is silent in que, qui, gue, gui (so guion and quien are one syllable, as in RAE 2010);
  ü is pronounced: pin-güi-no.
- y is a consonant before a vowel (ya, ma-yo) and a vowel otherwise (hoy, muy, ley).
- A word typed without its accent is counted as written: "dia" is one syllable, which is
  right for what the reader sees ("aun" and "aún" are both real words).
- A word with no vowel at all (Dr, mg, pH) counts one syllable, like every word.
- A number written in digits counts the syllables of its Spanish reading: "2025" is "dos mil
  veinticinco" (6), "1,5" and "1.5" are "uno coma cinco" (6; "punto" has two syllables too),
  and "1.500" (dots before groups of three digits) is "mil quinientos" (4). Numbers of a
  trillion or more are read digit by digit.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_STRONG = frozenset("aeoáéó")
_WEAK = frozenset("iuü")
_ACCENTED_WEAK = frozenset("íú")
_VOWELS = _STRONG | _WEAK | _ACCENTED_WEAK
# Grave accents read as the acute ones the rules know; ï as a plain i.
_FOLD = str.maketrans("àèòìùï", "áéóíúi")

_WORD = re.compile(r"[^\W\d_ºª]+|[0-9]+(?:[.,][0-9]+)*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")
_SILENT_U = re.compile(r"(?<=q)u|(?<=g)u(?=[eéií])")

#: Abbreviations whose period never ends a sentence: titles and words that are always
#: followed by more ("EE." comes before "UU."; "p." and "ej." make "p. ej."). "etc." and
#: "UU." are left out on purpose: they often end a sentence, and a period followed by a
#: lowercase word never ends one anyway.
# fmt: off
ABBREVIATIONS = frozenset((
    "dr", "dra", "drs", "dras", "sr", "sra", "sres", "sras", "srta", "ud", "uds", "dña", "lic",
    "lda", "ldo", "ing", "prof", "profa", "ee", "p", "pp", "ej", "pág", "págs", "núm", "vol",
    "fig", "art", "aprox", "vs", "cf", "tel", "av", "avda", "cap", "dpto", "máx", "mín",
))
# fmt: on

_TERMINATOR = re.compile(r"(?:[.!?…]+)[\"'”’»)\]]*")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_CONTINUES = ",;:"


def syllables(word: str) -> int:
    """Syllables in one word as a Spanish reader says it (see the module docstring).

    Text with several words (or letters and digits, as in "COVID19") counts them all; a
    string with no word in it counts 0.
    """
    return sum(_piece_syllables(p) for p in _WORD.findall(unicodedata.normalize("NFC", word)))


@cache
def _piece_syllables(piece: str) -> int:
    if piece[0] in "0123456789":
        return sum(_piece_syllables(w) for w in _number_reading(piece))
    return _letter_syllables(piece.lower().translate(_FOLD))


def _letter_syllables(word: str) -> int:
    word = _SILENT_U.sub("", word)
    # y is a vowel unless a vowel follows it.
    kinds = [
        ("i" if i + 1 == len(word) or word[i + 1] not in _VOWELS else "") if c == "y" else c
        for i, c in enumerate(word)
    ]
    # h between two vowels is not there for the rules, unless another vowel follows the
    # one after it: then it starts a syllable, as in ca-ca-hue-te and ma-ri-hua-na.
    letters = [
        c
        for i, c in enumerate(kinds)
        if not (
            c == "h"
            and 0 < i < len(kinds) - 1
            and {kinds[i - 1], kinds[i + 1]} <= _VOWELS
            and (i + 2 == len(kinds) or kinds[i + 2] not in _VOWELS)
        )
    ]
    count = 0
    run = ""
    for c in [*letters, ""]:
        if c in _VOWELS and not (run and _hiatus(run[-1], c)):
            run += c
            continue
        count += _nuclei(run)
        run = c if c in _VOWELS else ""
    return max(count, 1)


def _hiatus(a: str, b: str) -> bool:
    """Whether two adjacent vowels belong to different syllables."""
    if a == b or (a in _STRONG and b in _STRONG):
        return True
    return (a in _ACCENTED_WEAK and b in _STRONG) or (a in _STRONG and b in _ACCENTED_WEAK)


_NUCLEUS = re.compile(r"w?sw?|ww|w")


def _nuclei(run: str) -> int:
    """Syllables in vowels with no hiatus: each holds one strong vowel, or weak ones only.

    So "uai" (guáis) is one, and "oia" (pa-ra-noi-a) or "aui" (sa-ha-rau-i) two.
    """
    shape = "".join("s" if c in _STRONG else "w" for c in run)
    return len(_NUCLEUS.findall(shape))


# fmt: off
_UNITS = (
    "cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez",
    "once", "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho",
    "diecinueve", "veinte", "veintiuno", "veintidós", "veintitrés", "veinticuatro",
    "veinticinco", "veintiséis", "veintisiete", "veintiocho", "veintinueve",
)
_TENS = ("treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa")
_HUNDREDS = (
    "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos", "seiscientos",
    "setecientos", "ochocientos", "novecientos",
)
# fmt: on


def _number_reading(token: str) -> list[str]:
    """The words a Spanish reader says for a number written in digits."""
    if _THOUSANDS.fullmatch(token):
        return _integer_words(int(token.replace(".", "")))
    whole, _, fraction = re.sub(r"[.,]", " ", token, count=1).partition(" ")
    words = _integer_words(int(whole))
    if fraction:
        digits = fraction.replace(".", "").replace(",", "")
        rest = digits.lstrip("0")
        words += ["coma"] + ["cero"] * (len(digits) - len(rest))
        words += _integer_words(int(rest)) if rest else []
    return words


def _integer_words(n: int) -> list[str]:
    if n == 0:
        return ["cero"]
    if n >= 10**12:
        return [_UNITS[int(d)] for d in str(n)]
    millions, rest = divmod(n, 10**6)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += ["un", "millón"] if millions == 1 else _apocope(_integer_words(millions))
        words += [] if millions == 1 else ["millones"]
    if thousands:
        words += ([] if thousands == 1 else _apocope(_below_thousand(thousands))) + ["mil"]
    return words + _below_thousand(units)


def _below_thousand(n: int) -> list[str]:
    if n == 100:
        return ["cien"]
    hundreds, n = divmod(n, 100)
    words = [_HUNDREDS[hundreds - 1]] if hundreds else []
    if n == 0:
        return words
    if n < 30:
        return [*words, _UNITS[n]]
    tens, unit = divmod(n, 10)
    return [*words, _TENS[tens - 3], *(["y", _UNITS[unit]] if unit else [])]


def _apocope(words: list[str]) -> list[str]:
    """The form of "uno" before a noun: veintiún mil, un millón."""
    last = {"uno": "un", "veintiuno": "veintiún"}.get(words[-1], words[-1])
    return [*words[:-1], last]


def words(sentence: str) -> list[str]:
    """The words of a sentence: runs of letters, or numbers such as 1,5 and 1.500.

    Hyphens, apostrophes and ¿ ¡ separate words or are dropped, so "anti-TNF" is two words.
    """
    return _WORD.findall(unicodedata.normalize("NFC", sentence))


def sentences(text: str, abbreviations: frozenset[str] = ABBREVIATIONS) -> list[str]:
    """The sentences of Spanish plain text, however short, each on one line.

    Pieces with no word ("...", "¿?") are dropped; runs of white space become one space.

    A sentence ends at . ! ? … (or a run of them), or at a blank line (a heading or a list
    item with no final period), unless the next word starts in lowercase or with , ; :
    (Spanish goes on after "¿Vienes?, preguntó" and "etc. y"). A period must be followed by
    a space or the end, so decimals (1.5) and "EE.UU." never end one; nor does the period of
    one of ``abbreviations`` (lowercase, without their period). Single letters are not taken
    for initials: "la vitamina D. Luego" is two sentences.
    """
    text = unicodedata.normalize("NFC", text)
    found: list[str] = []
    for paragraph in _PARAGRAPH.split(text):
        start = 0
        for match in _TERMINATOR.finditer(paragraph):
            if _ends_sentence(paragraph, match, abbreviations):
                found.append(paragraph[start : match.end()])
                start = match.end()
        found.append(paragraph[start:])
    return [" ".join(piece.split()) for piece in found if words(piece)]


def _ends_sentence(text: str, match: re.Match[str], abbreviations: frozenset[str]) -> bool:
    after = text[match.end() :]
    following = after.lstrip()
    if following and (following[0].islower() or following[0] in _CONTINUES):
        return False
    if match.group().rstrip("\"'”’»)]") != ".":
        return True
    if following and after == following:  # 1.5, EE.UU., www.example.org
        return False
    token = text[: match.start()].rsplit(maxsplit=1)[-1:] or [""]
    return token[0].lstrip("(«“‘\"'¿¡").lower() not in abbreviations


@dataclass(frozen=True, slots=True)
class Counts:
    """What both formulas count: sentences, words and syllables."""

    sentences: int
    words: int
    syllables: int

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def fernandez_huerta(self) -> float:
        """Fernández-Huerta (1959) in Law's corrected form; see ``fernandez_huerta``."""
        self._check()
        return 206.84 - 60 * self.syllables_per_word - 1.02 * self.words_per_sentence

    @property
    def szigriszt_pazos(self) -> float:
        """Szigriszt-Pazos perspicuity (1993), the score the INFLESZ bands are made for."""
        self._check()
        return 206.835 - 62.3 * self.syllables_per_word - self.words_per_sentence

    def _check(self) -> None:
        if not self.words:
            raise ValueError("no words to score")


def counts(text: str) -> Counts:
    """Sentences, words and syllables of plain text, as the formulas count them."""
    found = [words(s) for s in sentences(text)]
    return Counts(
        sentences=len(found),
        words=sum(len(w) for w in found),
        syllables=sum(syllables(w) for ws in found for w in ws),
    )


def fernandez_huerta(text: str) -> float:
    """206.84 − 60 × syllables/words − 1.02 × words/sentences; higher is easier.

    This is the form Law (LINGUIST List 22.2332, 2011) traced back to Fernández-Huerta's
    adaptation of Flesch; the often published "− 1.02 × sentences per 100 words" is an error
    that rewards long sentences. Raises ValueError for text with no words.
    """
    return counts(text).fernandez_huerta


def szigriszt_pazos(text: str) -> float:
    """206.835 − 62.3 × syllables/words − words/sentences; higher is easier.

    Read it with ``inflesz_band``. Raises ValueError for text with no words.
    """
    return counts(text).szigriszt_pazos


#: INFLESZ (Barrio-Cantalejo et al., 2008): each band's lowest score, easiest first.
INFLESZ_BANDS = (
    (80.0, "muy fácil"),
    (65.0, "bastante fácil"),
    (55.0, "normal"),
    (40.0, "algo difícil"),
)


def inflesz_band(score: float) -> str:
    """The INFLESZ band of a Szigriszt-Pazos score; a boundary belongs to the easier band.

    Under 40 "muy difícil"; 40 up to (not including) 55 "algo difícil"; 55 up to 65
    "normal"; 65 up to 80 "bastante fácil"; 80 and above "muy fácil". So 40.0 is "algo
    difícil" and 39.99 "muy difícil". Health texts for the public should aim for "normal"
    (55) or better.
    """
    if math.isnan(score):
        raise ValueError("a NaN score has no band")
    return next((band for lowest, band in INFLESZ_BANDS if score >= lowest), "muy difícil")


def sentence_difficulty(sentence: str) -> Counts:
    """One sentence's counts, for a "hard sentence" rule.

    Read ``.szigriszt_pazos`` on the INFLESZ scale, as for a whole text: a sentence scoring
    under 40 is "muy difícil", under 55 "algo difícil". With one sentence the score is
    206.835 − 62.3 × syllables per word − words, so every word costs one point and every
    extra syllable per word 62.3: 15 words of 2 syllables score 67 (bastante fácil); 30 words
    of 2.4 syllables score 27 (muy difícil). A sentence without words raises ValueError when
    scored; ``.words`` and ``.syllables_per_word`` are there to say why a sentence is hard.
    """
    found = words(sentence)
    return Counts(1, len(found), sum(syllables(w) for w in found))
