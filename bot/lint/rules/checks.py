"""The quick check after an explainer (``check:``): well formed, fits a phone's buttons,
and its right answer is backed by the article."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding
from bot.lint.registry import Finder, cut, rule
from bot.lint.rules.reading import sentence_level
from bot.text.content import read_check
from bot.text.plaintext import words

#: Telegram's limit for a button's callback_data, in bytes.
CALLBACK_BYTES = 64
#: The longest answer that fits a button on a phone, one answer a row.
ANSWER_CHARS = 40
#: The longest question and explanation: one short message.
LINE_CHARS = 200
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

#: Callback data of an answer: "c:<language>:<topic key>:<answer number>".
_WORST_SUFFIX = len(":9")


@rule("quick-check", "error")
def quick_check(doc: LintDoc, ctx: Context, found: Finder) -> Iterator[Finding | None]:
    """`check:`: one question, 2 to 4 distinct short answers, exactly one right, a short
    explanation, and a `source:` quote found in the article; its buttons fit Telegram."""
    meta = doc.explainer.meta
    if "check" not in meta:
        return
    line = doc.meta_line("check")
    check, problems = read_check(meta["check"])
    for problem in problems:
        yield found(line, 1, problem, "See `python -m bot lint --explain quick-check`.")
    if check is None:
        return
    for answer in check.answers:
        if len(answer) > ANSWER_CHARS:
            yield found(
                line,
                1,
                f"answer too long for a button ({len(answer)} > {ANSWER_CHARS}): "
                f"“{cut(answer, 50)}”",
                "Shorten the answer; the explanation can say more.",
            )
    for name, text in (("question", check.question), ("explanation", check.explanation)):
        if len(text) > LINE_CHARS:
            yield found(
                line,
                1,
                f"'check.{name}' is too long ({len(text)} > {LINE_CHARS} characters)",
                "One or two short sentences.",
            )
    for name, text in (("question", check.question), ("explanation", check.explanation)):
        # Read by the same measure as the explainer's sentences (its language's).
        for sentence in _SENTENCE_END.split(text):
            found_words = words(sentence)
            letters = sum(len(w) for w in found_words)
            judged = sentence_level(sentence, found_words, letters, ctx.config)
            if judged.level:
                yield found(
                    line,
                    1,
                    f"'check.{name}' is {judged.level} to read ({judged.describe()}): "
                    f"“{cut(sentence)}”",
                    "Split it in two, or use shorter words.",
                )
    key = doc.explainer.translates or doc.explainer.command
    data = f"c:{doc.explainer.language}:{key}"
    if len(data.encode()) + _WORST_SUFFIX > CALLBACK_BYTES:
        yield found(
            line,
            1,
            f"the check's buttons would exceed Telegram's {CALLBACK_BYTES}-byte callback data",
            "Use a shorter command.",
        )
    if ctx.seeds.find(check.source) is None:
        yield found(
            line,
            1,
            f"check source not found in the source article: “{cut(check.source, 90)}”",
            "Copy the words exactly from the article in the seeds folder.",
        )
