"""Small talk, "did you mean", and the linter's checks of the routing data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.conversation import topics as replies
from bot.knowledge.catalog import Catalog, build_catalog
from bot.knowledge.smalltalk import load_smalltalk
from bot.text.telegram_html import parse_html

from .conftest import ROOT, shipped_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hello there!", "greeting"),
        ("hiii 😊", "greeting"),
        ("good morning", "greeting"),
        ("thanks so much", "thanks"),
        ("thank u!!", "thanks"),
        ("Thank you for your help, dear.", "thanks"),
        ("ok bye", "goodbye"),
        ("thanks, bye", "goodbye"),
        ("thats all, have a good night", "goodbye"),
    ],
)
def test_greetings_thanks_and_goodbyes(catalog: Catalog, text: str, kind: str) -> None:
    reply = replies.for_text(catalog, text)
    assert reply.kind == kind
    assert reply.messages[-1].buttons, "small talk answers come with the menu"
    parse_html(reply.messages[0].html, strict=True)


@pytest.mark.parametrize("text", ["hi, what is lupus?", "thanks! is car t safe", "hello my car"])
def test_small_talk_with_something_else_is_not_small_talk(catalog: Catalog, text: str) -> None:
    assert catalog.smalltalk.kind(text) is None


def test_missing_small_talk_file_recognises_nothing(tmp_path: Path) -> None:
    assert load_smalltalk(tmp_path).kind("hi") is None


def test_a_near_tie_offers_both_topics_and_the_menu(catalog: Catalog) -> None:
    probes = (
        "what is lupus and how does car t fix it",
        "Is lupus a kind of cancer?",
        "did anyone in the study get really sick from it",
    )
    for text in probes:
        result = catalog.router.route(text)
        if result.offers:
            reply = replies.for_text(catalog, text)
            assert reply.kind == "did_you_mean"
            [message] = reply.messages
            data = [b.callback_data for row in message.buttons for b in row]
            assert data == [*(f"t:{c}" for c in result.offers), "menu"]
            return
    pytest.fail("no near tie found among the probe questions")


def test_off_topic_stays_off_topic(catalog: Catalog) -> None:
    for text in ("my car makes a weird noise", "what time is it", "recipe for banana bread"):
        assert replies.for_text(catalog, text).kind == "not_sure", text


@pytest.fixture
def content_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "content"


def _add_example(path: Path, example: str) -> None:
    text = path.read_text("utf-8")
    path.write_text(text.replace("examples:\n", f'examples:\n  - "{example}"\n', 1), "utf-8")


@pytest.mark.slow
def test_lint_finds_an_example_triage_takes(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_example(content_copy / "03-study.md", "is my lupus severe enough for this")
    assert main(["lint", "content"]) == 1
    out = capsys.readouterr().out
    assert "03-study.md:" in out and "error example-safety" in out
    assert "personal advice reply" in out
    # Production holds the file back in the same way.
    catalog = build_catalog(content_copy)
    assert catalog.topic("study") is None
    assert any(f.rule == "example-safety" for fs in catalog.rejected.values() for f in fs)


@pytest.mark.slow
def test_lint_names_the_topic_a_held_out_example_goes_to(
    content_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_example(content_copy / "06-learn-more.md", "what are the side effects of car t")
    main(["lint", "content"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "what are the side effects of car t" in x)
    assert "06-learn-more.md:" in line and "warning example-routing" in line
    assert "/side_effects" in line


@pytest.mark.slow
def test_triage_command_explains(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    content = str(ROOT / "content")
    assert main(["triage", "no fever, but my mum cant breethe", "--content", content]) == 0
    out = capsys.readouterr().out
    assert "urgent.fever" in out and "negated by 'no'" in out
    assert "urgent.breathing" in out and "verdict: urgent" in out
    lines = tmp_path / "m.txt"
    lines.write_text("how does car t work\nhi\n", "utf-8")
    assert main(["triage", "--file", str(lines), "--content", content]) == 0
    out = capsys.readouterr().out
    assert "verdict: topic /therapy" in out and "small talk (greeting)" in out
    assert main(["triage"]) == 2
