"""`submit --reuse [--reuse-max-age AGE]`: the flags, and what the CLI says about the answers taken from the cache."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from batchtui.core import fmt
from batchtui.core.reuse import ReuseSummary, parse_max_age


def _age(text: str) -> timedelta:
    try:
        return parse_max_age(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_reuse_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("Paying less: answers already in the cache")
    group.add_argument(
        "--reuse",
        action="store_true",
        help="answer from the cache every request identical (same params) to one already answered successfully, "
        "and send only the rest; when every request is answered, nothing is sent",
    )
    group.add_argument(
        "--reuse-max-age",
        metavar="AGE",
        type=_age,
        help="reuse only answers whose batch ended at most AGE ago: 90m, 12h, 30d, 2w (implies --reuse)",
    )


def reuse_options(args: argparse.Namespace) -> Any:
    """The service's Reuse for these flags, or None without them."""
    from batchtui.service.reuse import Reuse

    if not args.reuse and args.reuse_max_age is None:
        return None
    return Reuse(True, args.reuse_max_age)


def _sources(summary: ReuseSummary) -> str:
    n = len(summary.tally.sources)
    return f"{n} earlier batch{'es' if n != 1 else ''}"


def describe_reuse(summary: ReuseSummary, *, dry_run: bool, where: str | None = None) -> str:
    """One line for stderr: how many were (or would be) answered from the cache, from where, and the saving."""
    if not summary.reused:
        age = f" within {fmt.duration(summary.max_age.total_seconds())}" if summary.max_age else ""
        return f"reuse: no request of this file was answered successfully before{age}; all of them are sent"
    of = f"{fmt.count(summary.reused)} of {fmt.count(summary.requests)} requests"
    saving = summary.saving_text()
    if dry_run:
        return (
            f"reuse: {of} would be answered from {_sources(summary)} (saving {saving}); "
            f"{fmt.count(summary.sent)} would be sent"
        )
    if summary.all_reused:
        return (
            f"every request ({fmt.count(summary.requests)}) was answered from {_sources(summary)} (saved {saving}); "
            f"nothing was sent. Read the answers with `batchtui results {where}`"
        )
    shown = f": they are results of {where}" if where else ""
    rest = fmt.count(summary.sent)
    return f"answered {of} from {_sources(summary)} (saved {saving}){shown}; the other {rest} were sent"


def reuse_json(summary: ReuseSummary, batch_id: str | None) -> dict[str, Any]:
    """`--json`'s `reuse` object: the summary, and the batch whose results hold the reused answers."""
    return {**summary.to_json(), "batch_id": batch_id}
