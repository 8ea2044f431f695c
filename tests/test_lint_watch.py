"""``lint --watch``: the diff of two reports, the polling loop, and real runs on a folder."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.lint.findings import FileReport, Finding, LintReport
from bot.lint.runner import UsageError
from bot.lint.watch import Snapshot, Watcher, diff_reports, snapshot, watch, watch_paths

from .conftest import EASY_BODY, ROOT, WriteFile

A = Path("content/a.md")
B = Path("content/b.md")
VERY_HARD = (
    "Researchers carefully measured several important laboratory results before and after "
    "every treatment session in hospital."
)


def finding(
    line: int, message: str = "hard", rule: str = "hard-sentence", path: Path = A
) -> Finding:
    return Finding(rule, "warning", path, line, 1, message, "a hint")


def file(path: Path, grade: float, *findings: Finding) -> FileReport:
    metrics: dict[str, float | int] = {
        "flesch_kincaid_grade": grade,
        "smog_index": 5.0,
        "words": 80,
        "sentences": 8,
    }
    return FileReport(path, metrics, list(findings))


def test_diff_new_and_fixed_findings() -> None:
    old = LintReport([file(A, 4.0, finding(3, "one"), finding(5, "two"))])
    new = LintReport([file(A, 4.0, finding(5, "two"), finding(9, "three"))])
    assert diff_reports(old, new) == [
        "- content/a.md:3:1: warning hard-sentence: one",
        "+ content/a.md:9:1: warning hard-sentence: three",
        "      hint: a hint",
    ]


def test_diff_ignores_moved_findings_and_same_grade() -> None:
    old = LintReport([file(A, 4.04, finding(3, "one"))])
    new = LintReport([file(A, 3.96, finding(7, "one"))])
    assert diff_reports(old, new) == []


def test_diff_counts_repeated_findings() -> None:
    old = LintReport([file(A, 4.0, finding(3, "same"))])
    new = LintReport([file(A, 4.0, finding(3, "same"), finding(8, "same"))])
    assert diff_reports(old, new) == [
        "+ content/a.md:8:1: warning hard-sentence: same",
        "      hint: a hint",
    ]


def test_diff_grade_change() -> None:
    old = LintReport([file(A, 4.0), file(B, 5.0)])
    new = LintReport([file(A, 6.3), file(B, 5.0)])
    assert diff_reports(old, new) == ["content/a.md: grade 4.0, SMOG 5.0 -> grade 6.3, SMOG 5.0"]


def test_diff_file_added_broken_and_removed() -> None:
    broken = FileReport(B, {}, [Finding("file", "error", B, 1, 1, "the file is empty")])
    old = LintReport([file(A, 4.0, finding(2, "x"))])
    new = LintReport([broken])
    assert diff_reports(old, new) == [
        "- content/a.md:2:1: warning hard-sentence: x",
        "content/a.md: no longer linted",
        "+ content/b.md:1:1: error file: the file is empty",
    ]
    assert diff_reports(new, LintReport([file(B, 3.0)])) == [
        "- content/b.md:1:1: error file: the file is empty",
        "content/b.md: grade 3.0, SMOG 5.0",
    ]


class Scripted:
    """A lint whose results are given in advance (a UsageError is raised, not returned)."""

    def __init__(self, *results: LintReport | UsageError) -> None:
        self.results = list(results)
        self.calls = 0

    def __call__(self) -> LintReport:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, UsageError):
            raise result
        return result


def stamps(*values: int) -> list[Snapshot]:
    return [{A: (v, 1, 1)} for v in values]


def test_watcher_lints_only_on_change_and_reports_errors_once() -> None:
    out: list[str] = []
    first = LintReport([file(A, 4.0)])
    lint = Scripted(
        first,
        UsageError("content/a.md: no such file or folder"),
        UsageError("content/a.md: no such file or folder"),
        LintReport([file(A, 4.0)]),
    )
    watcher = Watcher(lint, lambda: [A], out.append)
    s1, s2, s3, s4 = stamps(1, 2, 3, 4)
    assert watcher.check(s1) and out[-1].endswith("0 error(s), 0 warning(s)")
    assert not watcher.check(s1)
    assert watcher.check(s2) and out[-1] == "error: content/a.md: no such file or folder"
    count = len(out)
    assert watcher.check(s3) and len(out) == count  # the same error is not repeated
    assert watcher.check(s4)  # recovered: nothing changed, but say the state again
    assert out[-1] == "1 file(s): 0 error(s), 0 warning(s)"
    assert lint.calls == 4


def test_watcher_first_usage_error_is_raised() -> None:
    watcher = Watcher(Scripted(UsageError("seeds: not found")), lambda: [A], print)
    with pytest.raises(UsageError):
        watcher.check({})


def test_loop_waits_until_files_are_stable(monkeypatch: pytest.MonkeyPatch) -> None:
    out: list[str] = []
    polls = iter(stamps(1, 2, 3, 3, 3, 3))
    monkeypatch.setattr("bot.lint.watch.snapshot", lambda paths: next(polls))
    reports = Scripted(LintReport([file(A, 4.0)]), LintReport([file(A, 5.0)]))
    remaining = iter(range(5, -1, -1))
    code = watch(
        Watcher(reports, lambda: [A], out.append),
        stop=lambda: next(remaining) == 0,
        sleep=lambda seconds: None,
    )
    assert code == 0
    # Stamp 2 was seen once only (a save in progress), stamp 3 twice: one re-lint.
    assert reports.calls == 2
    assert out[1:] == [
        "watching for changes (Ctrl-C to stop)",
        "content/a.md: grade 4.0, SMOG 5.0 -> grade 5.0, SMOG 5.0\n"
        "1 file(s): 0 error(s), 0 warning(s)",
    ]


def test_loop_stops_on_ctrl_c() -> None:
    out: list[str] = []

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    watcher = Watcher(Scripted(LintReport()), lambda: [], out.append)
    assert watch(watcher, sleep=interrupt) == 0
    assert out[-1] == "stopped"


def test_snapshot_sees_new_files_in_folders(project: Path, write: WriteFile) -> None:
    write("a.md")
    before = snapshot([Path("content")])
    write("b.md")
    after = snapshot([Path("content")])
    assert Path("content/b.md") in after and Path("content/b.md") not in before
    assert snapshot([Path("content/missing.md")]) == {Path("content/missing.md"): None}


def wait_for(lines: Callable[[], list[str]], predicate: Callable[[str], bool]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for line in lines():
            if predicate(line):
                return line
        time.sleep(0.02)
    raise AssertionError(f"not seen in time; output so far: {lines()}")


def edit(path: Path, text: str) -> None:
    """Write like an editor, and make sure the stamp changes even on a coarse clock."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 10_000_000, before + 10_000_000))


def test_real_watch_in_a_thread(project: Path, write: WriteFile) -> None:
    path = write("a.md")
    original = path.read_text("utf-8")
    out: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=watch_paths,
        args=([Path("content")],),
        kwargs={"interval": 0.05, "out": out.append, "stop": stop.is_set},
        daemon=True,
    )
    thread.start()
    try:
        wait_for(lambda: out, lambda line: line.startswith("watching"))
        assert "1 file(s): 0 error(s)" in out[0]
        edit(path, original.replace(EASY_BODY, EASY_BODY + "\n" + VERY_HARD + "\n"))
        added = wait_for(lambda: out, lambda line: line.startswith("+ "))
        assert added.startswith("+ content/a.md:")
        assert "error very-hard-sentence" in added
        assert "content/a.md: grade " in added and " -> grade " in added
        count = len(out)
        edit(path, original)
        fixed = wait_for(lambda: out[count:], lambda line: line.startswith("- "))
        assert "very-hard-sentence" in fixed and "+ " not in fixed
        assert fixed.endswith("1 file(s): 0 error(s), 0 warning(s)")
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.mark.slow
def test_real_watch_command_stops_on_ctrl_c(project: Path, write: WriteFile) -> None:
    path = write("a.md")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "lint", "--watch", "--interval", "0.05", "content"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()

    def output() -> list[str]:
        while not lines.empty():
            seen.append(lines.get())
        return seen

    try:
        wait_for(output, lambda line: line.startswith("watching"))
        edit(path, path.read_text("utf-8") + "\n" + VERY_HARD + "\n")
        wait_for(output, lambda line: line.startswith("+ ") and "very-hard-sentence" in line)
        wait_for(output, lambda line: line.startswith("content/a.md: grade "))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "stopped" in output()


def test_watch_usage_error_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    assert main(["lint", "--watch", "nowhere"]) == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    assert main(["lint", "--watch", "--format", "json"]) == 2
