"""`submit`'s input flags: `--format` to force a reader, and the defaults (`--model`, `--max-tokens`, `--system`,
`--temperature`) filled in where a request leaves them out. A bad value is an argparse error: exit 2, nothing sent."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from batchtui.core.inputs import RequestDefaults

# The registered input formats (core/inputs/registry.py: READERS), their names and extensions in registration
# order, for --format's choices and help. Written out so that building the command line imports no reader;
# tests/commands/test_static_tables.py keeps it equal to READERS.
INPUT_FORMATS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jsonl", (".jsonl", ".ndjson", ".jsonlines")),
    ("json", (".json",)),
    ("csv", (".csv", ".tsv")),
    ("txt", (".txt",)),
)


def _max_tokens(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number of tokens, e.g. 1024 (got {text!r})")
    return int(text)


def _temperature(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, e.g. 0.2 (got {text!r})")
    return value


def _model(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a model, e.g. claude-sonnet-4-5")
    return text.strip()


def add_input_flags(p: argparse.ArgumentParser) -> None:
    formats = ", ".join(f"{name} ({' '.join(extensions)})" for name, extensions in INPUT_FORMATS)
    p.add_argument(
        "--format",
        dest="input_format",
        choices=sorted(name for name, _ in INPUT_FORMATS),
        help=f"read FILE as this format; by default it is chosen from the content and the extension: {formats}",
    )
    group = p.add_argument_group(
        "defaults", "filled in where a request leaves them out (never overriding a value the file gives)"
    )
    group.add_argument("--model", type=_model, metavar="NAME", help="e.g. claude-sonnet-4-5")
    group.add_argument("--max-tokens", type=_max_tokens, metavar="N", help="most output tokens per request")
    group.add_argument("--system", metavar="TEXT", help="a system prompt")
    group.add_argument("--temperature", type=_temperature, metavar="T", help="0 to 1")


def defaults_from(args: argparse.Namespace) -> RequestDefaults:
    from batchtui.core.inputs.records import RequestDefaults

    return RequestDefaults(
        model=args.model, max_tokens=args.max_tokens, system=args.system or None, temperature=args.temperature
    )
