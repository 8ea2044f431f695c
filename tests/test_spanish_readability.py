"""Spanish readability: syllables by the RAE's rules, sentences, words and the formulas."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.text.spanish import (
    Counts,
    counts,
    fernandez_huerta,
    inflesz_band,
    sentence_difficulty,
    sentences,
    syllables,
    szigriszt_pazos,
    words,
)

SYLLABLES: dict[str, list[int | str]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "es_syllables.yml").read_text(encoding="utf-8")
)


def test_the_hand_checked_list_is_big_and_consistent() -> None:
    assert len(SYLLABLES) >= 80
    for word, (count, division) in SYLLABLES.items():
        assert isinstance(division, str)
        assert division.replace("-", "") == word, word
        assert len(division.split("-")) == count, word


@pytest.mark.parametrize(("word", "expected"), SYLLABLES.items(), ids=list(SYLLABLES))
def test_syllables_of_the_hand_checked_list(word: str, expected: list[int | str]) -> None:
    count, division = expected
    assert syllables(word) == count, f"{word}: expected {division}"


@pytest.mark.parametrize(
    ("number", "count"),
    [
        ("2", 1),  # dos
        ("7", 2),  # sie-te
        ("16", 3),  # die-ci-séis
        ("40", 3),  # cua-ren-ta
        ("100", 1),  # cien
        ("101", 4),  # cien-to u-no
        ("2025", 6),  # dos mil vein-ti-cin-co
        ("21000", 3),  # vein-tiún mil
        ("1000000", 3),  # un mi-llón
        ("2000000", 4),  # dos mi-llo-nes
        ("1,5", 6),  # u-no co-ma cin-co
        ("1.5", 6),  # u-no pun-to cin-co: "punto" has as many syllables as "coma"
        ("0,05", 8),  # ce-ro co-ma ce-ro cin-co
        ("1.500", 4),  # mil qui-nien-tos: a dot before three digits groups thousands
    ],
)
def test_numbers_count_the_syllables_of_their_spanish_reading(number: str, count: int) -> None:
    assert syllables(number) == count


def test_syllables_of_odd_tokens() -> None:
    assert syllables("Dr") == 1  # no vowel: still one syllable, like every word
    assert syllables("mg") == 1
    assert syllables("") == 0
    assert syllables("¿?") == 0
    assert syllables("di\u0301a") == 2  # a decomposed accent is still an accent
    assert syllables("COVID-19") == syllables("COVID") + syllables("19") == 6


def test_words_are_letters_or_numbers() -> None:
    assert words("¿Qué es el anti-TNF? ¡Tome 1,5 mg o 1.500 UI!") == [
        "Qué",
        "es",
        "el",
        "anti",
        "TNF",
        "Tome",
        "1,5",
        "mg",
        "o",
        "1.500",
        "UI",
    ]
    assert words("El niño y la cigüeña, 1, 2 y 3.") == [
        "El",
        "niño",
        "y",
        "la",
        "cigüeña",
        "1",
        "2",
        "y",
        "3",
    ]
    assert words("¿ ¡ — …") == []


def test_question_and_exclamation_marks_end_sentences() -> None:
    text = "¿Qué es el lupus? Es una enfermedad. ¡Cuidado! ¿Y ahora? Sí."
    assert sentences(text) == [
        "¿Qué es el lupus?",
        "Es una enfermedad.",
        "¡Cuidado!",
        "¿Y ahora?",
        "Sí.",
    ]


def test_a_sentence_goes_on_after_a_mark_followed_by_lowercase_or_a_comma() -> None:
    assert sentences("¿Tiene fiebre?, preguntó. Bueno… ya veremos.") == [
        "¿Tiene fiebre?, preguntó.",
        "Bueno… ya veremos.",
    ]
    assert sentences("Si tiene fiebre, ¿debe ir al médico? Sí, hoy.") == [
        "Si tiene fiebre, ¿debe ir al médico?",
        "Sí, hoy.",
    ]


def test_ellipsis_ends_a_sentence_before_a_capital() -> None:
    assert sentences("Pero… No sé. Espere... Ya está.") == [
        "Pero…",
        "No sé.",
        "Espere...",
        "Ya está.",
    ]


def test_abbreviations_and_decimals_do_not_end_sentences() -> None:
    text = (
        "El Dr. Ruiz y la Sra. Gómez trabajan en EE. UU. desde 2010. "
        "Hay síntomas, p. ej. fiebre. Tome 1,5 mg o 1.5 mg al día. "
        "Vea www.ejemplo.org para más."
    )
    assert sentences(text) == [
        "El Dr. Ruiz y la Sra. Gómez trabajan en EE. UU. desde 2010.",
        "Hay síntomas, p. ej. fiebre.",
        "Tome 1,5 mg o 1.5 mg al día.",
        "Vea www.ejemplo.org para más.",
    ]


def test_a_sentence_may_end_after_uu_or_etc_or_a_capital_letter() -> None:
    assert sentences("Vive en EE. UU. La FDA lo aprobó.") == [
        "Vive en EE. UU.",
        "La FDA lo aprobó.",
    ]
    assert sentences("Frutas, etc. Todo ayuda.") == ["Frutas, etc.", "Todo ayuda."]
    assert sentences("Tome vitamina D. Luego descanse.") == ["Tome vitamina D.", "Luego descanse."]


def test_one_and_two_word_sentences_are_kept() -> None:
    assert sentences("No. Pregunte siempre. ¿Dolor? Llame.") == [
        "No.",
        "Pregunte siempre.",
        "¿Dolor?",
        "Llame.",
    ]
    assert counts("Sí. No.") == Counts(sentences=2, words=2, syllables=2)


def test_blank_lines_and_a_missing_final_period_end_sentences() -> None:
    assert sentences("Síntomas\n\nLa fiebre es\ncomún.\nSin punto final") == [
        "Síntomas",
        "La fiebre es común.",
        "Sin punto final",
    ]
    assert sentences("") == []
    assert sentences("... ¿?") == []


# Counted by hand, syllables per word in brackets:
#   El(1) lu-pus(2) es(1) u-na(2) en-fer-me-dad(4).                  5 words, 10 syllables
#   Pue-de(2) cau-sar(2) do-lor(2) en(1) las(1) ar-ti-cu-la-cio-nes(6).  6 words, 14 syllables
#   ¿Tie-ne(2) fie-bre(2)?                                            2 words,  4 syllables
#   Lla-me(2) al(1) mé-di-co(3).                                      3 words,  6 syllables
# 4 sentences, 16 words, 34 syllables: 2.125 syllables per word, 4 words per sentence.
#   Fernández-Huerta: 206.84 − 60 × 2.125 − 1.02 × 4 = 206.84 − 127.5 − 4.08 = 75.26
#   Szigriszt-Pazos:  206.835 − 62.3 × 2.125 − 4 = 206.835 − 132.3875 − 4 = 70.4475
PARAGRAPH = (
    "El lupus es una enfermedad. Puede causar dolor en las articulaciones. "
    "¿Tiene fiebre? Llame al médico."
)


def test_both_formulas_on_a_hand_counted_paragraph() -> None:
    assert counts(PARAGRAPH) == Counts(sentences=4, words=16, syllables=34)
    assert fernandez_huerta(PARAGRAPH) == pytest.approx(75.26)
    assert szigriszt_pazos(PARAGRAPH) == pytest.approx(70.4475)
    assert inflesz_band(szigriszt_pazos(PARAGRAPH)) == "bastante fácil"


def test_fernandez_huerta_is_the_corrected_form() -> None:
    # The misprinted form (− 1.02 × sentences per 100 words) would give 206.84 − 127.5 −
    # 1.02 × 25 = 53.84 here, and would score longer sentences as easier.
    assert fernandez_huerta(PARAGRAPH) != pytest.approx(53.84)
    longer = "El lupus es una enfermedad, y puede causar dolor en las articulaciones."
    shorter = "El lupus es una enfermedad. Puede causar dolor en las articulaciones."
    assert fernandez_huerta(longer) < fernandez_huerta(shorter)


def test_no_words_no_score() -> None:
    with pytest.raises(ValueError):
        fernandez_huerta("")
    with pytest.raises(ValueError):
        szigriszt_pazos("¿?")


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (-10.0, "muy difícil"),
        (39.99, "muy difícil"),
        (40.0, "algo difícil"),
        (40.01, "algo difícil"),
        (54.99, "algo difícil"),
        (55.0, "normal"),
        (55.01, "normal"),
        (64.99, "normal"),
        (65.0, "bastante fácil"),
        (65.01, "bastante fácil"),
        (79.99, "bastante fácil"),
        (80.0, "muy fácil"),
        (80.01, "muy fácil"),
        (120.0, "muy fácil"),
    ],
)
def test_inflesz_bands_at_and_around_each_boundary(score: float, band: str) -> None:
    assert inflesz_band(score) == band


def test_inflesz_refuses_nan() -> None:
    with pytest.raises(ValueError):
        inflesz_band(float("nan"))


EASY = (
    "El lupus es una enfermedad. Su cuerpo se ataca a sí mismo. Puede doler. "
    "Hay tratamiento. Hable con su médico si tiene fiebre."
)
HARD = (
    "La nefritis lúpica constituye una complicación renal frecuente del lupus eritematoso "
    "sistémico, caracterizada por el depósito de inmunocomplejos en el glomérulo y la "
    "consiguiente inflamación, cuya detección precoz mediante biopsia condiciona "
    "significativamente el pronóstico terapéutico."
)


def test_plain_spanish_scores_higher_than_technical_spanish() -> None:
    assert fernandez_huerta(EASY) > fernandez_huerta(HARD) + 40
    assert szigriszt_pazos(EASY) > szigriszt_pazos(HARD) + 40
    assert inflesz_band(szigriszt_pazos(EASY)) in {"bastante fácil", "muy fácil"}
    assert inflesz_band(szigriszt_pazos(HARD)) == "muy difícil"


def test_sentence_difficulty_flags_the_long_technical_sentence() -> None:
    hard = sentence_difficulty(HARD)
    easy = sentence_difficulty("Hable con su médico si tiene fiebre.")
    assert (easy.words, easy.syllables) == (7, 12)
    # Ha-ble(2) con(1) su(1) mé-di-co(3) si(1) tie-ne(2) fie-bre(2): 7 words, 12 syllables;
    # Szigriszt-Pazos 206.835 − 62.3 × 12/7 − 7 = 93.0
    assert easy.szigriszt_pazos == pytest.approx(206.835 - 62.3 * 12 / 7 - 7)
    assert easy.fernandez_huerta == pytest.approx(206.84 - 60 * 12 / 7 - 1.02 * 7)
    assert inflesz_band(easy.szigriszt_pazos) == "muy fácil"
    assert inflesz_band(hard.szigriszt_pazos) == "muy difícil"
    assert hard.words > 30 and hard.syllables_per_word > easy.syllables_per_word
