"""Human-readable numbers, sizes, money and times, shared by the CLI and the TUI so both say the same thing.

Every time function takes an injectable `now` so tests and snapshots are deterministic. Naive datetimes are taken
as UTC, which is what the store and the API use. `None` renders as an em dash everywhere: "not known yet".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import humanize

MISSING = "—"


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _now(now: datetime | None) -> datetime:
    return _aware(now) if now is not None else datetime.now(UTC)


def _span(delta: timedelta) -> str:
    """humanize's wording, but whole hours (rounded down) from 1 to 48 hours: a batch's 24-hour window should read
    'in 23 hours', not humanize's 'in a day', and a deadline must never look later than it is."""
    hours = int(delta.total_seconds() // 3600)
    if hours == 1:
        return "an hour"
    if 1 < hours < 48:
        return f"{hours} hours"
    return humanize.naturaldelta(delta)


def ago(dt: datetime | None, now: datetime | None = None) -> str:
    """'3 minutes ago'; a time in the future reads 'in 3 minutes' (clock skew happens)."""
    if dt is None:
        return MISSING
    delta = _now(now) - _aware(dt)
    if delta.total_seconds() < 0:
        return until(dt, now)
    if delta.total_seconds() < 1:
        return "now"
    return f"{_span(delta)} ago"


def until(dt: datetime | None, now: datetime | None = None) -> str:
    """'in 23 hours'; a time already past reads '3 minutes ago'."""
    if dt is None:
        return MISSING
    delta = _aware(dt) - _now(now)
    if delta.total_seconds() < 0:
        return ago(dt, now)
    if delta.total_seconds() < 1:
        return "now"
    return f"in {_span(delta)}"


def naturalsize(n: int | None, *, binary: bool = False) -> str:
    """'815 B', '1.2 MB' (decimal) or, with binary=True, '1.2 MiB', the unit the API's 256 MB limit is really in."""
    if n is None:
        return MISSING
    if abs(n) < (1024 if binary else 1000):  # humanize says "815 Bytes", "1 Byte": the unit reads as the others do
        return f"{n} B"
    return humanize.naturalsize(n, binary=binary)


def count(n: int | None) -> str:
    """'12,345'."""
    if n is None:
        return MISSING
    return humanize.intcomma(n)


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 batch', '2 batches', '1,200 requests': the count and the word that agrees with it."""
    return f"{count(n)} {word if n == 1 else (words or word + 's')}"


def money(usd: float | None) -> str:
    """'$12.34' from a dollar up, '$0.0123' below, '<$0.0001' for crumbs, so a cheap batch never reads '$0.00'."""
    if usd is None:
        return MISSING
    sign = "-" if usd < 0 else ""
    amount = abs(usd)
    if amount == 0:
        return "$0.00"
    if round(amount, 4) >= 1:  # 0.99999 reads '$1.00', not '$1.0000'
        return f"{sign}${amount:,.2f}"
    if amount < 0.00005:  # would round to $0.0000
        return f"{sign}<$0.0001"
    return f"{sign}${amount:.4f}"


def duration(seconds: float | None) -> str:
    """Compact elapsed time: '45s', '2m 05s', '1h 02m', '2d 03h'. Negative values (clock skew) read as '0s'."""
    if seconds is None:
        return MISSING
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"
