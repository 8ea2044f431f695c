"""Which language a person writes in, and which one to answer in.

The answer's language is the chat's choice (``/language``, the button on ``/start``), else
the user's Telegram ``language_code`` ("es", "es-MX", "es-419" mean Spanish; anything the
content folder has no language for means the base language). A typed message that is
*clearly* in another language we have is answered in it, with an offer to switch.

"Clearly" is measured with wordfreq's word frequencies (shipped offline): each word votes
for the language in which it is much more common ("puedo", "fiebre" for Spanish; "how",
"does" for English); names and words common to both ("no", "lupus", "car") do not vote.
At least ``MIN_VOTES`` votes and ``MIN_SHARE`` of them for one language make it clear; a
short "hola" or "ok" changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from bot.knowledge.words import zipf_for
from bot.text.normalise import normalise

#: How much more common (in Zipf units, a factor of ten each) a word must be to vote.
MARGIN = 1.0
MIN_VOTES = 2
MIN_SHARE = 0.75
#: Only the first words are read: enough to tell, and a long message costs no more.
MAX_WORDS = 40


def from_code(code: str | None, languages: Iterable[str], default: str) -> str:
    """The language for a Telegram ``language_code`` ("es-MX" is "es")."""
    if not code:
        return default
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in set(languages) else default


def detect(text: str, languages: Iterable[str]) -> str | None:
    """The language ``text`` is clearly written in, among ``languages``; None if unclear."""
    return _detect(text, tuple(dict.fromkeys(languages)))


@lru_cache(maxsize=256)  # a message is looked at by the gate and then by the text handler
def _detect(text: str, candidates: tuple[str, ...]) -> str | None:
    if len(candidates) < 2:
        return None
    zipfs = {language: zipf_for(language) for language in candidates}
    votes: Counter[str] = Counter()
    words = [w for w in normalise(text).split() if w.isalpha()][:MAX_WORDS]
    for word in words:
        scores = sorted(((zipfs[lang](word), lang) for lang in candidates), reverse=True)
        (best, language), (second, _) = scores[0], scores[1]
        if best - second >= MARGIN:
            votes[language] += 1
    if not votes:
        return None
    language, count = votes.most_common(1)[0]
    if count >= MIN_VOTES and count / sum(votes.values()) >= MIN_SHARE:
        return language
    return None
