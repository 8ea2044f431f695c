"""Command line: ``python -m bot lint`` (and, as they land, ``run``, ``chat``, ``digests``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .lint import cli as lint_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Plain-language health news bot and content linter."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    lint = commands.add_parser("lint", help="check content files before publishing")
    lint_cli.add_arguments(lint)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lint":
        return lint_cli.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
