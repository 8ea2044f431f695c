"""Safety triage: emergencies, crises and requests for personal advice, recognised first.

``rules`` compiles a language's safety file; ``decide.triage`` reads a message with it.
The mechanism (patterns, typo-tolerant words, negation and context) knows nothing of
lupus or of any language: every word is in ``content/<lang>/safety.yml``.
"""

from __future__ import annotations

from bot.knowledge.triage.decide import Explanation, Hit, Verdict, explain, triage
from bot.knowledge.triage.rules import TriageRules, load_triage_rules

__all__ = [
    "Explanation",
    "Hit",
    "TriageRules",
    "Verdict",
    "explain",
    "load_triage_rules",
    "triage",
]
