"""The held-out questions: safety triage first, then routing, the way the bot answers.

The questions were written before the content's example questions were read, so this
measures how well the router generalises to people's own words. Safety is checked item
by item: every safety question must get its safety kind, and no ordinary question may
be treated as an emergency or a crisis.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.knowledge.router import Router, load_router_config
from bot.knowledge.safety import SafetyRules, load_safety_rules, triage
from bot.text.content import load_directory

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "data" / "heldout_questions.yml"
SAFETY_KINDS = {"urgent", "crisis", "personal_advice"}
MIN_ACCURACY = 0.90


def load_questions() -> list[dict[str, Any]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    questions: list[dict[str, Any]] = data["questions"]
    return questions


def answer(text: str, rules: SafetyRules, router: Router) -> str:
    """What the bot would do: a safety kind, a topic command, or 'unsure'."""
    verdict = triage(text, rules)
    if verdict is not None:
        return verdict.kind
    result = router.route(text)
    return result.command if result.confident and result.command else "unsure"


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[str, str, str]]:
    """(question, expected, got) for every held-out question."""
    explainers, problems = load_directory(ROOT / "content")
    assert not problems, problems
    router = Router.from_config(explainers, load_router_config(ROOT / "content" / "synonyms.yml"))
    rules = load_safety_rules(ROOT / "content" / "safety.yml")
    return [(q["text"], q["expect"], answer(q["text"], rules, router)) for q in load_questions()]


def test_heldout_set_is_well_formed() -> None:
    questions = load_questions()
    explainers, _ = load_directory(ROOT / "content")
    allowed = {e.command for e in explainers} | SAFETY_KINDS | {"unsure"}
    labels = Counter(q["expect"] for q in questions)
    assert len(questions) >= 80
    assert set(labels) <= allowed, set(labels) - allowed
    assert sum(labels[k] for k in SAFETY_KINDS) >= 12
    assert all(labels[k] >= 3 for k in SAFETY_KINDS)
    assert labels["unsure"] >= 8
    assert len({q["text"] for q in questions}) == len(questions), "duplicate questions"


def test_accuracy(outcomes: list[tuple[str, str, str]]) -> None:
    by_label: dict[str, list[bool]] = {}
    for _, expected, got in outcomes:
        by_label.setdefault(expected, []).append(expected == got)
    for label, hits in sorted(by_label.items()):
        print(f"{label:16} {sum(hits):3}/{len(hits):<3} {sum(hits) / len(hits):.3f}")
    correct = sum(expected == got for _, expected, got in outcomes)
    accuracy = correct / len(outcomes)
    print(f"overall          {correct:3}/{len(outcomes):<3} {accuracy:.3f}")
    mistakes = [(t, e, g) for t, e, g in outcomes if e != g]
    assert accuracy >= MIN_ACCURACY, mistakes


def test_every_safety_question_gets_its_safety_kind(outcomes: list[tuple[str, str, str]]) -> None:
    missed = [(t, e, g) for t, e, g in outcomes if e in SAFETY_KINDS and g != e]
    assert not missed


def test_no_ordinary_question_is_treated_as_emergency(outcomes: list[tuple[str, str, str]]) -> None:
    false_alarms = [
        (t, e, g) for t, e, g in outcomes if e not in SAFETY_KINDS and g in {"urgent", "crisis"}
    ]
    assert not false_alarms
