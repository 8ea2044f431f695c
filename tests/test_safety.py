"""Safety triage: the shipped rules catch emergencies, crises and personal-advice requests,
let general questions through, survive any input, and the loader explains its errors."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings

from bot.knowledge.safety import (
    Message,
    SafetyRules,
    load_safety_rules,
    parse_pattern,
    tokenize,
    triage,
)

from .conftest import AWKWARD_TEXT

ROOT = Path(__file__).resolve().parents[1]
RULES_PATH = ROOT / "content" / "safety.yml"


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety_rules(RULES_PATH)


def kind(text: str, rules: SafetyRules) -> str | None:
    verdict = triage(text, rules)
    return verdict.kind if verdict else None


# --- the shipped rules --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I cannot breathe",
        "help, my wife can't catch her breath",
        "im struggling to breathe",
        "my chest is really tight and hurts",
        "I have a fever of 39.5 since my CAR-T infusion",
        "my husband has a high fever after the cells went back in",
        "he seems confused and is burning up",
        "my son collapsed",
        "she's having a fit right now",
        "it keeps bleeding and won't stop",
        "I think I took too many pills",
        "my throat is swelling up",
    ],
)
def test_urgent_reports(text: str, rules: SafetyRules) -> None:
    assert kind(text, rules) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "I want to end my life",
        "i am thinking about suicide",
        "I feel like hurting myself",
        "I wish I was dead",
        "there is no reason to go on living",
        "my daughter says she wants to kill herself",
    ],
)
def test_crisis(text: str, rules: SafetyRules) -> None:
    assert kind(text, rules) == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "should I stop my steroids",
        "Should my mum start CAR-T?",
        "can I come off my medication",
        "how many mg of prednisone should I take",
        "could I have lupus?",
        "does my son have lupus",
        "is this treatment right for me",
        "am I eligible for the trial",
    ],
)
def test_personal_advice(text: str, rules: SafetyRules) -> None:
    assert kind(text, rules) == "personal_advice"


@pytest.mark.parametrize(
    "text",
    [
        "can CAR-T cause trouble breathing?",
        "is chest pain a side effect?",
        "does it cause seizures",
        "how common is a high fever after the treatment",
        "what is cytokine release syndrome",
        "what if someone gets a high fever after car-t",
        "is it safe",
        "which doctor should I see about lupus",
        "I'm dying to know more",
        "I'm confused about the study",
        "what does lupus do to the body",
        "can I get this treatment",
        "where can I learn more",
        "",
        "   ",
    ],
)
def test_general_questions_pass(text: str, rules: SafetyRules) -> None:
    assert kind(text, rules) is None


def test_ambiguous_first_person_report_is_urgent(rules: SafetyRules) -> None:
    """A general framing does not cancel a report happening now: err on the side of safety."""
    assert kind("is chest pain a side effect? I have it right now", rules) == "urgent"
    assert kind("I have chest pain, is that a side effect", rules) == "urgent"


def test_crisis_outranks_urgent(rules: SafetyRules) -> None:
    assert kind("I can't breathe and I want to die", rules) == "crisis"


def test_normalisation_and_typos(rules: SafetyRules) -> None:
    assert kind("I CAN’T BREATHE!!!", rules) == "urgent"  # curly apostrophe, caps
    assert kind("Ｉ ｃａｎｔ ｂｒｅａｔｈｅ", rules) == "urgent"  # full-width (NFKC)
    assert kind("i   cant\n\tbreth", rules) == "urgent"  # whitespace and a typo
    assert kind("thinking about sucide", rules) == "crisis"
    assert kind("shoud i stop my meds", rules) == "personal_advice"


def test_verdict_holds_rule_id_and_reply_not_user_text(rules: SafetyRules) -> None:
    verdict = triage("I have chest pain, my name is Alice Example", rules)
    assert verdict is not None
    assert verdict.rule_id.startswith("urgent.")
    assert "Alice" not in repr(verdict)
    assert verdict.reply == rules.replies["urgent"]


def test_replies_say_the_right_thing_first(rules: SafetyRules) -> None:
    urgent = rules.replies["urgent"]
    first = urgent.split("\n")[0]
    assert "emergency number" in first and "NOW" in first
    crisis = rules.replies["crisis"].lower()
    assert "emergency" in crisis and "crisis line" in crisis and "someone you trust" in crisis
    advice = rules.replies["personal_advice"].lower()
    assert "rheumatologist" in advice and "dose" in advice


def test_replies_are_telegram_html_safe(rules: SafetyRules) -> None:
    for reply in rules.replies.values():
        without_tags = re.sub(r"</?(b|i)>", "", reply)
        assert "<" not in without_tags and ">" not in without_tags
        assert "&" not in without_tags


def test_kind_order_is_crisis_urgent_personal_advice(rules: SafetyRules) -> None:
    assert rules.kinds == ("crisis", "urgent", "personal_advice")
    assert len({r.id for r in rules.rules}) == len(rules.rules)


def test_fast_on_long_messages(rules: SafetyRules) -> None:
    words = [
        "I",
        "have",
        "a",
        "question",
        "about",
        "how",
        "the",
        "cells",
        "and",
        "the",
        "study",
        "and",
        "side",
        "effects",
        "work",
    ]
    text = " ".join(words[i % len(words)] for i in range(700))[:4000]
    triage(text, rules)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(20):
            triage(text, rules)
        best = min(best, (time.perf_counter() - start) / 20)
    assert best < 0.001, f"triage took {best * 1000:.2f} ms for 4,000 chars"


@settings(max_examples=300, deadline=None)
@given(AWKWARD_TEXT)
def test_triage_never_raises(text: str) -> None:
    rules = load_safety_rules_cached()
    verdict = triage(text, rules)
    assert verdict is None or verdict.kind in rules.kinds


_CACHE: dict[str, SafetyRules] = {}


def load_safety_rules_cached() -> SafetyRules:
    if "rules" not in _CACHE:
        _CACHE["rules"] = load_safety_rules(RULES_PATH)
    return _CACHE["rules"]


# --- normalisation and the pattern language ----------------------------------------


def matches(pattern: str, text: str, groups: dict[str, tuple[str, ...]] | None = None) -> bool:
    return parse_pattern(pattern, groups).search(Message(tokenize(text)))


def test_pattern_language() -> None:
    assert matches("chest pain", "bad chest pain today")
    assert not matches("chest pain", "pain in my chest")
    assert matches("cant|cannot breathe", "I cannot breathe")
    assert matches("breath*", "breathless")
    assert matches("want ... die", "want to just die")
    assert not matches("want ... die", "want a b c d die")
    assert matches("want ...4 die", "want a b c d die")
    assert matches("(passed out|collapsed) now", "she passed out now")
    assert matches("(passed out|collapsed) now", "she collapsed now")
    assert matches("$me chest", "ive got chest pain", {"me": ("i have", "ive got")})
    assert not matches("fever", "feverish")
    assert matches("fever*", "feverish")


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("... chest", "between two words"),
        ("chest ...", "between two words"),
        ("self-harm", "not a word"),
        ("$nobody chest", "unknown group"),
        ("chest ...99 pain", "too wide"),
        ("(chest pain", "unbalanced"),
        ("   ", "non-empty"),
    ],
)
def test_bad_patterns_are_explained(pattern: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_pattern(pattern)


# --- loader errors ------------------------------------------------------------------

GOOD = """\
order: [urgent]
kinds:
  urgent:
    reply: Call your local emergency number now.
    rules:
      - id: urgent.breath
        match: [cant breathe]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "safety.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_loads(tmp_path: Path) -> None:
    rules = load_safety_rules(write(tmp_path, GOOD))
    assert kind("I cant breathe", rules) == "urgent"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kinds: [oops", "not valid YAML"),
        ("- a list", "must be a mapping"),
        (GOOD.replace("order: [urgent]", "order: [urgent, crisis]"), "order"),
        (GOOD.replace("reply: Call", "reply: ''\n    x: Call"), "unknown field"),
        (GOOD.replace("    reply: Call your local emergency number now.\n", ""), "reply"),
        (GOOD.replace("now.", "now & fast."), "&"),
        (GOOD.replace("now.", "now <script>."), "tags"),
        (GOOD.replace("[cant breathe]", "[cant-breathe]"), "urgent.breath"),
        (GOOD.replace("[cant breathe]", "[$who breathe]"), "unknown group"),
        (GOOD.replace("match:", "matches:"), "unknown field"),
        (GOOD + "      - id: urgent.breath\n        match: [x]\n", "used twice"),
        (
            GOOD.replace(
                "        match: [cant breathe]\n", "        general: maybe\n        match: [a]\n"
            ),
            "true or false",
        ),
        ("typos: {two words: one}\n" + GOOD, "one word"),
        ("colours: [red]\n" + GOOD, "unknown field"),
    ],
)
def test_loader_errors_name_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        load_safety_rules(path)
    message = str(err.value)
    assert str(path) in message
    assert problem in message


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_safety_rules(tmp_path / "nope.yml")
