"""`stats [--since DATE] [--json]`: batches, requests, outcomes, cost and saving per day, success rate, turnaround
and error types, from the cache (no API call: run `batchtui sync` first for the latest)."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from batchtui.commands.output import emit_json, note, table
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.errors import UsageError

if TYPE_CHECKING:
    from batchtui.service.stats import Figures

_RELATIVE = re.compile(r"^(\d+)([dhw])$")
_BARS = " ▁▂▃▄▅▆▇█"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stats", help="batches, requests, cost and saving per day, success rate, turnaround, errors")
    p.add_argument("--since", metavar="DATE", help="YYYY-MM-DD, an ISO time, or 7d / 12h / 2w ago (default: all)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


def parse_since(text: str | None, now: datetime | None = None) -> datetime | None:
    if not text:
        return None
    now = now or datetime.now(UTC)
    if m := _RELATIVE.match(text.strip()):
        n, unit = int(m[1]), m[2]
        return now - timedelta(**{{"d": "days", "h": "hours", "w": "weeks"}[unit]: n})
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        hint = "use 2026-11-01, 2026-11-01T08:00, or 7d / 12h / 2w"
        raise UsageError(f"--since: {text!r} is not a date; {hint}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def sparkline(values: list[float]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[min(8, round(v / top * 8))] for v in values)


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _saved(f: Figures) -> str:
    return fmt.money(f.saved_usd) if f.priced_batches else _money(f)


def _money(f: Figures) -> str:
    """The known part, and how many batches' cost is unknown (never a guess) or not known yet."""
    extra = [f"{f.unknown_cost_batches} unknown" if f.unknown_cost_batches else "",
             f"{f.pending_cost_batches} pending" if f.pending_cost_batches else ""]  # fmt: skip
    parts = ", ".join(p for p in extra if p)
    if not f.priced_batches:
        return "unknown" if f.unknown_cost_batches else "pending"
    return fmt.money(f.cost_usd) + (f" (+ {parts})" if parts else "")


def _cache(f: Figures) -> str:
    """What prompt caching saved where known (negative: writes cost more than reads saved), and what is left out."""
    known = f.priced_batches + f.unknown_cost_batches - f.cache_unknown_batches  # results stored, saving known
    if known <= 0:
        return "unknown" if f.cache_unknown_batches else "pending"
    text = fmt.money(f.cache_saved_usd)
    return text + (f" (+ {f.cache_unknown_batches} unknown)" if f.cache_unknown_batches else "")


def _reuse(f: Figures) -> str:
    """What reused answers saved (what they cost when they were made), and how many of them have no known cost."""
    if not f.reused_requests:
        return "—"
    if f.reuse_unpriced_requests == f.reused_requests:
        return "unknown"
    unknown = f" (+ {fmt.count(f.reuse_unpriced_requests)} unknown)" if f.reuse_unpriced_requests else ""
    return fmt.money(f.reuse_saved_usd) + unknown


async def run(args: argparse.Namespace) -> int:
    from batchtui.service.stats import collect

    since = parse_since(args.since)
    async with cli_session(args, online=False) as session:
        stats = await collect(session, since)
    if args.json:
        emit_json(stats.to_json())
        return 0
    t = stats.total
    period = f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""
    if not t.batches:
        note(f"no batches in the cache{period}; try `batchtui sync`")
        return 0
    print(f"{fmt.count(t.batches)} batch{'es' if t.batches != 1 else ''}, {fmt.count(t.requests)} requests{period}")
    print(f"  succeeded {fmt.count(t.succeeded)}, errored {fmt.count(t.errored)}, expired {fmt.count(t.expired)}, "
          f"canceled {fmt.count(t.canceled)}, processing {fmt.count(t.processing)}; "
          f"success rate {_rate(t.success_rate)}")  # fmt: skip
    print(f"  spent {_money(t)} at batch rates; "
          f"the standard API: {fmt.money(t.standard_cost_usd)}; saved {_saved(t)}")  # fmt: skip
    print(f"  prompt caching saved {_cache(t)} (cached tokens as plain input, minus their cache price)")
    if t.reused_requests:
        print(f"  reused {fmt.count(t.reused_requests)} answers from earlier batches instead of sending them again: "
              f"saved {_reuse(t)}")  # fmt: skip
    print(f"  turnaround: median {fmt.duration(t.turnaround(0.5))}, p90 {fmt.duration(t.turnaround(0.9))}, "
          f"max {fmt.duration(max(t.turnarounds) if t.turnarounds else None)}")  # fmt: skip
    days = list(stats.days.items())
    print(f"  requests per day {sparkline([float(f.requests) for _, f in days])}")
    print()
    rows = [[day, fmt.count(f.batches), fmt.count(f.requests), _rate(f.success_rate),
             _money(f), _saved(f),
             fmt.duration(f.turnaround(0.5)), _cache(f)] for day, f in days]  # fmt: skip
    headers = ["DAY (UTC)", "BATCHES", "REQUESTS", "SUCCESS", "COST", "SAVED", "TURNAROUND", "CACHING SAVED"]
    if t.reused_requests:  # only where answers were reused: other users' tables stay as they were
        for row, (_, f) in zip(rows, days, strict=True):
            row += [fmt.count(f.reused_requests), _reuse(f)]
        headers += ["REUSED", "REUSE SAVED"]
    print(table(headers, rows, set(range(1, len(headers)))))
    if stats.error_types:
        print()
        print(table(["ERROR TYPE", "RESULTS"], [[k, fmt.count(v)] for k, v in stats.error_types.items()], {1}))
    return 0
