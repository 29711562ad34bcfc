"""The `batchtui` command line: parse arguments, dispatch to one command module, map failures to exit codes.

Exit codes: 0 ok, 1 API or runtime failure, 2 usage or validation error. Data goes to stdout, diagnostics to
stderr; no traceback is shown for an expected failure.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from batchtui import __version__
from batchtui.commands import (
    batches,
    emulator,
    groups,
    hooks,
    queue,
    results,
    retry,
    serve,
    stats,
    submit,
    sync,
    temporal,
)
from batchtui.core.errors import BatchtuiError, describe, is_sdk_error
from batchtui.core.sanitize import clean


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="A terminal dashboard and toolkit for Anthropic's Message Batches API. "
        "With no command, opens the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument("--db", type=Path, help="cache database (default: $BATCHTUI_DB or the user data dir)")
    parser.add_argument("--base-url", help="API base URL (default: $ANTHROPIC_BASE_URL or api.anthropic.com)")
    parser.add_argument(
        "--demo", action="store_true", help="use a built-in, seeded emulator with its own cache: no key, no network"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    submit.add_parser(sub)
    batches.add_parsers(sub)
    groups.add_parser(sub)
    sync.add_parser(sub)
    queue.add_parser(sub)
    hooks.add_parser(sub)
    retry.add_parsers(sub)
    stats.add_parser(sub)
    results.add_parser(sub)
    emulator.add_parser(sub)
    serve.add_parser(sub)
    temporal.add_parsers(sub)
    return parser


def entry() -> None:
    """The `batchtui` script. A process that used the Temporal client can crash in the interpreter's teardown
    (temporalio/sdk-python#300: SIGSEGV, PyGILState_Release), so it flushes and exits at once with its own code."""
    code = main()
    if "temporalio.client" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        from batchtui.tui.launch import run_dashboard

        return run_dashboard(args)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BatchtuiError as exc:
        print(f"batchtui: {clean(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"batchtui: {clean(str(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not is_sdk_error(exc):
            raise
        print(f"batchtui: {clean(describe(exc))}", file=sys.stderr)
        return 1
