"""`submit --auto-cache`: the flags, and the lines that say what was marked and what it should save."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from batchtui.core import fmt

if TYPE_CHECKING:
    from batchtui.core.cache_estimate import AutoCacheSummary

# core/caching.py's DEFAULT_SHARE, for the flag's default and help without importing the caching planner when the
# command line is built (tests/commands/test_static_tables.py keeps the two equal).
DEFAULT_SHARE = 2


def _share(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 2:
        raise argparse.ArgumentTypeError(f"must be a whole number of requests, 2 or more (got {text!r})")
    return int(text)


def add_cache_flags(p: argparse.ArgumentParser) -> None:
    group = p.add_argument_group("prompt caching")
    group.add_argument(
        "--auto-cache",
        action="store_true",
        help="mark the longest prefix many requests share (tools, system prompt, a leading document) with "
        "cache_control, within the model's minimum cacheable length and the 4-breakpoint limit; shows the "
        "estimated saving (with --dry-run, sends nothing)",
    )
    group.add_argument(
        "--auto-cache-share",
        type=_share,
        default=DEFAULT_SHARE,
        metavar="N",
        help=f"mark a prefix only when at least N requests share it (default: {DEFAULT_SHARE})",
    )


def _range(low: float, high: float) -> str:
    return fmt.money(low) if fmt.money(low) == fmt.money(high) else f"{fmt.money(low)}–{fmt.money(high)}"


def _unknown(summary: AutoCacheSummary) -> str:
    n = summary.estimate.unknown_requests
    return f" (+ unknown for {fmt.count(n)} request{'s' if n != 1 else ''})" if n else ""


def describe_cache(summary: AutoCacheSummary) -> str:
    """What `--auto-cache` marked and should save, in one paragraph."""
    e = summary.estimate
    if not e.requests_marked:
        return (
            f"auto-cache: no prefix is shared by {summary.share} or more requests and long enough for its model to "
            "cache; nothing was marked (the body is unchanged)"
        )
    without, with_cache = summary.without, summary.with_cache
    return (
        f"auto-cache: {fmt.count(e.prefixes)} shared prefix{'es' if e.prefixes != 1 else ''} marked in "
        f"{fmt.count(e.requests_marked)} request{'s' if e.requests_marked != 1 else ''} "
        f"({fmt.count(e.breakpoints_added)} breakpoint{'s' if e.breakpoints_added != 1 else ''} added); estimated "
        f"cost {_range(*without)} without caching, {_range(*with_cache)} with it: a saving of "
        f"{_range(e.saving_low_usd, e.saving_high_usd)}{_unknown(summary)}, if the first request per prefix writes "
        "the cache and the rest read it. Batch cache hits are best-effort: if none hit, the breakpoints cost at "
        f"most {fmt.money(e.worst_extra_usd)} more than without them."
    )


def suggestion(summary: AutoCacheSummary | None) -> str | None:
    """A dry run without `--auto-cache`: the tip, when the saving would be large."""
    if summary is None or summary.applied or not summary.large:
        return None
    e = summary.estimate
    return (
        f"tip: {fmt.count(e.requests_marked)} requests share {fmt.count(e.prefixes)} prefix"
        f"{'es' if e.prefixes != 1 else ''} long enough to cache; --auto-cache would mark them and could save "
        f"{_range(e.saving_low_usd, e.saving_high_usd)} of the {_range(*summary.without)} estimated"
        f"{_unknown(summary)} (batch cache hits are best-effort)"
    )
