"""``python -m bot lint``: exit 0 when clean, 1 when errors were found, 2 for usage errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.lint.config import find_config, load_config
from bot.lint.document import LintDoc
from bot.lint.examples import examples
from bot.lint.output import FORMATS
from bot.lint.report import write_report
from bot.lint.rules import RULES
from bot.lint.runner import CorpusCheck, UsageError, config_folder, lint_loaded, prepare
from bot.lint.watch import watch_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: content/)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--config", type=Path, help="settings file (default: lint.yml beside)")
    parser.add_argument("--seeds", type=Path, help="folder of source articles (default: seeds/)")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument(
        "--explain", metavar="RULE", help="show what a rule checks, with examples, and exit"
    )
    parser.add_argument("--show-config", action="store_true", help="print settings in force")
    parser.add_argument(
        "--html",
        type=Path,
        metavar="DIR",
        help="also write a readability report to DIR (open DIR/index.html in a browser)",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="lint again after every save and print what changed, until Ctrl-C",
    )
    # How often --watch looks at the files; tests shorten it.
    parser.add_argument("--interval", type=float, default=0.5, help=argparse.SUPPRESS)


def run(args: argparse.Namespace, corpus_checks: Sequence[CorpusCheck] = ()) -> int:
    """Lint as asked; ``corpus_checks`` (from the layers above) look across the folder."""
    paths: list[Path] = args.paths or [Path("content")]
    if args.list_rules:
        for rule in RULES:
            print(f"{rule.id:20} {rule.severity:8} {rule.summary}")
        return 0
    if args.explain:
        return explain(args.explain)
    if args.show_config:
        config = load_config(args.config or find_config(paths), config_folder(paths))
        print(yaml.safe_dump(config.data, sort_keys=False, allow_unicode=True), end="")
        return 0
    if args.watch:
        if args.format != "text":
            print("error: --watch prints text; leave out --format", file=sys.stderr)
            return 2
        try:
            return watch_paths(
                paths,
                config_path=args.config,
                seeds_dir=args.seeds,
                html_dir=args.html,
                interval=max(args.interval, 0.01),
                corpus_checks=corpus_checks,
            )
        except UsageError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    docs: list[LintDoc] | None = [] if args.html is not None else None
    try:
        files, config, seeds = prepare(paths, config_path=args.config, seeds_dir=args.seeds)
        report = lint_loaded(files, config, seeds, docs, corpus_checks)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    if args.html is not None and docs is not None:
        try:
            index = write_report(report, docs, config, seeds, args.html)
        except OSError as err:
            print(f"error: cannot write the HTML report to {args.html}: {err}", file=sys.stderr)
            return 2
        # On stderr, so --format json stays one JSON document on stdout.
        print(f"HTML report: {index} (open it in a browser)", file=sys.stderr)
    return 1 if report.errors else 0


def explain(rule_id: str) -> int:
    """A rule's summary, then its passing and failing examples as whole files."""
    found = next((r for r in RULES if r.id == rule_id), None)
    if found is None:
        known = ", ".join(r.id for r in RULES)
        print(f"error: no rule called {rule_id!r}; the rules are: {known}", file=sys.stderr)
        return 2
    print(f"{found.id} ({found.severity}): {found.summary}")
    for example in examples(found.id):
        label = "Passes" if example.passes else "Fails"
        where = "" if not example.beside else f" (as {example.path}, beside the English base)"
        print(f"\n--- {label}: {example.why}{where}\n{example.text.rstrip()}")
    return 0
