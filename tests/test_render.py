"""Markdown to Telegram HTML: escaped, valid for Telegram, split within its size limit."""

from __future__ import annotations

from pathlib import Path

from bot.lint import lint_paths
from bot.text.content import load_directory
from bot.text.render import MAX_MESSAGE_CHARS, render_explainer, split_message
from bot.text.telegram_html import parse_html

from .conftest import ROOT


def test_formatting_and_escaping() -> None:
    html = render_explainer(
        "A & B <i>",
        "Use **bold**, *it*, `x<y`, and [a link](https://www.lupus.org/?a=1&b=2).\n\n"
        "- one & two\n- <script>alert(1)</script>\n\n1. first\n",
    )
    assert html == (
        "<b>A &amp; B &lt;i&gt;</b>\n\n"
        "Use <b>bold</b>, <i>it</i>, <code>x&lt;y</code>, and "
        '<a href="https://www.lupus.org/?a=1&amp;b=2">a link</a>.\n\n'
        "• one &amp; two\n• &lt;script&gt;alert(1)&lt;/script&gt;\n1. first"
    )
    parsed = parse_html(html)
    assert "<script>" in parsed.text


def test_unsafe_link_schemes_lose_the_link_but_keep_the_text() -> None:
    html = render_explainer("t", "[click](javascript:alert(1)) here")
    assert "href" not in html and "click here" in html


def test_short_message_is_not_split() -> None:
    html = render_explainer("t", "Short body.")
    assert split_message(html) == [html]


def test_long_message_is_split_between_paragraphs_and_stays_valid() -> None:
    paragraph = "This is **a sentence** with <b>escaped</b> & bold text. " * 20
    html = render_explainer("Long", "\n\n".join([paragraph] * 12))
    parts = split_message(html)
    assert len(parts) > 1
    for part in parts:
        parsed = parse_html(part)
        assert 0 < len(parsed.text) <= MAX_MESSAGE_CHARS
    joined = "".join(parse_html(p).text for p in parts)
    assert joined.count("a sentence") == 20 * 12


def test_a_single_huge_line_is_cut_between_words() -> None:
    html = render_explainer("t", "word " * 2000)
    parts = split_message(html)
    assert len(parts) >= 3
    for part in parts:
        assert len(parse_html(part).text) <= MAX_MESSAGE_CHARS


def test_shipped_content_passes_the_linter_with_no_errors(monkeypatch: object) -> None:
    import os

    os.chdir(ROOT)
    report = lint_paths([Path("content")])
    assert report.errors == 0, [f for f in report.findings if f.severity == "error"]
    explainers, problems = load_directory(ROOT / "content")
    assert not problems and len(explainers) >= 6
    commands = {e.command for e in explainers}
    assert {"symptoms", "therapy", "study", "side_effects", "caveats", "learn_more"} <= commands
    for file in report.files:
        if file.language == "es":
            assert file.metrics["fernandez_huerta"] >= 70
            assert file.metrics["szigriszt_pazos"] >= 65
            continue
        assert file.metrics["flesch_kincaid_grade"] <= 6
        assert file.metrics["smog_index"] <= 8
    for explainer in explainers:
        assert parse_html(render_explainer(explainer.title, explainer.body)).text
