"""``python -m bot lint``: exit 0 when clean, 1 when errors were found, 2 for usage errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .config import find_config, load_config
from .output import FORMATS
from .rules import RULES
from .runner import UsageError, config_folder, lint_paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: content/)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text")
    parser.add_argument("--config", type=Path, help="settings file (default: lint.yml beside)")
    parser.add_argument("--seeds", type=Path, help="folder of source articles (default: seeds/)")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--show-config", action="store_true", help="print settings in force")


def run(args: argparse.Namespace) -> int:
    paths: list[Path] = args.paths or [Path("content")]
    if args.list_rules:
        for rule in RULES:
            print(f"{rule.id:20} {rule.severity:8} {rule.summary}")
        return 0
    if args.show_config:
        config = load_config(args.config or find_config(paths), config_folder(paths))
        print(yaml.safe_dump(config.data, sort_keys=False, allow_unicode=True), end="")
        return 0
    try:
        report = lint_paths(paths, config_path=args.config, seeds_dir=args.seeds)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return 1 if report.errors else 0
