"""Every lint rule has a passing and a failing example, and each does what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.lint import lint_paths
from bot.lint.examples import Example, documented_rules, examples, jargon, languages
from bot.lint.registry import RULES

RULE_IDS = [rule.id for rule in RULES]
#: Rules that read the language's own words or data, so need a Spanish example each way.
SPANISH_RULES = [
    "reading-level",
    "hard-sentence",
    "very-hard-sentence",
    "call-to-action",
    "care-team",
    "personal-advice",
    "passive-voice",
    "formal-address",
    "acronym",
    "rare-word",
    "jargon",
    "provenance",
    "unsourced-number",
    "language",
    "translation",
    "parity",
]


def test_every_registered_rule_has_a_passing_and_a_failing_example() -> None:
    missing = [
        rule
        for rule in RULE_IDS
        if not any(e.passes for e in examples(rule)) or all(e.passes for e in examples(rule))
    ]
    assert not missing, f"rules without a pass and a fail example in examples.yml: {missing}"
    assert documented_rules() <= set(RULE_IDS), "examples.yml names a rule that does not exist"


def test_the_spanish_rules_have_spanish_examples_both_ways() -> None:
    for rule in SPANISH_RULES:
        spanish = [e for e in examples(rule) if e.language == "es"]
        assert {e.passes for e in spanish} == {True, False}, rule


def _write(project: Path, example: Example) -> Path:
    content = project / "content"
    for path in content.rglob("example.md"):
        path.unlink()
    for language in languages():
        folder = content if language == "en" else content / language
        folder.mkdir(exist_ok=True)
        listed = yaml.safe_dump(jargon(language), allow_unicode=True)
        (folder / "jargon.yml").write_text(listed, encoding="utf-8")
    for relative, text in {**example.beside, example.path: example.text}.items():
        (content / relative).write_text(text, encoding="utf-8")
    return content


@pytest.mark.parametrize("rule", RULE_IDS)
def test_examples_pass_and_fail_as_they_say(rule: str, project: Path) -> None:
    for example in examples(rule):
        content = _write(project, example)
        found = lint_paths([content]).findings
        label = f"{rule} {example.language} {'pass' if example.passes else 'fail'}"
        if example.passes:
            # A passing example is a model file: clean for every rule, not only its own
            # (and so is the English file beside a Spanish one).
            assert not found, f"{label} ({example.why}): {found}"
        else:
            assert [f for f in found if f.rule == rule], f"{label} ({example.why}) not caught"


def test_explain_prints_a_rules_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--explain", "jargon"]) == 0
    out = capsys.readouterr().out
    assert "jargon" in out and "Passes" in out and "Fails" in out
    assert "cytokines (chemical signals in the body)" in out
    assert "citocinas (señales químicas del cuerpo)" in out
    assert "as es/example.md, beside the English base" in out
    assert main(["lint", "--explain", "no-such-rule"]) == 2
