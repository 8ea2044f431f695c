"""Safety triage: the shipped English rules catch emergencies, crises and personal-advice
requests in people's own words, let general questions and negations through, survive any
input; the mechanism (patterns, typos, negation, context, numbers) and the loader's errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings

from bot.knowledge.triage import TriageRules, explain, load_triage_rules, triage
from bot.knowledge.triage.patterns import PatternError, Tokens, compile_pattern, parse_phrase
from bot.knowledge.triage.reading import read
from bot.knowledge.words import zipf_for

from .conftest import AWKWARD_TEXT, ROOT

RULES_PATH = ROOT / "content" / "safety.yml"
_RULES: list[TriageRules] = []


def shipped() -> TriageRules:
    if not _RULES:
        _RULES.append(load_triage_rules(RULES_PATH, zipf_for("en")))
    return _RULES[0]


@pytest.fixture(scope="module")
def rules() -> TriageRules:
    return shipped()


def kind(text: str, rules: TriageRules) -> str | None:
    verdict = triage(text, rules)
    return verdict.kind if verdict else None


# --- the shipped rules: what the tester's messages showed -----------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # The misses the independent tester found, each now caught by a concept, not a copy.
        "worst headache of my life",
        "temp is 39.8 and shaking chills",
        "feverr 40 after car t",
        "she's shaking all over and not responding",
        "my son is really drowsy and we cant wake him up",
        "she keeps talking nonsense and doesnt recognise me",
        "severe headache and blurry vision after treatment",
        # And the earlier ones.
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
        "my throat is swelling up",
        "no fever but I can't breathe",
        "102F",
        "her blood pressure is 80/50 and she is dizzy",
        "oxygen 86 on the finger thing",
    ],
)
def test_urgent_reports(text: str, rules: TriageRules) -> None:
    assert kind(text, rules) == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "whats the point of living with this",
        "i have pills saved up and i am thinking of taking them all",
        "I want to end my life",
        "i am thinking about suicide",
        "I feel like hurting myself",
        "I wish I was dead",
        "there is no reason to go on living",
        "my daughter says she wants to kill herself",
        "everyone would be better off without me",
        "i just want to go to sleep and not wake up",
    ],
)
def test_crisis(text: str, rules: TriageRules) -> None:
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
        "am I eligible for the trial",
        "is my lupus severe enough for this",
        "my husband wants to stop his steroids, is that ok",
    ],
)
def test_personal_advice(text: str, rules: TriageRules) -> None:
    assert kind(text, rules) == "personal_advice"


@pytest.mark.parametrize(
    "text",
    [
        # The tester's false alarms on negations.
        "no chest pain, no breathing problems, just wondering how the cells are made",
        "not having any trouble breathing, just curious about the risks",
        # General questions, past events, figures of speech.
        "can CAR-T cause trouble breathing?",
        "is chest pain a side effect?",
        "does it cause seizures",
        "how common is a high fever after the treatment",
        "what is cytokine release syndrome",
        "what if someone gets a high fever after car-t",
        "my mom had a seizure back in 2019, is that common?",
        "she had a fever last week but it went away with antibiotics",
        "is it safe",
        "I'm dying to know more",
        "I'm confused about the study",
        "I can't see why this matters",
        "this news is killing me lol",
        "what does lupus do to the body",
        "where can I learn more",
        "",
        "   ",
    ],
)
def test_general_questions_negations_and_the_past_pass(text: str, rules: TriageRules) -> None:
    assert kind(text, rules) is None


def test_a_report_beside_a_question_is_still_urgent(rules: TriageRules) -> None:
    """A general framing does not cancel a report: when in doubt, urgent."""
    assert kind("is chest pain a side effect? I have it right now", rules) == "urgent"
    assert kind("I have chest pain, is that a side effect", rules) == "urgent"
    assert kind("is it normal that my mom has 39.5 after car t?", rules) == "urgent"


def test_negation_cancels_only_its_own_clause(rules: TriageRules) -> None:
    negated = explain("no fever, but i cant breathe", rules)
    assert negated.verdict is not None and negated.verdict.rule_id == "urgent.breathing"
    [fever] = [h for h in negated.hits if h.concept == "fever"]
    assert fever.cancelled == "negated by 'no'"
    # A negation the concept names itself is part of it.
    assert kind("he is not breathing", rules) == "urgent"
    # One inside the gap of a pattern negates it.
    assert kind("i'm not bleeding, just asking", rules) is None


def test_crisis_outranks_urgent(rules: TriageRules) -> None:
    assert kind("I can't breathe and I want to die", rules) == "crisis"


def test_normalisation_and_typos_without_a_typo_list(rules: TriageRules) -> None:
    assert kind("I CAN’T BREATHE!!!", rules) == "urgent"  # curly apostrophe, caps
    assert kind("Ｉ ｃａｎｔ ｂｒｅａｔｈｅ", rules) == "urgent"  # full-width (NFKC)
    assert kind("i   cant\n\tbreth", rules) == "urgent"  # whitespace and a typo
    assert kind("my son had a siezure", rules) == "urgent"  # swapped letters
    assert kind("she is unconcious", rules) == "urgent"
    assert kind("thinking about sucide", rules) == "crisis"
    assert kind("shoud i stop my meds", rules) == "personal_advice"
    # Common words are never "corrected" into symptoms.
    assert kind("my car makes a weird noise", rules) is None


def test_numbers_are_read_as_measurements(rules: TriageRules) -> None:
    assert kind("temperature 38.4", rules) == "urgent"
    assert kind("temperature 37.1, all fine", rules) is None
    assert kind("fever 101.3", rules) == "urgent"
    assert kind("temp 39,2", rules) == "urgent"  # a decimal comma
    assert kind("her bp is 120/80", rules) is None


def test_verdict_holds_rule_id_and_reply_not_user_text(rules: TriageRules) -> None:
    verdict = triage("I have chest pain, my name is Alice Example", rules)
    assert verdict is not None
    assert verdict.rule_id == "urgent.chest"
    assert "Alice" not in repr(verdict)
    assert verdict.reply == rules.replies["urgent"]


def test_replies_say_the_right_thing_first(rules: TriageRules) -> None:
    urgent = rules.replies["urgent"]
    first = urgent.split("\n")[0]
    assert "emergency number" in first and "NOW" in first
    crisis = rules.replies["crisis"].lower()
    assert "emergency" in crisis and "crisis line" in crisis and "someone you trust" in crisis
    advice = rules.replies["personal_advice"].lower()
    assert "rheumatologist" in advice and "dose" in advice


def test_replies_are_telegram_html_safe(rules: TriageRules) -> None:
    for reply in rules.replies.values():
        without_tags = re.sub(r"</?(b|i)>", "", reply)
        assert "<" not in without_tags and ">" not in without_tags
        assert "&" not in without_tags


def test_kind_order_is_crisis_urgent_personal_advice(rules: TriageRules) -> None:
    assert rules.kind_names == ("crisis", "urgent", "personal_advice")
    assert len({c.id for c in rules.concepts}) == len(rules.concepts)


@pytest.mark.parametrize(
    "concept",
    ["fever", "breathing", "confusion", "speech", "seizure", "unresponsive", "dizziness"],
)
def test_car_t_warning_signs_are_all_covered(concept: str, rules: TriageRules) -> None:
    """Cytokine release syndrome and neurological side effects (the article names fever,
    chills and difficulty breathing): each sign is a concept of its own."""
    assert concept in {c.id for c in rules.concepts}


@settings(max_examples=300, deadline=None)
@given(AWKWARD_TEXT)
def test_triage_never_raises(text: str) -> None:
    rules = shipped()
    verdict = triage(text, rules)
    assert verdict is None or verdict.kind in rules.kind_names
    explain(text, rules)


# --- the pattern language -------------------------------------------------------------------


def matches(pattern: str, text: str, groups: dict[str, tuple[str, ...]] | None = None) -> bool:
    compiled = {n: tuple(parse_phrase(p, p) for p in ps) for n, ps in (groups or {}).items()}
    words = read(text, frozenset(), {}).words
    return compile_pattern(pattern, compiled).find(Tokens(words)) is not None


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
    assert matches("(no|$me) chest", "ive got chest pain", {"me": ("i have", "ive got")})
    assert not matches("fever", "feverish")
    assert matches("fever*", "feverish")
    assert matches("fiebre", "FIÉBRE"), "accents are not needed"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("... chest", "between two words"),
        ("chest ...", "between two words"),
        ("self-harm", "not a word"),
        ("hot to (the )?touch", "no '?'"),
        ("$nobody chest", "unknown group"),
        ("chest ...99 pain", "too wide"),
        ("(chest pain", "unbalanced"),
        ("   ", "non-empty"),
    ],
)
def test_bad_patterns_are_explained(pattern: str, problem: str) -> None:
    with pytest.raises(PatternError, match=re.escape(problem)):
        compile_pattern(pattern, {})


# --- loader errors --------------------------------------------------------------------------

GOOD = """\
order: [urgent]
kinds:
  urgent:
    context: report
    reply: Call your local emergency number now.
concepts:
  breath:
    kind: urgent
    match: [cant breathe]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "safety.yml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> TriageRules:
    return load_triage_rules(path, zipf_for("en"))


def test_minimal_file_loads(tmp_path: Path) -> None:
    rules = load(write(tmp_path, GOOD))
    assert kind("I cant breathe", rules) == "urgent"
    assert kind("I cnat breathe", rules) == "urgent"  # typo-tolerant without any list
    assert kind("I cant. Breathe is a word.", rules) is None  # a pattern stays in a sentence


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
        (GOOD.replace("context: report", "context: sometimes"), "context"),
        (GOOD.replace("[cant breathe]", "[cant-breathe]"), "concepts: breath"),
        (GOOD.replace("[cant breathe]", "[$who breathe]"), "unknown group"),
        (GOOD.replace("match:", "matches:"), "unknown field"),
        (GOOD.replace("kind: urgent", "kind: scary"), "kind must be"),
        (GOOD + "reading:\n  negation: [no, not]\n", "in quotes"),
        (GOOD + "reading:\n  colour: [red]\n", "unknown field"),
        (GOOD + "shorthand: {two words: one}\n", "one word"),
        (GOOD + "measurements:\n  - {concept: nope, near: [temp], alarm: [[38, 45]]}\n", "concept"),
        (GOOD + "measurements:\n  - {concept: breath, near: [temp], alarm: [[45, 38]]}\n", "range"),
        ("colours: [red]\n" + GOOD, "unknown field"),
    ],
)
def test_loader_errors_name_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message
    assert problem in message


def test_missing_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load(tmp_path / "nope.yml")
