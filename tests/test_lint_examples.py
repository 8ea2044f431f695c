"""Every lint rule has a passing and a failing example, and each does what it says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.lint import lint_paths
from bot.lint.examples import documented_rules, examples, jargon
from bot.lint.registry import RULES

RULE_IDS = [rule.id for rule in RULES]


def test_every_registered_rule_has_a_passing_and_a_failing_example() -> None:
    missing = [
        rule
        for rule in RULE_IDS
        if not any(e.passes for e in examples(rule)) or all(e.passes for e in examples(rule))
    ]
    assert not missing, f"rules without a pass and a fail example in examples.yml: {missing}"
    assert documented_rules() <= set(RULE_IDS), "examples.yml names a rule that does not exist"


@pytest.mark.parametrize("rule", RULE_IDS)
def test_examples_pass_and_fail_as_they_say(rule: str, project: Path) -> None:
    (project / "content" / "jargon.yml").write_text(yaml.safe_dump(jargon()), encoding="utf-8")
    path = project / "content" / "example.md"
    for example in examples(rule):
        path.write_text(example.text, encoding="utf-8")
        found = lint_paths([project / "content"]).findings
        if example.passes:
            # A passing example is a model file: clean for every rule, not only its own.
            assert not found, f"{rule} pass example ({example.why}): {found}"
        else:
            assert [f for f in found if f.rule == rule], f"{rule} fail ({example.why}) not caught"


def test_explain_prints_a_rules_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--explain", "jargon"]) == 0
    out = capsys.readouterr().out
    assert "jargon" in out and "Passes" in out and "Fails" in out
    assert "cytokines (chemical signals in the body)" in out
    assert main(["lint", "--explain", "no-such-rule"]) == 2
