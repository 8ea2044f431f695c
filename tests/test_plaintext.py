"""The reader's view of Markdown: what textstat is given must match what a person reads."""

from __future__ import annotations

from bot.text import readability
from bot.text.markdown import parse
from bot.text.plaintext import scoring_sentence, to_plain


def plain(body: str, first_line: int = 1) -> list[tuple[str, int, int]]:
    return [(s.text, s.line, s.column) for s in to_plain(parse(body, first_line)).sentences]


def score(body: str) -> float:
    return readability.flesch_kincaid_grade(to_plain(parse(body)).scoring_text())


def test_list_items_end_sentences() -> None:
    listed = "You may have:\n\n- a high fever\n- chills and aches\n- trouble breathing at night\n"
    punctuated = "You may have. A high fever. Chills and aches. Trouble breathing at night."
    assert [s for s, _, _ in plain(listed)] == [
        "You may have:",
        "a high fever",
        "chills and aches",
        "trouble breathing at night",
    ]
    assert abs(score(listed) - readability.flesch_kincaid_grade(punctuated)) < 0.01


def test_link_text_kept_and_url_dropped() -> None:
    body = "Read [the lupus guide](https://www.example.org/a/very/long/path/to/a/page) today."
    assert plain(body) == [("Read the lupus guide today.", 1, 1)]
    assert score(body) < 3


def test_decimals_and_abbreviations_do_not_end_sentences() -> None:
    body = "About 1.5 million people in the U.S. have it. Dr. Schett led the study."
    assert [s for s, _, _ in plain(body)] == [
        "About 1.5 million people in the U.S. have it.",
        "Dr. Schett led the study.",
    ]
    text = to_plain(parse(body)).scoring_text()
    assert text.count(".") == 2


def test_headings_end_sentences_and_emphasis_is_removed() -> None:
    body = "# What it **is**\nLupus is *an* illness"
    assert [s for s, _, _ in plain(body)] == ["What it is", "Lupus is an illness"]


def test_hyphenated_words_are_scored_as_separate_words() -> None:
    assert scoring_sentence("CAR-T uses long-term care") == "CAR T uses long term care."


def test_positions_point_into_the_file() -> None:
    body = "First one here. Second one\nruns on.\n\n- item **bold** text"
    assert plain(body, first_line=10) == [
        ("First one here.", 10, 1),
        ("Second one runs on.", 10, 17),
        ("item bold text", 13, 3),
    ]


def test_lowercase_after_period_continues_the_sentence() -> None:
    assert len(plain("It helps with fever, chills, etc. and more.")) == 1


def test_escaped_marks_stay_literal() -> None:
    assert plain(r"Use \*stars\* and /side_effects here.") == [
        ("Use *stars* and /side_effects here.", 1, 1)
    ]
