"""What triage and routing decide about a message, and why, in words an editor can read.

``python -m bot triage "my mum cant wake up"`` prints this: which concepts were found in
which words, which were cancelled and why (a negation, a general question, the past), the
verdict, and the topics with their scores. It reads the content exactly as the bot does.
"""

from __future__ import annotations

from bot.knowledge.catalog import Catalog
from bot.knowledge.triage import explain


def describe(catalog: Catalog, text: str) -> str:
    lines: list[str] = [f"message: {text!r}"]
    report = explain(text, catalog.safety)
    lines.append(f"  read as: {' '.join(report.words)}")
    for frame, found in report.frames.items():
        lines.append(f"  {frame}: {', '.join(repr(f) for f in found)}")
    if not report.hits:
        lines.append("  triage: no concept found")
    for hit in report.hits:
        status = f"cancelled: {hit.cancelled}" if hit.cancelled else "COUNTS"
        lines.append(
            f"  {hit.kind}.{hit.concept}: {' '.join(hit.words)!r} (pattern {hit.how}) -> {status}"
        )
    for kind, learned in catalog.safety.learned.items():
        score = learned.score(text)
        mark = "COUNTS" if score >= learned.threshold else "below"
        cues = ", ".join(f"{f[2:]}" for f, _ in learned.strongest(text, 4))
        lines.append(
            f"  learned {kind}: score {score:+.2f} (counts from {learned.threshold:+.2f}) "
            f"-> {mark}; strongest: {cues}"
        )
    verdict = report.verdict
    if verdict is not None:
        lines.append(f"  verdict: {verdict.kind} ({verdict.rule_id}): the {verdict.kind} reply")
        return "\n".join(lines)
    chat = catalog.smalltalk.kind(text)
    if chat is not None:
        lines.append(f"  verdict: small talk ({chat})")
        return "\n".join(lines)
    result = catalog.router.route(text)
    ranked = sorted(result.scores.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{topic} {score:.2f}" for topic, score in ranked[:4])
    lines.append(f"  routing: {shown}; evidence {result.evidence:.2f}")
    if result.command:
        lines.append(f"  verdict: topic /{result.command}")
    elif result.offers:
        lines.append(f"  verdict: did you mean {' or '.join('/' + c for c in result.offers)}")
    else:
        lines.append("  verdict: not sure (the menu)")
    return "\n".join(lines)
