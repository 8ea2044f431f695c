"""How lint rules are registered and run: a rule's id and default severity are written once.

``@rule("jargon", "error")`` registers a function; when it runs, it is handed a ``Finder``
bound to its own id, so a rule only says where and what (``found(line, column, message,
hint)``). A rule that also reports something milder passes ``severity="warning"``.
Editors can still make any rule an error, a warning or "off" in ``lint.yml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from bot.lint.document import Context, LintDoc
from bot.lint.findings import Finding


class Finder(Protocol):
    def __call__(
        self, line: int, column: int, message: str, hint: str, *, severity: str | None = None
    ) -> Finding | None: ...


RuleFunction = Callable[[LintDoc, Context, Finder], Iterable[Finding | None]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    check: RuleFunction
    summary: str

    def run(self, doc: LintDoc, ctx: Context) -> Iterator[Finding]:
        """The rule's findings on one file, with the severities ``lint.yml`` asks for."""

        def found(
            line: int, column: int, message: str, hint: str, *, severity: str | None = None
        ) -> Finding | None:
            level = ctx.config.severity(self.id, severity or self.severity)
            if level == "off":
                return None
            return Finding(self.id, level, doc.path, line, column, message, hint)

        return (f for f in self.check(doc, ctx, found) if f is not None)


#: Every registered rule, in the order they run (and are listed by ``--list-rules``).
RULES: list[Rule] = []


def rule(rule_id: str, severity: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule; its docstring's first line is its summary in ``--list-rules``."""

    def register(function: RuleFunction) -> RuleFunction:
        summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
        RULES.append(Rule(rule_id, severity, function, summary))
        return function

    return register


def cut(text: str, limit: int = 70) -> str:
    """A sentence shortened for a finding's message."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
