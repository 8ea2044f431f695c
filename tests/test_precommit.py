"""The pre-commit hook other repositories use: its definition, and its command on files."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, WriteFile

HOOKS = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text("utf-8"))
    assert isinstance(hooks, list)
    (found,) = [h for h in hooks if h.get("id") == "lupus-content-lint"]
    assert isinstance(found, dict)
    return found


def test_hook_definition() -> None:
    found = hook()
    assert found["language"] == "python"
    assert found["pass_filenames"] is True
    assert found["entry"] == "lupus-news-bot lint"
    files, exclude = re.compile(found["files"]), re.compile(found["exclude"])

    def selected(path: str) -> bool:
        # pre-commit's rule: `files` must match and `exclude` must not (re.search both).
        return bool(files.search(path)) and not exclude.search(path)

    for path in ["content/01-symptoms.md", "content/new/topic.md"]:
        assert selected(path), path
    for path in [
        "README.md",
        "content/README.md",
        "content/lint.yml",
        "docs/content/x.md",
        "content/a.md.bak",
    ]:
        assert not selected(path), path


def test_entry_is_the_projects_console_script() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    script = shlex.split(hook()["entry"])[0]
    assert script in scripts
    module, _, function = scripts[script].partition(":")
    assert callable(getattr(import_module(module), function))


def entry_command() -> list[str]:
    """The hook's entry as pre-commit runs it: the installed script, or the same module."""
    script, *args = shlex.split(hook()["entry"])
    installed = shutil.which(script, path=str(Path(sys.executable).parent))
    return [installed, *args] if installed else [sys.executable, "-m", "bot", *args]


def run_entry(files: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*entry_command(), *files],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_entry_passes_the_projects_content() -> None:
    files = ["content/01-symptoms.md", "content/03-study.md"]
    result = run_entry(files, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 file(s): 0 error(s)" in result.stdout


@pytest.mark.slow
def test_entry_blocks_a_file_with_errors(project: Path, write: WriteFile) -> None:
    write("01-good.md")
    write("02-bad.md", body="Researchers measured 42 things.\n", command="bad")
    result = run_entry(["content/01-good.md", "content/02-bad.md"], project)
    assert result.returncode == 1
    assert "content/02-bad.md:" in result.stdout and "unsourced-number" in result.stdout


def test_readme_examples_parse() -> None:
    """The workflow and pre-commit examples editors copy from the README are valid YAML."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Checking content in CI", 1)[1].split("\n## ", 1)[0]
    workflow, config = (yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S))
    steps = workflow["jobs"]["lint"]["steps"]
    assert any("--format github" in step.get("run", "") for step in steps)
    assert any(step.get("with", {}).get("python-version") == "3.11" for step in steps)
    assert config["repos"][0]["hooks"] == [{"id": hook()["id"]}]
