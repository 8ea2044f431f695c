"""Checks of the routing data across the content folder, added to the linter's findings.

Each example question is what the router learns a topic from, so an editor needs to know
when one does not do its job:

* ``example-safety`` (error): triage answers the example first (it asks for a personal
  decision, or sounds like an emergency), so no reader typing it ever reaches the topic.
* ``example-routing`` (warning): held out in turn (the router forgets it), the example
  routes to another topic; the finding names which. Reword it, or move it there.

The linter itself stays below the knowledge layer: the command line and the catalog hand
these checks to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.knowledge.routing import Router
from bot.knowledge.triage import TriageRules, triage
from bot.lint.findings import Finding
from bot.text.content import Explainer


def _line(explainer: Explainer, example: str) -> int:
    """The line of the example in its file (the examples field's line if not found)."""
    try:
        lines = explainer.path.read_text("utf-8", errors="replace").split("\n")
    except OSError:
        return explainer.meta_lines.get("examples", 1)
    for number, line in enumerate(lines[: explainer.body_line], start=1):
        if example in line:
            return number
    return explainer.meta_lines.get("examples", 1)


def safety_findings(explainers: Sequence[Explainer], safety: TriageRules) -> Iterable[Finding]:
    """An error for every example question that triage answers before any topic."""
    for explainer in explainers:
        for example in explainer.examples:
            verdict = triage(example, safety)
            if verdict is not None:
                yield Finding(
                    "example-safety",
                    "error",
                    explainer.path,
                    _line(explainer, example),
                    1,
                    f"example “{example}” gets the {verdict.kind.replace('_', ' ')} reply "
                    f"({verdict.rule_id}), so it never reaches this topic",
                    "Ask about the news in general, not about one person's care or symptoms.",
                )


def routing_findings(explainers: Sequence[Explainer], router: Router) -> Iterable[Finding]:
    """A warning for every example question that, held out, routes to another topic."""
    for explainer in explainers:
        for example in explainer.examples:
            result = router.route_held_out(example, explainer.command)
            if result.command is not None and result.command != explainer.command:
                yield Finding(
                    "example-routing",
                    "warning",
                    explainer.path,
                    _line(explainer, example),
                    1,
                    f"example “{example}”, held out, routes to /{result.command}",
                    f"Reword it with this topic's own words, or move it to /{result.command}.",
                )


def example_findings(
    explainers: Sequence[Explainer], router: Router, safety: TriageRules
) -> list[Finding]:
    """Both checks; an example triage takes is not also checked for routing."""
    unsafe = list(safety_findings(explainers, safety))
    taken = {f.message for f in unsafe}
    routed = [
        f
        for f in routing_findings(explainers, router)
        if not any(f.message.split("”")[0] in t for t in taken)
    ]
    return sorted([*unsafe, *routed], key=lambda f: (str(f.path), f.line))
