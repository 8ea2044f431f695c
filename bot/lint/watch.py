"""``python -m bot lint --watch``: re-lint on every save and print only what changed.

An editor keeps a terminal open beside the text editor; after each save it shows the
findings that appeared (``+``), the ones that went away (``-``) and a file's new grade,
instead of the whole report again. Files are polled (modification time, size and inode
every half second) rather than watched through a new dependency: a content folder holds a
few dozen small files, polling them costs next to nothing, and it behaves the same on every
OS, editor (atomic saves by rename included) and network drive.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.lint.config import LintConfig, find_config
from bot.lint.document import LintDoc
from bot.lint.findings import FileReport, Finding, LintReport
from bot.lint.output import format_text
from bot.lint.report import write_report
from bot.lint.runner import CorpusCheck, UsageError, lint_loaded, prepare
from bot.lint.scores import describe_scores
from bot.text.content import content_tree, language_of_folder

Stamp = tuple[int, int, int] | None
Snapshot = dict[Path, Stamp]


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}"


def _key(finding: Finding) -> tuple[str, str, str, str]:
    # The position is left out: adding a line above a finding moves it, it does not change it.
    return (str(finding.path), finding.rule, finding.severity, finding.message)


def _grades(file: FileReport) -> str:
    """The file's scores: "grade 4.0, SMOG 5.7", or the Spanish ones for a Spanish file."""
    return describe_scores(file.metrics)


def diff_reports(old: LintReport, new: LintReport) -> list[str]:
    """Printable lines for what changed between two lints of the same paths.

    ``+ finding`` appeared, ``- finding`` was fixed (both as the text format writes them,
    with the new or old position), and a file line when a file's grade or SMOG changed,
    appeared or went away. Findings are matched by file, rule, severity and message, so a
    finding that only moved to another line is not reported."""
    lines: list[str] = []
    old_files = {f.path: f for f in old.files}
    new_files = {f.path: f for f in new.files}
    for path in [*old_files, *(p for p in new_files if p not in old_files)]:
        before, after = old_files.get(path), new_files.get(path)
        fixed, added = _unpaired(before.findings if before else [], after.findings if after else [])
        lines.extend(f"- {_location(f)}: {f.severity} {f.rule}: {f.message}" for f in fixed)
        for f in added:
            lines.append(f"+ {_location(f)}: {f.severity} {f.rule}: {f.message}")
            if f.hint:
                lines.append(f"      hint: {f.hint}")
        if after is None:
            lines.append(f"{path}: no longer linted")
        elif after.metrics and (before is None or not before.metrics):
            lines.append(f"{path}: {_grades(after)}")
        elif before is not None and before.metrics and after.metrics:
            was, now = _grades(before), _grades(after)
            if was != now:
                lines.append(f"{path}: {was} -> {now}")
    return lines


def _unpaired(old: list[Finding], new: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Old findings with no equal new one, and new ones with no equal old one.

    Equal findings at the same position pair first, so when a second "same" finding
    appears it is the new one that is reported, not the one that was already there."""
    fixed = list(old)
    added: list[Finding] = []
    for finding in new:
        if finding in fixed:
            fixed.remove(finding)
        else:
            added.append(finding)
    for finding in list(added):
        match = next((f for f in fixed if _key(f) == _key(finding)), None)
        if match is not None:
            fixed.remove(match)
            added.remove(finding)
    return fixed, added


def summary(report: LintReport) -> str:
    return f"{len(report.files)} file(s): {report.errors} error(s), {report.warnings} warning(s)"


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _language_folders(path: Path) -> list[Path]:
    try:
        return sorted(p for p in path.iterdir() if p.is_dir() and language_of_folder(p))
    except OSError:
        return []


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """A stamp per path (None when missing); a folder stands for itself and its *.md files,
    and its language folders (``es/``) for theirs, so a new Spanish file is seen too."""
    stamps: Snapshot = {}
    for path in paths:
        stamps[path] = _stamp(path)
        if path.is_dir():
            for folder in _language_folders(path):
                stamps[folder] = _stamp(folder)
            for child in content_tree(path):
                stamps[child] = _stamp(child)
    return stamps


@dataclass
class Watcher:
    """Re-lints ``paths`` when they (or the settings, jargon list or seeds) change.

    ``lint`` and ``files`` are split out so tests can drive the loop without a clock."""

    lint: Callable[[], LintReport]
    files: Callable[[], Sequence[Path]]
    out: Callable[[str], None]
    last: LintReport | None = None
    error: str | None = None
    seen: Snapshot = field(default_factory=dict)

    def check(self, current: Snapshot) -> bool:
        """Lint again if ``current`` differs from the last linted state; True if it did.

        A UsageError on the first lint is raised (the call itself is wrong: exit code 2);
        later ones (a file renamed away mid-save) are printed once and watched through."""
        if current == self.seen and (self.last is not None or self.error is not None):
            return False
        self.seen = current
        try:
            report = self.lint()
        except UsageError as err:
            if self.last is None:
                raise
            message = f"error: {err}"
            if message != self.error:
                self.out(message)
            self.error = message
            return True
        recovered, self.error = self.error is not None, None
        if self.last is None:
            self.out(format_text(report))
        else:
            changes = diff_reports(self.last, report)
            if changes or recovered:
                self.out("\n".join([*changes, summary(report)]))
        self.last = report
        return True


def watch(
    watcher: Watcher,
    *,
    interval: float = 0.5,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Poll until ``stop()`` or Ctrl-C; exit code 0 either way (UsageError at the start).

    A change is linted once the files have looked the same for one interval, so a file
    caught half-written by a slow save is not reported."""
    try:
        watcher.check(snapshot(watcher.files()))
        watcher.out("watching for changes (Ctrl-C to stop)")
        previous = watcher.seen
        while not stop():
            sleep(interval)
            current = snapshot(watcher.files())
            if current == previous:
                watcher.check(current)
            previous = current
    except KeyboardInterrupt:
        watcher.out("stopped")
    return 0


def _print(text: str) -> None:
    print(text, flush=True)


def watch_paths(
    paths: Sequence[Path],
    *,
    config_path: Path | None = None,
    seeds_dir: Path | None = None,
    html_dir: Path | None = None,
    interval: float = 0.5,
    out: Callable[[str], None] = _print,
    stop: Callable[[], bool] = lambda: False,
    corpus_checks: Sequence[CorpusCheck] = (),
) -> int:
    """The ``--watch`` command: lint ``paths`` now and after every change until stopped.

    With ``html_dir`` the HTML report is rewritten after each lint, so a browser tab on it
    shows the current state on reload."""
    used: list[Path] = []

    def lint() -> LintReport:
        files, config, seeds = prepare(paths, config_path=config_path, seeds_dir=seeds_dir)
        seeds_folder = seeds_dir or Path(str(config.data["seeds_dir"]))
        config_file = config_path or find_config(list(paths))
        used[:] = _inputs(config, config_file, [seeds_folder, *seeds.files])
        docs: list[LintDoc] | None = [] if html_dir is not None else None
        report = lint_loaded(files, config, seeds, docs, corpus_checks)
        if html_dir is not None and docs is not None:
            try:
                write_report(report, docs, config, seeds, html_dir)
            except OSError as err:
                print(f"error: cannot write the HTML report: {err}", file=sys.stderr)
        return report

    def files() -> list[Path]:
        return [*paths, *used]

    return watch(Watcher(lint, files, out), interval=interval, stop=stop)


def _inputs(config: LintConfig, config_file: Path | None, seeds: Iterable[Path]) -> list[Path]:
    """Files besides the content whose change changes the result (every language's jargon
    list among them)."""
    settings = list(config.languages.values()) or [config]
    jargon = dict.fromkeys(s.base / str(s.data["jargon_file"]) for s in settings)
    extra = [*jargon, *seeds]
    if config_file is not None:
        extra.append(config_file)
    return extra
