"""The linter in Spanish: language by folder or front matter, Spanish rules, translations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.lint import Finding, lint_paths
from bot.lint.config import load_config
from bot.lint.rules.provenance import NumberReading, mentions, number_reading
from bot.lint.runner import collect_files
from bot.lint.watch import diff_reports
from bot.text.content import Explainer, content_root, content_tree, load_file
from tests.conftest import EASY_BODY, front_matter

ES_BODY = """\
El lupus es una enfermedad. El cuerpo ataca su propia piel y sus articulaciones.
También puede dañar los riñones.

No es igual en cada persona. Hay días buenos. Hay días malos.

Hable con su equipo médico sobre cómo se siente. Pregúntele qué puede hacer hoy.
"""

ES_FIELDS = {
    "title": "¿Qué es el lupus?",
    "command": "que_es_el_lupus",
    "translates": "what_is_lupus",
    "summary": "El lupus es una enfermedad en la que el cuerpo ataca su propia piel.",
    "examples": "[qué es el lupus, qué hace el lupus, el lupus es grave]",
}


def spanish(project: Path, body: str = ES_BODY, name: str = "example.md", **fields: str) -> Path:
    """A Spanish file in content/es/, beside the English topic it translates."""
    english = project / "content" / "english.md"
    if not english.exists():
        english.write_text(front_matter() + EASY_BODY, encoding="utf-8")
    folder = project / "content" / "es"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(front_matter(**{**ES_FIELDS, **fields}) + body, encoding="utf-8")
    return path


def lint(project: Path) -> list[Finding]:
    return lint_paths([project / "content"]).findings


def rules(found: list[Finding], path: Path | None = None) -> set[str]:
    return {f.rule for f in found if path is None or f.path == path}


def test_a_spanish_file_passes_the_spanish_rules(project: Path) -> None:
    path = spanish(project)
    report = lint_paths([project / "content"])
    assert not report.findings, report.findings
    mine = next(f for f in report.files if f.path == path)
    assert mine.language == "es"
    assert {"fernandez_huerta", "szigriszt_pazos"} <= set(mine.metrics)
    assert "flesch_kincaid_grade" not in mine.metrics
    assert mine.metrics["fernandez_huerta"] >= 70


def test_below_fernandez_huerta_70_fails_with_the_spanish_scores(project: Path) -> None:
    body = (
        "El lupus eritematoso es una enfermedad autoinmunitaria caracterizada por una "
        "inflamación generalizada que compromete simultáneamente numerosos sistemas "
        "orgánicos. Las inmunoterapias experimentales demostraron mejorías considerables.\n\n"
        "Hable con su equipo médico sobre cómo se siente.\n"
    )
    path = spanish(project, body)
    messages = [f.message for f in lint(project) if f.rule == "reading-level"]
    assert any(m.startswith("Fernández-Huerta") and "is below 70" in m for m in messages)
    assert any(m.startswith("INFLESZ") and "is below 65 (bastante fácil)" in m for m in messages)
    assert not any("Flesch-Kincaid" in m or "SMOG" in m for m in messages)
    found = [f for f in lint(project) if f.rule == "reading-level" and f.path == path]
    assert "syllables or more here" in found[0].hint


def test_the_thresholds_are_data_per_language(project: Path) -> None:
    spanish(project)
    (project / "content" / "lint.yml").write_text(
        "languages:\n  es:\n    reading_level:\n      min_fernandez_huerta: 99\n", encoding="utf-8"
    )
    found = [f.message for f in lint(project) if f.rule == "reading-level"]
    assert len(found) == 1 and "is below 99" in found[0]


def test_tu_forms_warn_and_usted_does_not(project: Path) -> None:
    body = ES_BODY.replace("Hable con su equipo", "Habla con tu equipo").replace(
        "cómo se siente", "cómo te sientes"
    )
    body += "\nEstas medicinas son nuevas. ¿Tienes preguntas? Pregúntele a su médico.\n"
    path = spanish(project, body)
    found = [f for f in lint(project) if f.rule == "formal-address"]
    assert {f.severity for f in found} == {"warning"}
    forms = sorted(f.message.split("”")[0].lstrip("“") for f in found)
    assert forms == ["Habla con tu", "Tienes", "sientes", "te"]
    assert all(f.path == path for f in found)
    hint = next(f.hint for f in found if "Habla con tu" in f.message)
    assert "hable con su" in hint
    # "estas" (these) is not "estás" (you are): accents matter.
    assert not any("Estas" in f.message.split(":")[0] for f in found)


def test_tu_in_the_title_or_summary_warns(project: Path) -> None:
    spanish(project, summary="El lupus es una enfermedad en la que tu cuerpo ataca tu piel.")
    found = [f for f in lint(project) if f.rule == "formal-address"]
    assert len(found) == 1 and found[0].line == 5 and found[0].column == 1


def test_the_care_team_is_required_in_spanish(project: Path) -> None:
    body = ES_BODY.replace(
        "Hable con su equipo médico sobre cómo se siente.", "Anote cómo se siente."
    )
    spanish(project, body)
    found = [f for f in lint(project) if f.rule == "care-team"]
    assert len(found) == 1 and found[0].severity == "error"
    assert "equipo médico" in found[0].message
    assert "Pregunte a su equipo médico" in found[0].hint


@pytest.mark.parametrize("phrase", ["su médico", "su equipo de atención", "su equipo medico"])
def test_accepted_care_team_phrases(project: Path, phrase: str) -> None:
    spanish(project, ES_BODY.replace("su equipo médico", phrase))
    assert "care-team" not in rules(lint(project))


def test_spanish_numbers_match_the_english_quotes(project: Path) -> None:
    body = ES_BODY.replace(
        "Hay días malos.",
        "Hay días malos. En Estados Unidos viven con lupus unos 1,5 millones de personas. "
        "Un estudio con cinco personas salió el 15 de septiembre.",
    )
    sources = (
        '["the 1.5 million people who live with it in the United States", '
        '"Five patients with severe lupus", '
        '"The research was released on September 15 in the magazine Nature Medicine."]'
    )
    spanish(project, body, sources=sources)
    assert "unsourced-number" not in rules(lint(project))


def test_a_spanish_number_no_quote_backs_is_an_error(project: Path) -> None:
    body = ES_BODY.replace("Hay días malos.", "Hay días malos. Unos 2,5 millones tienen lupus.")
    spanish(project, body, sources='["the 1.5 million people who live with it"]')
    found = [f for f in lint(project) if f.rule == "unsourced-number"]
    assert [f.message for f in found] == [
        "the number “2,5 millones” is not in any of this file's source quotes"
    ]


def test_spanish_number_readings() -> None:
    settings = load_config(None, Path("content"))
    es = settings.for_language("es")
    en = settings.for_language("en")
    assert es is not None and en is not None
    spanish_reading, english_reading = number_reading(es), number_reading(en)

    def values(text: str, reading: NumberReading = spanish_reading) -> list[set[str]]:
        return [set(m.values) for m in mentions(text, reading)]

    assert values("1,5 millones") == [{"1500000"}]
    assert values("1.500.000") == [{"1500000"}]
    assert values("1.500") == [{"1500", "1.5"}]  # Spain's thousands, or Mexico's decimals
    assert values("dos mil personas") == [{"2000"}]
    assert values("el 20 % y el 30 por ciento") == [{"20"}, {"30"}]  # "ciento" is not 100
    assert values("la dosis") == []  # "dos" inside a word is no number
    assert values("CD19 y COVID-19") == []
    assert values("1.5 million", english_reading) == [{"1500000"}]
    assert values("1,000 people and 100-day", english_reading) == [{"1000"}, {"100"}]


def test_a_wrong_translates_is_an_error(project: Path) -> None:
    path = spanish(project, translates="what_is_lupa")
    found = [f for f in lint(project) if f.rule == "translation"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].path == path
    assert "'translates: what_is_lupa' names no English topic" in found[0].message
    assert "what_is_lupus" in found[0].hint


def test_two_spanish_files_of_one_topic(project: Path) -> None:
    spanish(project, name="a.md")
    second = spanish(project, name="b.md", command="otra")
    found = [f for f in lint(project) if f.rule == "translation"]
    assert [f.path for f in found] == [second]
    assert "already translates /what_is_lupus" in found[0].message


def test_translates_in_an_english_file_is_a_warning(project: Path) -> None:
    path = project / "content" / "a.md"
    path.write_text(front_matter(translates="what_is_lupus") + EASY_BODY, encoding="utf-8")
    found = [f for f in lint(project) if f.rule == "translation"]
    assert [(f.severity, f.path) for f in found] == [("warning", path)]


def test_parity_warns_both_ways(project: Path) -> None:
    spanish(project)
    other = project / "content" / "other.md"
    other.write_text(front_matter(command="other_topic") + EASY_BODY, encoding="utf-8")
    orphan = spanish(project, name="orphan.md", command="huerfano", translates="<omit>")
    found = [f for f in lint(project) if f.rule == "parity"]
    assert {f.severity for f in found} == {"warning"}
    by_path = {f.path: f.message for f in found}
    assert set(by_path) == {other, orphan}
    assert "/other_topic has no Spanish (es) version" in by_path[other]
    assert "translates no English topic" in by_path[orphan]


def test_no_parity_warning_without_a_second_language(project: Path) -> None:
    (project / "content" / "a.md").write_text(front_matter() + EASY_BODY, encoding="utf-8")
    assert not lint(project)


def test_lang_in_the_front_matter_makes_a_file_spanish_anywhere(project: Path) -> None:
    (project / "content" / "english.md").write_text(front_matter() + EASY_BODY, encoding="utf-8")
    path = project / "content" / "es-file.md"
    path.write_text(front_matter(lang="es", **ES_FIELDS) + ES_BODY, encoding="utf-8")
    loaded = load_file(path)
    assert isinstance(loaded, Explainer) and loaded.language == "es"
    report = lint_paths([project / "content"])
    assert not report.findings, report.findings
    assert next(f for f in report.files if f.path == path).language == "es"


def test_a_language_folder_is_any_folder_named_by_a_language_code(project: Path) -> None:
    spanish(project)
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "x.md").write_text("not content", encoding="utf-8")
    names = [
        p.relative_to(project / "content").as_posix() for p in collect_files([project / "content"])
    ]
    assert names == ["english.md", "es/example.md"]
    assert content_tree(project / "content") == collect_files([project / "content"])
    assert content_root(project / "content" / "es" / "example.md") == project / "content"


def test_a_language_without_settings_is_an_error_not_a_traceback(project: Path) -> None:
    (project / "content" / "english.md").write_text(front_matter() + EASY_BODY, encoding="utf-8")
    folder = project / "content" / "fr"
    folder.mkdir()
    path = folder / "a.md"
    path.write_text(front_matter(command="lupus_fr", translates="what_is_lupus") + EASY_BODY)
    found = [f for f in lint(project) if f.rule == "language"]
    assert [f.path for f in found] == [path]
    assert "no settings for the language “fr”" in found[0].message


def test_a_third_language_is_data_only(project: Path) -> None:
    (project / "content" / "english.md").write_text(front_matter() + EASY_BODY, encoding="utf-8")
    folder = project / "content" / "pt"
    folder.mkdir()
    body = (
        "O lúpus é uma doença. O corpo ataca a sua própria pele e as articulações.\n\n"
        "Não é igual para cada pessoa. Há dias bons. Há dias maus.\n\n"
        "Fale com a sua equipe médica sobre como se sente. Pergunte o que pode fazer hoje.\n"
    )
    (folder / "a.md").write_text(
        front_matter(command="o_que_e", translates="what_is_lupus", summary="O lúpus é uma doença.")
        + body,
        encoding="utf-8",
    )
    (project / "content" / "lint.yml").write_text(
        "languages:\n  pt:\n    language_name: Portuguese\n"
        "    reading_level: {formulas: [fernandez_huerta]}\n"
        "    style:\n      action_verbs: [fale, pergunte]\n"
        '      care_team_phrases: ["equipe médica"]\n'
        "      known_words: [lúpus]\n",
        encoding="utf-8",
    )
    found = lint(project)
    assert not {"language", "call-to-action", "care-team", "translation", "parity"} & rules(found)
    assert not [f for f in found if f.severity == "error"], found


@pytest.mark.parametrize(
    ("fields", "rule", "text"),
    [
        ({"lang": "español"}, "language", "is not a language code"),
        ({"lang": "[es]"}, "front-matter", "field 'lang' must be a language code"),
        ({"translates": "[symptoms]"}, "front-matter", "field 'translates' must be"),
        ({"lang": "en"}, "language", "is in the folder “es/”"),
    ],
)
def test_malformed_language_fields_are_findings(
    project: Path, fields: dict[str, str], rule: str, text: str
) -> None:
    path = spanish(project, **fields)
    found = [f for f in lint(project) if f.rule == rule and f.path == path]
    assert any(text in f.message for f in found), lint(project)
    assert all(f.line > 1 for f in found)


def test_bad_language_settings_are_config_findings(project: Path) -> None:
    spanish(project)
    (project / "content" / "lint.yml").write_text(
        "languages:\n  spanish: {}\n  es:\n    reading_level: {min_fernandez_huerta: alto}\n"
        "    style: {informal_forms: [tu]}\n    nope: 1\n",
        encoding="utf-8",
    )
    messages = {f.message for f in lint(project) if f.rule == "config"}
    assert "'languages.spanish' is not a language code" in messages
    assert (
        "'languages.es.reading_level.min_fernandez_huerta' must be a number, not text" in messages
    )
    assert "'languages.es.style.informal_forms' must be a mapping of word: text" in messages
    assert "unknown setting 'languages.es.nope'" in messages


def test_spanish_passive_but_not_the_se_passive(project: Path) -> None:
    body = ES_BODY.replace(
        "Hay días buenos. Hay días malos.",
        "El estudio fue publicado en septiembre. Los datos fueron revisados. "
        "Las pruebas han sido aprobadas. Se publicó en una revista.",
    )
    spanish(project, body)
    found = [f.message for f in lint(project) if f.rule == "passive-voice"]
    assert len(found) == 3
    assert not any("Se publicó" in m for m in found)


def test_spanish_jargon_comes_from_es_jargon_yml(project: Path) -> None:
    (project / "content" / "jargon.yml").write_text("cytokines: chemical signals\n")
    spanish(project, ES_BODY.replace("Hay días malos.", "Hay días malos. Suelta citocinas."))
    (project / "content" / "es" / "jargon.yml").write_text(
        "citocinas: señales químicas del cuerpo\n", encoding="utf-8"
    )
    found = [f for f in lint(project) if f.rule == "jargon"]
    assert len(found) == 1 and "señales químicas del cuerpo" in found[0].hint
    explained = "Suelta citocinas (señales químicas del cuerpo)."
    spanish(project, ES_BODY.replace("Hay días malos.", f"Hay días malos. {explained}"))
    assert "jargon" not in rules(lint(project))


def test_spanish_rare_words_and_acronyms(project: Path) -> None:
    body = ES_BODY.replace(
        "Hay días malos.", "Hay días malos. Es veleidoso. El LES daña los riñones. Llévelas."
    )
    spanish(project, body)
    found = lint(project)
    rare = [f.message for f in found if f.rule == "rare-word"]
    assert rare == ["“veleidoso” is an uncommon word"]  # "Llévelas" is "lleve" + "las"
    acronyms = [f for f in found if f.rule == "acronym"]
    assert len(acronyms) == 1 and "llamado LES" in acronyms[0].hint
    explained = ES_BODY.replace(
        "Hay días malos.", "Hay días malos. El LES (el tipo de lupus más común) daña los riñones."
    )
    spanish(project, explained)
    assert "acronym" not in rules(lint(project))


def test_a_spanish_file_may_keep_the_english_command_of_its_topic(project: Path) -> None:
    spanish(project, command="what_is_lupus")
    assert "command" not in rules(lint(project))
    other = project / "content" / "other.md"
    other.write_text(front_matter(command="other_topic") + EASY_BODY, encoding="utf-8")
    spanish(project, command="other_topic")
    found = [f for f in lint(project) if f.rule == "command"]
    assert len(found) == 1 and "already used" in found[0].message


def test_one_spanish_file_alone_still_knows_the_english_topics(project: Path) -> None:
    path = spanish(project)
    (project / "content" / "lint.yml").write_text(
        "languages:\n  es:\n    reading_level:\n      min_fernandez_huerta: 99\n", encoding="utf-8"
    )
    found = lint_paths([path]).findings
    assert not {"translation", "parity"} & rules(found)
    # lint.yml of the content folder applies to a file in its language folder.
    assert any("is below 99" in f.message for f in found if f.rule == "reading-level")


def test_cli_text_and_json_show_the_spanish_scores(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spanish(project)
    assert main(["lint", "content"]) == 0
    out = capsys.readouterr().out
    assert "content/es/example.md: Fernández-Huerta " in out and "INFLESZ " in out
    assert "(bastante fácil)" in out or "(muy fácil)" in out
    assert main(["lint", "--format", "json", "content"]) == 0
    data = json.loads(capsys.readouterr().out)
    files = {f["path"]: f for f in data["files"]}
    es = files["content/es/example.md"]
    assert es["language"] == "es"
    assert {"fernandez_huerta", "szigriszt_pazos", "words", "sentences"} == set(es["metrics"])
    assert {"flesch_kincaid_grade", "smog_index"} <= set(files["content/english.md"]["metrics"])


def test_watch_and_html_report_show_the_spanish_scores(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spanish(project)
    before = lint_paths([project / "content"])
    spanish(project, ES_BODY.replace("Hay días buenos.", "Hay días muy buenos para todos."))
    after = lint_paths([project / "content"])
    changed = [line for line in diff_reports(before, after) if "es/example.md" in line]
    assert changed and "Fernández-Huerta" in changed[0] and "->" in changed[0]
    assert main(["lint", "--html", "report", "content"]) == 0
    page = (project / "report" / "file-es-example.md.html").read_text(encoding="utf-8")
    assert "Fernández-Huerta (target at least 70)" in page
    index = (project / "report" / "index.html").read_text(encoding="utf-8")
    assert 'data-metric="INFLESZ"' in index and 'data-metric="grade"' in index
