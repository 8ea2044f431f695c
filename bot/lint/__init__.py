"""The content linter editors run before they publish: ``python -m bot lint``."""

from __future__ import annotations

from bot.lint.findings import FileReport, Finding, LintReport
from bot.lint.runner import UsageError, lint_explainer, lint_paths

__all__ = ["FileReport", "Finding", "LintReport", "UsageError", "lint_explainer", "lint_paths"]
