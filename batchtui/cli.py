"""The `batchtui` command line: parse arguments, dispatch to one command module, map failures to exit codes.

Exit codes: 0 ok, 1 API or runtime failure, 2 usage or validation error.
"""

from __future__ import annotations

import argparse
import sys

from batchtui import __version__
from batchtui.commands import emulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal dashboard and toolkit for Anthropic's Message Batches API.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
