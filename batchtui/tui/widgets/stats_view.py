"""What the stats screen says, built from `service.stats.Stats`: the totals, the day series behind the charts, and
the rows of the per-day and error-type tables. Pure functions (no widgets), so the words are tested directly.

A cost is never guessed: the known part is shown, and the batches whose cost is unknown (a billed result with no
known price, results gone before they were downloaded) or pending (running, not downloaded yet) are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from rich.text import Text
from textual.content import Content

from batchtui.core import fmt
from batchtui.core.spend import UNKNOWN
from batchtui.service.stats import Figures, Stats
from batchtui.tui.safe import as_text, content_assemble


@dataclass(frozen=True)
class Period:
    key: str
    title: str
    days: int | None  # None: everything in the cache

    def since(self, now: datetime) -> datetime | None:
        """Midnight UTC starting the period: the last `days` UTC days, today included."""
        if self.days is None:
            return None
        first = now.astimezone(UTC).date() - timedelta(days=self.days - 1)
        return datetime.combine(first, time(), UTC)


PERIODS = (Period("all", "All time", None), Period("30d", "Last 30 days", 30), Period("7d", "Last 7 days", 7))


def rate(value: float | None) -> str:
    return fmt.MISSING if value is None else f"{value:.1%}"


def left_out(f: Figures) -> str:
    """`1 unknown · 2 pending`: the batches a cost figure leaves out, or ''."""
    parts = []
    if f.unknown_cost_batches:
        parts.append(f"{fmt.count(f.unknown_cost_batches)} {UNKNOWN}")
    if f.pending_cost_batches:
        parts.append(f"{fmt.count(f.pending_cost_batches)} pending")
    return " · ".join(parts)


def money_cell(f: Figures, usd: float, *, callout: bool = True) -> str:
    """A cost figure of a day or a period: the known part (with what it leaves out, when `callout`); no number
    when nothing is priced."""
    if not f.priced_batches:
        return UNKNOWN if f.unknown_cost_batches else ("pending" if f.pending_cost_batches else fmt.MISSING)
    extra = left_out(f) if callout else ""
    return fmt.money(usd) + (f" + {extra}" if extra else "")


Field = tuple[str, str, str]  # (name, value, style)


def totals_columns(stats: Stats) -> tuple[Content, Content]:
    """What ran, and what it cost and saved."""
    t = stats.total
    running = f" ({fmt.count(t.processing)} still running)" if t.processing else ""
    ran: list[Field] = [
        ("batches", fmt.count(t.batches), "bold"),
        ("requests", fmt.count(t.requests) + running, "bold"),
        ("succeeded", fmt.count(t.succeeded), "green" if t.succeeded else "dim"),
        ("errored", fmt.count(t.errored), "red" if t.errored else "dim"),
        ("expired", fmt.count(t.expired), "magenta" if t.expired else "dim"),
        ("canceled", fmt.count(t.canceled), "yellow" if t.canceled else "dim"),
        ("success rate", f"{rate(t.success_rate)} of {fmt.count(t.finished)} with an outcome", "bold"),
    ]
    priced = f"{fmt.count(t.priced_batches)} batch{'' if t.priced_batches == 1 else 'es'} priced"
    cost: list[Field] = [
        ("spent", f"{money_cell(t, t.cost_usd, callout=False)} at batch rates ({priced})", "bold"),
        ("standard API", money_cell(t, t.standard_cost_usd, callout=False), ""),
        ("saved", money_cell(t, t.saved_usd, callout=False), "bold green" if t.priced_batches else ""),
    ]
    if t.cache_saved_usd:  # only where prompt caching was used (its unknown part is called out with it)
        cost.append(("caching", cache_text(t), "green" if t.cache_saved_usd > 0 else "yellow"))
    if t.reused_requests:  # answers taken from earlier batches instead of sent again (`submit --reuse`)
        unknown = f" (+ {UNKNOWN} for {fmt.count(t.reuse_unpriced_requests)})" if t.reuse_unpriced_requests else ""
        text = f"{fmt.count(t.reused_requests)} answers, saved {fmt.money(t.reuse_saved_usd)}{unknown}"
        cost.append(("reused", text, "green"))
    if n := t.unknown_cost_batches:
        cost.append((UNKNOWN, f"{_batches(n)}: no known price, or results gone; never guessed", "yellow"))
    if n := t.pending_cost_batches:
        cost.append(("pending", f"{_batches(n)}: running, or results not downloaded yet", "dim"))
    turnaround = f"median {fmt.duration(t.turnaround(0.5))} · p90 {fmt.duration(t.turnaround(0.9))}"
    cost.append(("turnaround", f"{turnaround} · max {fmt.duration(max(t.turnarounds, default=None))}", ""))
    return _fields(ran), _fields(cost)


def cache_text(f: Figures) -> str:
    """What prompt caching saved, from the usage (negative: writes that too few reads made up for)."""
    saved = f.cache_saved_usd
    text = f"saved {fmt.money(saved)}" if saved >= 0 else f"cost {fmt.money(-saved)} more"
    if n := f.cache_unknown_batches:
        text += f" (+ {UNKNOWN} for {_batches(n)})"
    return text


def _batches(n: int) -> str:
    return f"{fmt.count(n)} batch{'' if n == 1 else 'es'}"


def _fields(fields: list[Field]) -> Content:
    parts: list[str | tuple[str, str]] = []
    for i, (name, value, style) in enumerate(fields):
        parts += ["\n" if i else "", (f"{name:<14}", "dim"), (value, style) if style else value]
    return content_assemble(*parts)


def day_span(stats: Stats, since: datetime | None, today: date) -> list[str]:
    """Every UTC day of the period, oldest first (days without a batch too, so a chart's gaps show)."""
    if since is not None:
        first = since.astimezone(UTC).date()
    elif stats.days:
        first = date.fromisoformat(next(iter(stats.days)))
    else:
        return []
    last = max(today, date.fromisoformat(list(stats.days)[-1])) if stats.days else today
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def series(stats: Stats, days: list[str]) -> tuple[list[float], list[float]]:
    """Requests per day, and the known cost per day, over `days` (0 for a day without a batch)."""
    empty = Figures()
    requests = [float(stats.days.get(d, empty).requests) for d in days]
    spent = [stats.days.get(d, empty).cost_usd for d in days]
    return requests, spent


def peak_text(what: str, days: list[str], values: list[float], money: bool = False) -> Content:
    if not days or not any(values):
        return Content.styled(f"{what}: none in this period", "dim")
    top = max(range(len(values)), key=values.__getitem__)
    shown = fmt.money(values[top]) if money else fmt.count(int(values[top]))
    return content_assemble(
        (what, "bold"), ("  peak ", "dim"), shown, (" on ", "dim"), days[top], (f"  ·  {days[0]} → {days[-1]}", "dim")
    )


DAY_COLUMNS = (
    ("Day (UTC)", False),
    ("Batches", True),
    ("Requests", True),
    ("Succeeded", True),
    ("Errored", True),
    ("Expired", True),
    ("Canceled", True),
    ("Success", True),
    ("Spent", True),
    ("Saved", True),
    ("Turnaround", True),
)


def day_rows(stats: Stats) -> list[tuple[str, tuple[Text, ...]]]:
    """(day, cells) per day with batches, newest first."""
    rows = []
    for day, f in reversed(stats.days.items()):
        values = (
            day,
            fmt.count(f.batches),
            fmt.count(f.requests),
            fmt.count(f.succeeded),
            fmt.count(f.errored),
            fmt.count(f.expired),
            fmt.count(f.canceled),
            rate(f.success_rate),
            money_cell(f, f.cost_usd),
            money_cell(f, f.saved_usd, callout=False),
            fmt.duration(f.turnaround(0.5)),
        )
        cells = tuple(
            Text(v, justify="right" if right else "left") for v, (_, right) in zip(values, DAY_COLUMNS, strict=True)
        )
        rows.append((day, cells))
    return rows


def error_rows(stats: Stats) -> list[tuple[Text, Text]]:
    """Error types as the API named them (untrusted: sanitized, never markup), most frequent first."""
    return [(as_text(kind, "red"), Text(fmt.count(n), justify="right")) for kind, n in stats.error_types.items()]
