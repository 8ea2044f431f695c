"""What the linter reports: one finding per problem, with where and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    path: Path
    line: int
    column: int
    message: str
    hint: str = ""


@dataclass
class FileReport:
    path: Path
    metrics: dict[str, float | int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: The file's language ("" when the file could not be read).
    language: str = ""

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


@dataclass
class LintReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")
