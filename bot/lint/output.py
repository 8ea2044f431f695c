"""Report formats: like a compiler (text), machine-readable (json), GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.lint.findings import Finding, LintReport
from bot.lint.scores import describe_scores


def _location(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}"


def format_text(report: LintReport) -> str:
    lines: list[str] = []
    for file in report.files:
        for f in file.findings:
            lines.append(f"{_location(f)}: {f.severity} {f.rule}: {f.message}")
            if f.hint:
                lines.append(f"    hint: {f.hint}")
    for file in report.files:
        if file.metrics:
            m = file.metrics
            scores = describe_scores(m)
            lines.append(
                f"{file.path}: {scores + ', ' if scores else ''}"
                f"{m['words']} words, {m['sentences']} sentences"
            )
    lines.append(
        f"{len(report.files)} file(s): {report.errors} error(s), {report.warnings} warning(s)"
    )
    return "\n".join(lines)


def format_json(report: LintReport) -> str:
    data = {
        "files": [
            {
                "path": str(file.path),
                "language": file.language,
                "metrics": file.metrics,
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": f.severity,
                        "line": f.line,
                        "column": f.column,
                        "message": f.message,
                        "hint": f.hint,
                    }
                    for f in file.findings
                ],
            }
            for file in report.files
        ],
        "summary": {
            "files": len(report.files),
            "errors": report.errors,
            "warnings": report.warnings,
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(report: LintReport) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    lines = []
    for f in report.findings:
        level = "error" if f.severity == "error" else "warning"
        props = (
            f"file={_escape_property(str(f.path))},line={f.line},col={f.column},"
            f"title={_escape_property(f.rule)}"
        )
        message = f.message + (f" (hint: {f.hint})" if f.hint else "")
        lines.append(f"::{level} {props}::{_escape_data(message)}")
    lines.append(
        f"{len(report.files)} file(s): {report.errors} error(s), {report.warnings} warning(s)"
    )
    return "\n".join(lines)


FORMATS: dict[str, Callable[[LintReport], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
}
