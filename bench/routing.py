"""Benchmark: how the bot answers the held-out questions (safety triage, then routing).

Prints each mistake (expected, got, the router's best guess and score), then the
figures: n, correct and accuracy for each expected label, for topics / unsure /
safety as groups, and overall; then timing. Figures come last.

    python bench/routing.py [--questions tests/data/heldout_questions.yml] [--content content]
                            [--loo]

--loo also scores the content's own example questions leave-one-out (each example
removed from its topic before it is routed): a tuning set that is not the held-out set.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.knowledge.router import Router, RouterConfig, load_router_config  # noqa: E402
from bot.knowledge.safety import SafetyRules, load_safety_rules, triage  # noqa: E402
from bot.text.content import Explainer, load_directory  # noqa: E402

SAFETY_KINDS = ("urgent", "crisis", "personal_advice")


def answer(text: str, rules: SafetyRules, router: Router) -> tuple[str, str]:
    """(what the bot does, a note on why) for one question."""
    verdict = triage(text, rules)
    if verdict is not None:
        return verdict.kind, verdict.rule_id
    result = router.route(text)
    note = (
        f"best {result.best} {result.score:.2f},"
        f" runner-up {result.runner_up} {result.runner_up_score:.2f}"
    )
    return (result.command if result.confident and result.command else "unsure"), note


def figure(label: str, hits: list[bool]) -> str:
    n = len(hits)
    correct = sum(hits)
    return f"{label:16} n={n:<4} correct={correct:<4} accuracy={correct / n if n else 0:.3f}"


def leave_one_out(
    explainers: list[Explainer], config: RouterConfig, rules: SafetyRules
) -> list[bool]:
    hits: list[bool] = []
    for i, topic in enumerate(explainers):
        for j, question in enumerate(topic.examples):
            if triage(question, rules) is not None:
                continue  # the bot would answer with a safety reply; not a routing question
            held = dataclasses.replace(topic, examples=topic.examples[:j] + topic.examples[j + 1 :])
            router = Router.from_config([*explainers[:i], held, *explainers[i + 1 :]], config)
            result = router.route(question)
            hits.append(result.confident and result.command == topic.command)
            if not hits[-1]:
                print(
                    f"LOO MISS  {topic.command:12} got {result.command or 'unsure':12} {question}"
                )
    return hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--questions", type=Path, default=ROOT / "tests" / "data" / "heldout_questions.yml"
    )
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument(
        "--loo", action="store_true", help="also score content examples leave-one-out"
    )
    args = parser.parse_args()

    explainers, problems = load_directory(args.content)
    for problem in problems:
        print(f"content problem: {problem.path}:{problem.line}: {problem.message}")
    config = load_router_config(args.content / "synonyms.yml")
    rules = load_safety_rules(args.content / "safety.yml")
    start = time.perf_counter()
    router = Router.from_config(explainers, config)
    build_ms = (time.perf_counter() - start) * 1000
    questions = yaml.safe_load(args.questions.read_text(encoding="utf-8"))["questions"]

    by_label: dict[str, list[bool]] = {}
    groups: dict[str, list[bool]] = {"topics": [], "unsure": [], "safety": []}
    for q in questions:
        got, note = answer(q["text"], rules, router)
        ok = got == q["expect"]
        by_label.setdefault(q["expect"], []).append(ok)
        if q["expect"] in SAFETY_KINDS:
            group = "safety"
        else:
            group = "unsure" if q["expect"] == "unsure" else "topics"
        groups[group].append(ok)
        if not ok:
            print(f"MISS  expected {q['expect']:15} got {got:15} ({note})  {q['text']!r}")

    loo = leave_one_out(explainers, config, rules) if args.loo else []

    texts = [q["text"] for q in questions]
    for text in texts:  # warm caches, as a running bot would be
        triage(text, rules)
        router.route(text)
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for text in texts:
            triage(text, rules)
            router.route(text)
        rounds.append((time.perf_counter() - start) / len(texts) * 1000)
    long_text = (" ".join(texts) * 3)[:4000]
    start = time.perf_counter()
    for _ in range(50):
        triage(long_text, rules)
    triage_long_ms = (time.perf_counter() - start) / 50 * 1000
    start = time.perf_counter()
    for _ in range(50):
        router.route(long_text)
    route_long_ms = (time.perf_counter() - start) / 50 * 1000

    print()
    for label in sorted(by_label):
        print(figure(label, by_label[label]))
    print()
    for name, hits in groups.items():
        print(figure(f"[{name}]", hits))
    if loo:
        print(figure("[content LOO]", loo))
    print(figure("OVERALL", [h for hits in by_label.values() for h in hits]))
    print(
        f"timing: build {build_ms:.0f} ms;"
        f" triage+route {statistics.median(rounds):.3f} ms per question;"
        f" 4,000 chars: triage {triage_long_ms:.3f} ms, route {route_long_ms:.3f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
