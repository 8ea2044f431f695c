"""The HTML readability report: what the pages hold, and what a real browser shows."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.lint.config import load_config
from bot.lint.document import LintDoc
from bot.lint.report import normalised_with_offsets, write_report
from bot.lint.runner import lint_loaded, load_seeds, prepare
from bot.text import readability
from bot.text.normalise import normalise_quote
from bot.text.plaintext import Sentence, words

from .browser import dump_dom, require_chromium, screenshot
from .conftest import ROOT, WriteFile

ARTIFACTS = Path(__file__).parent / "artifacts"

HARD = (
    "Your doctor will look at your blood tests and your kidney results before choosing any "
    "treatment."
)
VERY_HARD = (
    "Researchers carefully measured several important laboratory results before and after "
    "every treatment session in hospital."
)
BODY = f"""\
Lupus is an illness. Your body fights its own skin and joints. It can hurt your kidneys too.

{HARD} Some days are good. Some days are hard.

{VERY_HARD}
It may lead to remission <script>alert("x")</script> one day.

Talk to your care team about how you feel. Ask them what you can do today.
"""
QUOTE = "A variety of symptoms are brought on by lupus"


def ari(text: str) -> float:
    sentence = Sentence(text, 1, 1, 0, words(text))
    return readability.sentence_ari(sentence.letters, len(sentence.words))


def build(out: Path) -> tuple[Path, list[LintDoc]]:
    files, config, seeds = prepare([Path("content")])
    docs: list[LintDoc] = []
    report = lint_loaded(files, config, seeds, docs)
    return write_report(report, docs, config, seeds, out), docs


@pytest.fixture
def site(project: Path, write: WriteFile) -> Path:
    """A content folder with a hard and a very hard sentence, jargon, a script tag, a
    quote written with other case, spacing and quote marks, a missing quote and a
    broken file; the report built from it."""
    shutil.copy(ROOT / "content" / "jargon.yml", project / "content" / "jargon.yml")
    sources = '["a VARIETY of   symptoms are brought on by lupus", "Lupus is caused by cheese"]'
    write("01-hard.md", body=BODY, sources=sources)
    write("02-easy.md", command="easy")
    write("03-broken.md", raw="---\ntitle: [unclosed\n---\nText.\n")
    index, _ = build(project / "report")
    return index.parent


def test_premise_sentences_are_hard_and_very_hard() -> None:
    assert len(words(HARD)) >= 14 and 10 <= ari(HARD) < 14
    assert len(words(VERY_HARD)) >= 14 and ari(VERY_HARD) >= 14


def test_pages_are_written(site: Path) -> None:
    names = sorted(p.name for p in site.iterdir())
    assert names == ["file-01-hard.md.html", "file-02-easy.md.html", "index.html", "source.html"]


def test_self_contained_no_script_no_external_resources(site: Path) -> None:
    for page in site.iterdir():
        html = page.read_text("utf-8")
        assert "<script" not in html.lower(), page.name
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page.name
        assert "@import" not in html and "url(" not in html, page.name


def test_content_is_escaped(site: Path) -> None:
    html = (site / "file-01-hard.md.html").read_text("utf-8")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_hard_and_very_hard_sentences_are_shaded(site: Path) -> None:
    html = (site / "file-01-hard.md.html").read_text("utf-8")
    hard = re.search(r'<span class="s hard" title="([^"]*)">(.*?)</span>', html)
    assert hard is not None and unescape(hard.group(2)) == HARD
    assert "16 words" in hard.group(1)
    # The very hard sentence wraps onto the next line: one shaded span per line.
    very = re.findall(r'<span class="s very-hard" title="[^"]*">(.*?)</span>', html)
    assert [unescape(v) for v in very] == [VERY_HARD]
    # Short sentences are never shaded.
    assert '<span class="s hard" title="[^"]*">Some days' not in html


def test_easy_file_has_no_shading(site: Path) -> None:
    html = (site / "file-02-easy.md.html").read_text("utf-8")
    assert 'class="s hard"' not in html.split("</p>", 3)[-1]
    assert "very-hard" not in html.split('<table class="lines">', 1)[1]


def test_jargon_has_plain_alternative(site: Path) -> None:
    html = (site / "file-01-hard.md.html").read_text("utf-8")
    mark = re.search(r'<span class="jargon unexplained" title="([^"]*)">remission</span>', html)
    assert mark is not None
    assert "the illness calms down and stays quiet" in unescape(mark.group(1))
    assert '<span class="note">→ the illness calms down and stays quiet</span>' in html


def test_findings_sit_beside_their_line(site: Path) -> None:
    html = (site / "file-01-hard.md.html").read_text("utf-8")
    line = next(
        i
        for i, text in enumerate(Path("content/01-hard.md").read_text().split("\n"), 1)
        if text.startswith("Researchers")
    )
    row = re.search(rf'<tr id="L{line}"[^>]*>(.*?)</tr>', html, re.S)
    assert row is not None
    assert "very-hard-sentence" in row.group(1)
    assert f'<a href="#L{line}">{line}</a>' in row.group(1)


def test_quotes_link_to_anchored_highlighted_passages(site: Path) -> None:
    page = (site / "file-01-hard.md.html").read_text("utf-8")
    links = re.findall(r'<a href="source\.html#(q[\d-]+)">', page)
    assert links == ["q0-0"]
    assert "not found in the article" in page
    source = (site / "source.html").read_text("utf-8")
    anchor = source.index('<a class="anchor" id="q0-0"></a>')
    # 02-easy quotes the same passage: one mark carries both quotes' classes.
    passage = re.compile(r'<mark class="quote q0-0 q1-0" title="quoted by ([^"]*)">(.*?)</mark>')
    found = passage.search(source, anchor)
    assert found is not None
    assert found.group(2) == QUOTE
    assert found.group(1) == "content/01-hard.md, content/02-easy.md"
    # Following the link lights the passage up, without a script.
    assert "#q0-0:target ~ mark.q0-0" in source
    assert "Lupus is caused by cheese" in source  # listed as missing


def test_overview_lists_every_file(site: Path) -> None:
    html = (site / "index.html").read_text("utf-8")
    assert '<a href="file-01-hard.md.html">content/01-hard.md</a>' in html
    assert '<a href="file-02-easy.md.html">content/02-easy.md</a>' in html
    broken = re.search(r'<tr class="broken" data-path="content/03-broken.md">(.*?)</tr>', html)
    assert broken is not None and "not valid YAML" in broken.group(1)
    assert html.count('class="target"') == 4  # grade and SMOG for each scored file


def test_normalised_offsets_match_normalise_quote() -> None:
    text = "  He said “Hello\u00a0 World” — and\n\nleft…"
    flat, origin = normalised_with_offsets(text)
    assert flat.strip() == normalise_quote(text)
    at = flat.index("hello world")
    assert text[origin[at] : origin[at + len("hello world") - 1] + 1] == "Hello\u00a0 World"


def test_keep_docs_is_optional(project: Path, write: WriteFile) -> None:
    write("01.md")
    write("02.md", raw="")
    files, config, seeds = prepare([Path("content")])
    plain = lint_loaded(files, config, seeds)
    docs: list[LintDoc] = []
    kept = lint_loaded(files, config, seeds, docs)
    assert [d.path.name for d in docs] == ["01.md"]
    assert kept.findings == plain.findings


def test_cli_html_keeps_output_and_exit_code(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "--format", "json"]) == 1
    plain = capsys.readouterr().out
    out = site.parent / "cli-report"
    assert main(["lint", "--format", "json", "--html", str(out)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(plain)
    assert f"{out / 'index.html'}" in captured.err
    assert (out / "index.html").is_file()


def test_cli_html_unwritable(project: Path, write: WriteFile) -> None:
    write("01.md")
    (project / "taken").write_text("a file, not a folder")
    assert main(["lint", "--html", str(project / "taken")]) == 2


@pytest.mark.browser
def test_in_browser(site: Path) -> None:
    """Chromium renders the pages: every grade, the shading, no script element."""
    chromium = require_chromium()
    files, config, seeds = prepare([Path("content")])
    report = lint_loaded(files, config, seeds)
    index_dom = dump_dom(chromium, site / "index.html")
    for file in report.files:
        row = re.search(
            rf'<tr[^>]*data-path="{re.escape(str(file.path))}"[^>]*>(.*?)</tr>', index_dom, re.S
        )
        assert row is not None, file.path
        if file.metrics:
            grade = f"{float(file.metrics['flesch_kincaid_grade']):.1f}"
            assert re.search(rf'data-metric="grade"[^>]*>{re.escape(grade)}<', row.group(1))
        else:
            assert "not valid YAML" in row.group(1)
    page_dom = dump_dom(chromium, site / "file-01-hard.md.html")
    assert "<script" not in page_dom
    shaded = re.search(r'<span class="s hard" title="[^"]*">(.*?)</span>', page_dom)
    assert shaded is not None and unescape(shaded.group(1)) == HARD
    assert re.search(r'<span class="s very-hard"[^>]*>Researchers', page_dom)

    for name, page in (
        ("report-index.png", "index.html"),
        ("report-file.png", "file-01-hard.md.html"),
    ):
        png = screenshot(chromium, site / page, ARTIFACTS / name)
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 10_000, f"{png} is only {len(data)} bytes"


CONFIG = load_config(ROOT / "content" / "lint.yml", ROOT / "content")
SEEDS = load_seeds(ROOT / "seeds")
pieces = st.sampled_from(
    [
        "ab ",
        "cd. ",
        "\n",
        "\n\n",
        "- ",
        "# ",
        "> ",
        "**",
        "*",
        "_",
        "`",
        "[x](https://a.org)",
        "<https://b.org>",
        "<script>",
        "&amp;",
        '"',
        "’",
        "\t",
        "\r\n",
        "```\n",
        "remission ",
        "immune system ",
        "CAR-T ",
        "autoantibodies. ",
        "Researchers carefully measured several important laboratory results ",
        "1.5 million ",
        "Dr. Schett ",
        "é😀",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(pieces, max_size=40).map("".join), quote=st.sampled_from(["", QUOTE, "x"]))
def test_pages_keep_every_character(
    tmp_path_factory: pytest.TempPathFactory, body: str, quote: str
) -> None:
    """Whatever the text, each line of a file page shows exactly the file's line."""
    folder = tmp_path_factory.mktemp("c")
    path = folder / "x.md"
    meta = {"title": "<b>T</b>", "command": "x", "sources": [quote]}
    path.write_text("---\n" + yaml.safe_dump(meta) + "---\n" + body, encoding="utf-8")
    docs: list[LintDoc] = []
    report = lint_loaded([path], CONFIG, SEEDS, docs)
    write_report(report, docs, CONFIG, SEEDS, folder / "out")
    html = (folder / "out" / "file-x.md.html").read_text("utf-8")
    assert "<script" not in html and "<b>T" not in html
    shown = re.findall(r'<tr id="L(\d+)"[^>]*>.*?<td class="text">(.*?)</td>', html)
    text = path.read_text("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for number, cell in shown:
        visible = unescape(
            re.sub(r"<[^>]+>", "", re.sub(r'<span class="note">.*?</span>', "", cell))
        )
        assert visible == lines[int(number) - 1]
