"""The `batchtui` command line: parse arguments, dispatch to one command module, map failures to exit codes.

Exit codes: 0 ok, 1 API or runtime failure, 2 usage or validation error. Data goes to stdout, diagnostics to
stderr; no traceback is shown for an expected failure. With `--json`, a failure also prints `{"error": {...}}` on
stdout (see commands/output.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import NoReturn

from batchtui import __version__
from batchtui.commands import output
from batchtui.core.errors import BatchtuiError, describe, is_sdk_error
from batchtui.core.sanitize import clean

DEMO_HELP = "use a built-in, seeded emulator with its own cache: no key, no network"

# Each command module (in the order `batchtui --help` lists them) and the commands its adder registers. A run
# that names its command plainly builds that module's parser only, so it imports no other command's module
# (tests/commands/test_lazy_commands.py checks this table against the modules and the two parsers against
# each other); any other command line, `--help` and every error among them, gets the full parser.
COMMAND_MODULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("submit", "add_parser", ("submit",)),
    ("batches", "add_parsers", ("list", "show", "cancel", "delete")),
    ("groups", "add_parser", ("groups",)),
    ("sync", "add_parser", ("sync",)),
    ("queue", "add_parser", ("queue",)),
    ("hooks", "add_parser", ("hooks",)),
    ("retry", "add_parsers", ("retry", "label")),
    ("stats", "add_parser", ("stats",)),
    ("results", "add_parser", ("results",)),
    ("emulator", "add_parser", ("emulator",)),
    ("serve", "add_parser", ("serve",)),
    ("temporal", "add_parsers", ("temporal", "worker", "workflows")),
)
_VALUE_FLAGS = ("--db", "--base-url", "--batch-seconds")  # the main parser's options that take a value
_PLAIN_FLAGS = ("--demo",)


class Parser(argparse.ArgumentParser):
    """argparse, whose usage errors (exit 2, as always) are also told as JSON when --json was given.
    Subparsers are made of the same class, so theirs are too."""

    def error(self, message: str) -> NoReturn:
        output.emit_error(output.USAGE, f"{self.prog}: {message}", 2, usage=self.format_usage().strip())
        super().error(message)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds between 0 and 86400 (e.g. 20)")
    return value


def _add_demo_flags(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--demo and --batch-seconds, on the main parser and (defaults suppressed, so they never undo the main
    parser's) on every command: `batchtui list --demo` as well as `batchtui --demo list`."""
    taken = parser._option_string_actions
    default = {} if top else {"default": argparse.SUPPRESS}
    if "--demo" not in taken:
        parser.add_argument("--demo", action="store_true", help=DEMO_HELP, **default)  # type: ignore[arg-type]
    if "--batch-seconds" not in taken:  # `emulator` has its own
        parser.add_argument(
            "--batch-seconds",
            dest="demo_batch_seconds",
            type=_positive_seconds,
            metavar="SECONDS",
            help="with --demo: how long a demo batch takes to end (default 30)",
            **({"default": None} if top else default),  # type: ignore[arg-type]
        )
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # an alias maps to the same parser
                _add_demo_flags(sub, top=False)


def command_named(argv: list[str]) -> str | None:
    """The command `argv` names, when only the main parser's own flags, written out in full, come before it (and
    no value of theirs looks like an option); "" when it holds those flags only (the dashboard); otherwise None,
    and the full parser decides (help, version, abbreviations, errors)."""
    commands = {name for _, _, names in COMMAND_MODULES for name in names}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in commands:
            return arg
        if arg in _PLAIN_FLAGS or ("=" in arg and arg.partition("=")[0] in _VALUE_FLAGS):
            i += 1
        elif arg in _VALUE_FLAGS and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
            i += 2
        else:
            return None
    return ""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `command`, only that command's module is imported and its parsers built
    (the same parsers the full one holds for it); with "", none."""
    parser = Parser(
        prog="batchtui",
        description="A terminal dashboard and toolkit for Anthropic's Message Batches API. "
        "With no command, opens the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument("--db", type=Path, help="cache database (default: $BATCHTUI_DB or the user data dir)")
    parser.add_argument("--base-url", help="API base URL (default: $ANTHROPIC_BASE_URL or api.anthropic.com)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module, adder, names in COMMAND_MODULES:
        if command is None or command in names:
            getattr(importlib.import_module(f"batchtui.commands.{module}"), adder)(sub)
    _add_demo_flags(parser, top=True)
    return parser


def _wants_json(argv: list[str]) -> bool:
    """--json among the options (not after `--`, where it would be a file name)."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in options


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
    argv = sys.argv[1:] if argv is None else list(argv)
    output.begin(json_output=_wants_json(argv))
    parser = build_parser(command_named(argv))
    args = parser.parse_args(argv)
    if args.demo_batch_seconds is not None and not args.demo:
        parser.error("--batch-seconds sets how long a demo batch takes: use it with --demo")
    if getattr(args, "handler", None) is None:
        from batchtui.tui.launch import run_dashboard

        return run_dashboard(args)
    code = _run(args)
    output.finish_json(code)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        output.emit_error("interrupted", "interrupted", 130)
        return 130
    except BatchtuiError as exc:
        cause = _api_cause(exc)  # e.g. "nothing was created" because the API refused: say what it answered
        if cause is None:
            return _failed(exc.kind, str(exc), exc.exit_code)
        kind = "api_error" if exc.kind == "error" else exc.kind
        return _failed(kind, str(exc), exc.exit_code, **_api_details(cause))
    except OSError as exc:
        return _failed("os_error", str(exc), 1)
    except Exception as exc:
        if not is_sdk_error(exc):
            output.emit_error("internal_error", f"{type(exc).__name__}: {exc}", 1)
            raise
        kind = "not_found" if getattr(exc, "status_code", None) == 404 else "api_error"
        return _failed(kind, describe(exc), 1, **_api_details(exc))


def _failed(kind: str, message: str, code: int, **details: object) -> int:
    print(f"batchtui: {clean(message)}", file=sys.stderr)
    output.emit_error(kind, message, code, **details)
    return code


def _api_cause(exc: BaseException) -> BaseException | None:
    cause = exc.__cause__
    while cause is not None and not is_sdk_error(cause):
        cause = cause.__cause__
    return cause


def _api_details(exc: BaseException) -> dict[str, object]:
    """What the API said, for a script: its HTTP status, error type and request-id (when there was an answer)."""
    details: dict[str, object] = {}
    status = getattr(exc, "status_code", None)
    if status is not None:
        details["status_code"] = status
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("type"), str):
        details["api_error_type"] = clean(error["type"])
    request_id = getattr(exc, "request_id", None)
    if isinstance(request_id, str):
        details["request_id"] = clean(request_id)
    return details
