"""The content linter: each rule on texts of known difficulty, the CLI, and the formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.lint import Finding, lint_paths

from .conftest import EASY_BODY, ROOT, SEED, WriteFile, front_matter


def findings(path: Path | None = None, rule: str | None = None) -> list[Finding]:
    report = lint_paths([path or Path("content")])
    return [f for f in report.findings if rule is None or f.rule == rule]


def rules_of(path: Path | None = None) -> set[str]:
    return {f.rule for f in findings(path)}


def test_easy_file_has_no_errors(write: WriteFile) -> None:
    write("easy.md")
    report = lint_paths([Path("content")])
    assert report.errors == 0, [f for f in report.findings if f.severity == "error"]
    metrics = report.files[0].metrics
    assert metrics["flesch_kincaid_grade"] < 3
    assert metrics["smog_index"] < 7


def test_seed_article_as_body_fails_reading_level(write: WriteFile) -> None:
    article = SEED.read_text(encoding="utf-8")
    write("article.md", body=article)
    hits = findings(rule="reading-level")
    assert hits and all(f.severity == "error" for f in hits)
    report = lint_paths([Path("content")])
    assert report.files[0].metrics["flesch_kincaid_grade"] > 10


def test_hard_sentences_point_at_line_and_column(write: WriteFile) -> None:
    body = (
        EASY_BODY + "\nThe investigational immunotherapy demonstrated considerable improvement "
        "in multiorgan manifestations among participants with refractory disease.\n"
    )
    path = write("hard.md", body=body)
    hits = findings(rule="very-hard-sentence")
    assert len(hits) == 1
    text = path.read_text().splitlines()
    assert text[hits[0].line - 1].startswith("The investigational")
    assert hits[0].column == 1


def test_short_sentences_are_never_hard(write: WriteFile) -> None:
    write("short.md", body=EASY_BODY + "\nImmunotherapy demonstrated considerable improvement.\n")
    assert not findings(rule="very-hard-sentence") and not findings(rule="hard-sentence")


def test_long_easy_sentence_is_flagged(write: WriteFile) -> None:
    long = " ".join(["and we go on"] * 7) + "."
    write("long.md", body=EASY_BODY + "\n" + long.capitalize() + "\n")
    assert findings(rule="long-sentence")


def test_call_to_action_and_care_team_are_required(write: WriteFile) -> None:
    body = "Lupus is an illness. Your body fights its own skin and joints.\n"
    write("no_action.md", body=body)
    assert {"call-to-action", "care-team"} <= {f.rule for f in findings() if f.severity == "error"}


def test_next_step_must_come_last(write: WriteFile) -> None:
    body = (
        "Lupus is an illness. Talk to your care team.\n\n"
        "Your body fights its own skin and joints.\n"
    )
    write("order.md", body=body)
    hits = findings(rule="call-to-action")
    assert [f.severity for f in hits] == ["warning"]


def test_passive_voice_share(write: WriteFile) -> None:
    body = (
        "Lupus is caused by many things. The skin is hurt. The joints are hit.\n\n"
        "Talk to your care team.\n"
    )
    write("passive.md", body=body)
    assert len(findings(rule="passive-voice")) == 3


def test_main_message_first(write: WriteFile) -> None:
    write("list_first.md", body="- one thing\n- two things\n\n" + EASY_BODY)
    assert findings(rule="main-message-first")


def test_long_paragraph(write: WriteFile) -> None:
    para = " ".join(["It is hard."] * 6)
    write("para.md", body=para + "\n\n" + EASY_BODY)
    assert findings(rule="paragraph-length")


def test_acronym_spelled_out_or_explained(write: WriteFile) -> None:
    write("a.md", body="It targets CD19 on cells.\n\n" + EASY_BODY, command="a1")
    write("b.md", body="It targets a protein called CD19.\n\n" + EASY_BODY, command="b1")
    hits = findings(rule="acronym")
    assert [f.path.name for f in hits] == ["a.md"]
    assert hits[0].column == 12


def test_rare_word_flagged_once(write: WriteFile) -> None:
    write("rare.md", body="Cells proliferate fast. They proliferate more.\n\n" + EASY_BODY)
    hits = findings(rule="rare-word")
    assert [h.message for h in hits] == ["“proliferate” is an uncommon word"]


def test_jargon_flagged_unless_explained(project: Path, write: WriteFile) -> None:
    (project / "content" / "jargon.yml").write_text("remission: the illness calms down\n")
    write("bad.md", body="You may go into remission.\n\n" + EASY_BODY, command="bad")
    write(
        "good.md",
        body="You may go into remission (the illness calms down).\n\n" + EASY_BODY,
        command="good",
    )
    hits = findings(rule="jargon")
    assert [f.path.name for f in hits] == ["bad.md"]
    assert "the illness calms down" in hits[0].hint
    assert hits[0].severity == "error"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"command": "Side-Effects"}, "not a valid Telegram command"),
        ({"command": "x" * 33}, "not a valid Telegram command"),
        ({"command": "start"}, "used by the bot itself"),
        ({"title": "<omit>"}, "'title' is missing"),
        ({"sources": "<omit>"}, "'sources' is missing"),
        ({"order": "first"}, "'order' must be a whole number"),
        ({"summary": "x" * 200}, "summary of 200 characters"),
    ],
)
def test_structure(write: WriteFile, fields: dict[str, str], message: str) -> None:
    write("s.md", **fields)
    assert any(message in f.message and f.severity == "error" for f in findings()), findings()


def test_duplicate_commands_across_files(write: WriteFile) -> None:
    write("a.md", command="same")
    write("b.md", command="same")
    hits = findings(rule="command")
    assert len(hits) == 1 and hits[0].path.name == "b.md" and "a.md" in hits[0].message


def test_unknown_field_is_a_warning(write: WriteFile) -> None:
    write("typo.md", sumary="oops")
    hits = [f for f in findings(rule="front-matter") if "sumary" in f.message]
    assert hits and hits[0].severity == "warning" and hits[0].line == 8


def test_provenance_names_the_missing_quote(write: WriteFile) -> None:
    path = write(
        "p.md",
        sources='["A variety of symptoms are brought on by lupus", "CAR-T cures everyone"]',
    )
    hits = findings(rule="provenance")
    assert len(hits) == 1 and "CAR-T cures everyone" in hits[0].message
    assert "CAR-T cures everyone" in path.read_text().splitlines()[hits[0].line - 1]


def test_provenance_normalises_quotes_and_whitespace(write: WriteFile) -> None:
    quote = "The therapy employs your body's own T-cells   as a starting point"
    write("q.md", sources=f'["{quote}"]')
    assert not findings(rule="provenance")


def test_empty_sources_is_an_error(write: WriteFile) -> None:
    write("e.md", sources="[]")
    assert any(f.severity == "error" for f in findings(rule="front-matter"))


def test_numbers_must_come_from_the_sources(write: WriteFile) -> None:
    write(
        "n.md",
        body="Five people took part. About 7 got better.\n\n" + EASY_BODY,
        sources='["Five patients with severe lupus"]',
    )
    hits = findings(rule="unsourced-number")
    assert [h.message for h in hits] == [
        "the number “7” is not in any of this file's source quotes"
    ]


@pytest.mark.parametrize(
    "href",
    ["http://www.lupus.org", "www.lupus.org", "https://nodot", "javascript:alert(1)"],
)
def test_links_must_be_https_and_well_formed(write: WriteFile, href: str) -> None:
    write("l.md", body=f"Read [more]({href}).\n\n" + EASY_BODY)
    assert findings(rule="link")


def test_good_link_passes(write: WriteFile) -> None:
    write("l.md", body="Read [more](https://www.lupus.org/resources).\n\n" + EASY_BODY)
    assert not findings(rule="link")


def test_unsupported_markdown_is_a_warning(write: WriteFile) -> None:
    write("m.md", body=EASY_BODY + "\n| a | b |\n\n![x](https://a.org/x.png)\n")
    hits = findings(rule="markdown")
    assert len(hits) == 2 and all(h.severity == "warning" for h in hits)


def test_html_in_content_is_escaped_not_rejected(write: WriteFile) -> None:
    write("h.md", body="Use <b>x</b> & <script>alert(1)</script> here.\n\n" + EASY_BODY)
    assert not findings(rule="message")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"---\ntitle: caf\xe9\n---\nbody\n", "not valid UTF-8"),
        ("Just text, no front matter.\n", "no front matter"),
        ("---\ntitle: [unclosed\n---\nbody\n", "not valid YAML"),
        ("---\ntitle: x\n", "never closed"),
        ("---\n- a list\n---\nbody\n", "'field: value'"),
    ],
)
def test_broken_files_are_findings_and_others_still_linted(
    write: WriteFile, raw: str | bytes, message: str
) -> None:
    write("good.md")
    write("broken.md", raw=raw)
    report = lint_paths([Path("content")])
    broken = [f for f in report.findings if f.path.name == "broken.md"]
    assert len(broken) == 1 and broken[0].rule == "file" and message in broken[0].message
    good = next(r for r in report.files if r.path.name == "good.md")
    assert good.metrics and good.errors == 0


def test_config_overrides_thresholds(project: Path, write: WriteFile) -> None:
    write("easy.md")
    (project / "content" / "lint.yml").write_text(
        "reading_level:\n  max_flesch_kincaid_grade: -5\nseverity:\n  rare-word: 'off'\n"
    )
    assert findings(rule="reading-level")


def test_bad_config_is_reported_and_defaults_kept(project: Path, write: WriteFile) -> None:
    write("easy.md")
    (project / "content" / "lint.yml").write_text(
        "reading_level:\n  max_flesch_kincaid_grade: high\nnot_a_setting: 1\n"
    )
    report = lint_paths([Path("content")])
    config = [f for f in report.findings if f.rule == "config"]
    assert {"'reading_level.max_flesch_kincaid_grade' must be a number, not text"} <= {
        f.message for f in config
    }
    assert any("not_a_setting" in f.message for f in config)
    assert not [f for f in report.findings if f.rule == "reading-level"]


def test_cli_exit_codes_and_text_format(
    write: WriteFile, capsys: pytest.CaptureFixture[str]
) -> None:
    write("easy.md")
    assert main(["lint"]) == 0
    write("bad.md", command="Bad Command")
    assert main(["lint", "content"]) == 1
    out = capsys.readouterr().out
    assert "content/bad.md:3:1: error command: 'Bad Command' is not a valid Telegram command" in out


def test_cli_missing_path_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "no/such/place"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: no/such/place: no such file or folder"


def test_cli_without_seeds_is_exit_2(project: Path, write: WriteFile) -> None:
    write("easy.md")
    assert main(["lint", "--seeds", "nowhere"]) == 2


def test_json_format(write: WriteFile, capsys: pytest.CaptureFixture[str]) -> None:
    write("easy.md")
    write("bad.md", command="start")
    assert main(["lint", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["files"] == 2 and data["summary"]["errors"] >= 1
    for file in data["files"]:
        assert {"flesch_kincaid_grade", "smog_index"} <= set(file["metrics"])
        for f in file["findings"]:
            assert {"rule", "severity", "line", "column", "message"} <= set(f)


def test_github_format(write: WriteFile, capsys: pytest.CaptureFixture[str]) -> None:
    write("bad.md", command="start")
    assert main(["lint", "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert "::error file=content/bad.md,line=3,col=1,title=command::/start is used" in out


@pytest.mark.slow
def test_cli_runs_as_module_without_traceback(project: Path) -> None:
    (project / "content" / "x.md").write_bytes(b"\xff\xfe\x00garbage")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lint"],
        capture_output=True,
        text=True,
        cwd=project,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "content/x.md:1:1: error file:" in result.stdout


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--list-rules"]) == 0
    out = capsys.readouterr().out
    for rule in ("reading-level", "hard-sentence", "jargon", "provenance", "link"):
        assert rule in out


def test_front_matter_helper_round_trips() -> None:
    assert front_matter().startswith("---\ntitle:")


def test_jargon_inside_a_hyphenated_name_is_not_the_jargon(project: Path, write: WriteFile) -> None:
    (project / "content" / "jargon.yml").write_text("t cells: white blood cells\n")
    write("c.md", body="Your CAR-T cells multiply.\n\n" + EASY_BODY)
    assert not findings(rule="jargon")
    write("d.md", body="Your T cells multiply.\n\n" + EASY_BODY, command="d")
    assert [f.path.name for f in findings(rule="jargon")] == ["d.md"]


def test_personal_advice_is_an_error(write: WriteFile) -> None:
    write("adv.md", body="You should take 20 mg a day.\n\n" + EASY_BODY)
    hits = findings(rule="personal-advice")
    assert hits and hits[0].severity == "error" and hits[0].line == 9


def test_title_summary_examples_and_body_limits(write: WriteFile) -> None:
    write(
        "limits.md",
        title="A title that is far too long to fit on a menu button, really",
        summary="One sentence. And another one.",
        examples="[just one]",
        body=("Talk to your care team. " * 60) + "\n",
    )
    by_rule = {f.rule: f for f in findings()}
    assert by_rule["title"].severity == "error"
    assert by_rule["summary"].severity == "warning"
    assert by_rule["examples"].severity == "warning"
    assert by_rule["body-length"].severity == "error"


def test_empty_body_is_an_error(write: WriteFile) -> None:
    write("empty_body.md", body="\n")
    assert any(f.message == "the explainer has no text" for f in findings(rule="body-length"))
