"""Property tests: the linter never crashes, whatever an editor (or a cat) types."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.lint.config import load_config
from bot.lint.runner import lint_loaded, load_seeds, problem_finding
from bot.text.content import parse_explainer
from bot.text.markdown import parse
from bot.text.plaintext import to_plain
from bot.text.render import render_explainer, split_message
from bot.text.telegram_html import parse_html

from .conftest import ROOT

CONFIG = load_config(ROOT / "content" / "lint.yml", ROOT / "content")
SEEDS = load_seeds(ROOT / "seeds")

markdownish = st.text(
    alphabet=st.sampled_from(list("ab cd\n\n-*_`[]()<>&#!.?:\\|~1.5\"'’…é😀\t\r"))
    | st.characters(exclude_categories=("Cs",)),
    max_size=400,
)
yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
front = st.dictionaries(
    st.sampled_from(
        ["title", "command", "order", "summary", "examples", "sources", "other", "button"]
    ),
    yaml_values,
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=markdownish, meta=front)
def test_lint_never_crashes(tmp_path_factory: object, body: str, meta: dict[str, object]) -> None:
    folder = Path(str(tmp_path_factory.mktemp("c")))  # type: ignore[attr-defined]
    path = folder / "x.md"
    path.write_text("---\n" + yaml.safe_dump(meta) + "---\n" + body, encoding="utf-8")
    report = lint_loaded([path], CONFIG, SEEDS)
    assert len(report.files) == 1
    for finding in report.findings:
        assert finding.line >= 1 and finding.column >= 1
        assert finding.severity in ("error", "warning")


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_load_or_give_a_problem(data: bytes) -> None:
    result = parse_explainer(Path("x.md"), data)
    if not hasattr(result, "body"):
        finding = problem_finding(result)  # type: ignore[arg-type]
        assert finding.rule == "file" and finding.line >= 1


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=50), body=markdownish)
def test_rendered_messages_are_always_valid_telegram_html(title: str, body: str) -> None:
    html = render_explainer(title or "t", body)
    for part in split_message(html):
        parse_html(part)


@settings(max_examples=200, deadline=None)
@given(body=markdownish)
def test_sentence_positions_stay_in_the_body(body: str) -> None:
    lines = body.replace("\r\n", "\n").split("\n")
    for sentence in to_plain(parse(body, 1)).sentences:
        assert 1 <= sentence.line <= len(lines)
        assert sentence.column >= 1
