"""Lint a set of paths: load each file, run every rule, never stop on one bad file."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.lint.config import LintConfig, find_config, load_config
from bot.lint.document import Context, LintDoc, Seeds, Topics, analyse, topic_of
from bot.lint.findings import FileReport, Finding, LintReport
from bot.lint.rules import RULES
from bot.text.content import (
    DEFAULT_LANGUAGE,
    ContentProblem,
    Explainer,
    content_root,
    content_tree,
    load_file,
)


class UsageError(Exception):
    """A problem with how the linter was called (exit code 2), not with the content."""


def collect_files(paths: Sequence[Path]) -> list[Path]:
    """The explainer files of ``paths``: a folder's own ``*.md`` and those of its language
    folders (``content/es/``, see ``content_tree``); a file as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(content_tree(path))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise UsageError(f"{path}: not a file or folder")
        else:
            raise UsageError(f"{path}: no such file or folder")
    return files


def load_seeds(folder: Path) -> Seeds:
    if not folder.is_dir():
        raise UsageError(
            f"{folder}: seeds folder not found (run from the project folder or pass --seeds)"
        )
    texts: dict[Path, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            texts[path] = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"{path}: cannot read the source article: {err}") from err
    if not texts:
        raise UsageError(f"{folder}: the seeds folder has no files")
    return Seeds(texts)


def problem_finding(problem: ContentProblem) -> Finding:
    return Finding(
        "file", "error", problem.path, problem.line, problem.column, problem.message, problem.hint
    )


def lint_explainer(explainer: Explainer, context: Context) -> tuple[LintDoc, list[Finding]]:
    """Every rule on one parsed file, with the settings of its language."""
    context = context.for_language(explainer.language)
    doc = analyse(explainer, context.config)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.run(doc, context))
    findings.sort(key=lambda f: (f.line, f.column, f.rule))
    return doc, findings


def metrics_of(doc: LintDoc) -> dict[str, float | int]:
    """The file's scores (the formulas of its language) and its size."""
    return {
        **{name: round(score, 2) for name, score in doc.scores.items()},
        "words": doc.plain.word_count,
        "sentences": len(doc.plain.sentences),
    }


def config_folder(paths: Sequence[Path]) -> Path:
    """Where settings and the jargon list are looked for when no lint.yml is given: the
    content folder (for ``content/es`` or a file in it, ``content``)."""
    first = paths[0] if paths else Path("content")
    return content_root(first)


def index_topics(loaded: Sequence[Explainer | ContentProblem]) -> Topics:
    """The topics of the files linted, and of the other files of their content folders
    (read from disk, not linted), for the rules that compare languages."""
    topics = Topics()
    roots: dict[Path, None] = {}
    for item in loaded:
        if isinstance(item, Explainer):
            root = content_root(item.path)
            roots.setdefault(root)
            topics.add(root, topic_of(item))
    known = {item.path for item in loaded}
    for root in roots:
        try:
            others = [p for p in content_tree(root) if p not in known]
        except OSError:
            continue
        for path in others:
            other = load_file(path)
            if isinstance(other, Explainer):
                topics.add(root, topic_of(other))
    return topics


def lint_paths(
    paths: Sequence[Path],
    *,
    config_path: Path | None = None,
    seeds_dir: Path | None = None,
    corpus_checks: Sequence[CorpusCheck] = (),
) -> LintReport:
    """Lint files and folders; raises UsageError only for problems with the call itself."""
    files, config, seeds = prepare(paths, config_path=config_path, seeds_dir=seeds_dir)
    return lint_loaded(files, config, seeds, corpus_checks=corpus_checks)


def prepare(
    paths: Sequence[Path],
    *,
    config_path: Path | None = None,
    seeds_dir: Path | None = None,
) -> tuple[list[Path], LintConfig, Seeds]:
    """The files, settings and sources a lint of ``paths`` uses, for callers that need them
    beside the report (the HTML report, the watcher); raises UsageError like lint_paths."""
    files = collect_files(paths)
    if config_path is not None and not config_path.is_file():
        raise UsageError(f"{config_path}: settings file not found")
    config = load_config(config_path or find_config(list(paths)), config_folder(paths))
    seeds = load_seeds(seeds_dir or Path(str(config.data["seeds_dir"])))
    return files, config, seeds


#: A check across the whole content folder (the routing data, say), handed in by a layer
#: above the linter: it gets the explainers that loaded and the folder, returns findings.
CorpusCheck = Callable[[Sequence[Explainer], Path], Iterable[Finding]]


def lint_loaded(
    files: Sequence[Path],
    config: LintConfig,
    seeds: Seeds,
    keep_docs: list[LintDoc] | None = None,
    corpus_checks: Sequence[CorpusCheck] = (),
) -> LintReport:
    """Lint already-collected files; each analysed file is appended to ``keep_docs`` when
    given (the HTML report shows sentences and positions the report itself does not keep).

    The cyclic GC is held back meanwhile, as mypy does: parsing allocates many small objects
    and no cycles, and the collector's repeated passes over them cost more than the lint
    itself on a large folder."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        report = _lint_loaded(files, config, seeds, keep_docs)
    finally:
        gc.set_threshold(*thresholds)
    if corpus_checks:
        _run_corpus_checks(report, files, corpus_checks)
    return report


def _run_corpus_checks(
    report: LintReport, files: Sequence[Path], checks: Sequence[CorpusCheck]
) -> None:
    """Add the corpus checks' findings to the files they are about, per folder."""
    by_folder: dict[Path, list[Explainer]] = {}
    for path in files:
        loaded = load_file(path)
        if isinstance(loaded, Explainer):
            by_folder.setdefault(data_folder(loaded), []).append(loaded)
    reports = {r.path: r for r in report.files}
    for folder, explainers in by_folder.items():
        for check in checks:
            for finding in check(explainers, folder):
                target = reports.get(finding.path)
                if target is None:
                    target = reports[finding.path] = FileReport(finding.path)
                    report.files.append(target)
                target.findings.append(finding)


def data_folder(explainer: Explainer) -> Path:
    """The folder with the data files of an explainer's language: the content folder for
    English, its language folder (``content/es``) for another language."""
    root = content_root(explainer.path)
    if explainer.language == DEFAULT_LANGUAGE:
        return root
    return root / explainer.language


def _lint_loaded(
    files: Sequence[Path], config: LintConfig, seeds: Seeds, keep_docs: list[LintDoc] | None
) -> LintReport:
    context = Context(config, seeds)
    report = LintReport()
    if config.problems:
        by_path: dict[Path, FileReport] = {}
        for finding in config.problems:
            by_path.setdefault(finding.path, FileReport(finding.path)).findings.append(finding)
        report.files.extend(by_path.values())
    loaded: list[Explainer | ContentProblem] = [load_file(path) for path in files]
    context.topics = index_topics(loaded)
    for item in loaded:
        if isinstance(item, Explainer) and item.command:
            context.commands.setdefault(item.command, item.path)
    for item in loaded:
        if isinstance(item, ContentProblem):
            report.files.append(FileReport(item.path, {}, [problem_finding(item)]))
            continue
        doc, findings = lint_explainer(item, context)
        if keep_docs is not None:
            keep_docs.append(doc)
        report.files.append(FileReport(item.path, metrics_of(doc), findings, item.language))
    return report
