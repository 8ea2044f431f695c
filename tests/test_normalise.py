"""The text normaliser every matcher shares."""

from __future__ import annotations

from bot.text.normalise import normalise, normalise_quote, strip_accents


def test_normalise() -> None:
    assert normalise("  CAR-T’s  side-effects?? ") == "car ts side effects"
    assert normalise("I’m") == "im"
    assert normalise("pleeeease") == "pleease"
    assert normalise("１００°F") == "100 f"


def test_normalise_quote_keeps_the_words_and_evens_out_marks() -> None:
    assert normalise_quote("“Severe  [lupus]”\u00a0is — here") == '"severe [lupus]" is - here'
    assert normalise_quote("didn’t") == "didn't"


def test_strip_accents() -> None:
    assert strip_accents("después, niño, ¿qué?") == "despues, nino, ¿que?"
