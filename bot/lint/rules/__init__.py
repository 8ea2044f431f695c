"""The lint rules, one function each, in modules by concern; importing this registers them.

A rule reads a ``LintDoc`` (computed once per file) and the shared ``Context`` and yields
findings through the ``Finder`` it is handed. Thresholds and word lists come from the
config, so editors tune rules without touching code; ``severity:`` in ``lint.yml`` can also
switch a rule to warning or off. Every rule has a passing and a failing example in
``bot/lint/examples.yml`` (``python -m bot lint --explain RULE`` shows them).
"""

from __future__ import annotations

from bot.lint.registry import RULES, Rule, rule
from bot.lint.rules import checks, languages, links, provenance, reading, structure, style

__all__ = [
    "RULES",
    "Rule",
    "checks",
    "languages",
    "links",
    "provenance",
    "reading",
    "rule",
    "structure",
    "style",
]
