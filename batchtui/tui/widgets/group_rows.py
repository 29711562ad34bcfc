"""A group's row in the batch list: the file sent as several batches, shown as one row with its parts summed.

The row reads like a batch's (status, the five counts and their bar, total, times, cost) with the group's name, a
marker saying whether its parts are shown beneath (▸ / ▾) and how many parts it has. Its parts, when shown, are
ordinary batch rows with an indented name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from batchtui.core import fmt
from batchtui.core.groups import GroupPart, GroupSummary
from batchtui.core.models import BatchRecord
from batchtui.core.spend import UNKNOWN, money
from batchtui.tui.safe import as_text
from batchtui.tui.widgets.batch_table import (
    EMPTY,
    NAME_WIDTH,
    MarkCell,
    _count,
    _status,
    count_bar,
    counts_cell,
    one_line,
)

COLLAPSED, EXPANDED = "▸", "▾"
CHILD, LAST_CHILD = "  ├ ", "  └ "

# What the status column says of a group (the words beyond the API's: see group_status).
GROUP_STATUS_STYLE = {"sending": "bold dodger_blue1", "incomplete": "bold yellow"}


def group_status(group: GroupSummary, batches: Sequence[BatchRecord], sending: bool = False) -> str:
    """in_progress while any part runs; canceling while any is being canceled; sending while this dashboard is still
    sending parts; incomplete when parts have no batch (not sent, failed, or their outcome unknown); else ended."""
    statuses = {b.status_label for b in batches}
    if "in_progress" in statuses:
        return "in_progress"
    if "canceling" in statuses:
        return "canceling"
    if sending:
        return "sending"
    if not group.complete:
        return "incomplete"
    return "ended"


def part_name(part: GroupPart, batch: BatchRecord, group: GroupSummary) -> str:
    """A part's name under its group: its label when someone gave it one, else "part k of N" (the automatic label
    repeats the group's name, which the row above already shows)."""
    n = group.group.part_count
    automatic = f"{group.group.name} (part {part.spec.part}/{n})"
    if batch.label and batch.label != automatic:
        return batch.label
    return f"part {part.spec.part} of {n}"


def created_of(group: GroupSummary, batches: Sequence[BatchRecord]) -> datetime:
    """When its first batch was created (the API's clock, like every other row); the group's own record before."""
    return min((b.created_at for b in batches), default=group.group.created_at)


def _name_cell(group: GroupSummary, expanded: bool) -> Text:
    parts = group.group.part_count
    made = "" if group.complete else f"{group.parts_done}/"  # unfinished: how many have a batch, at a glance
    suffix = f"  {made}{parts} part{'s' if parts != 1 else ''}"
    name = one_line(group.group.name, NAME_WIDTH - 2 - len(suffix))
    cell = Text(EXPANDED if expanded else COLLAPSED, style="bold")
    cell.append(" ")
    cell.append_text(as_text(name, style="bold"))  # the group's name comes from a label or a file name: untrusted
    cell.append(suffix, style="dim")
    cell.no_wrap, cell.overflow = True, "ellipsis"  # a narrower column (a narrow terminal) ends it with "…"
    return cell


def _status_cell(status: str) -> Text:
    if status in GROUP_STATUS_STYLE:
        return Text(status, style=GROUP_STATUS_STYLE[status])
    return _status(status)


def _cost_cell(group: GroupSummary) -> Text:
    status = group.cost_status  # the sum only when every part's cost is known; never a partial sum
    style = {"known": "", UNKNOWN: "yellow", "pending": "dim"}[status]
    return Text(money(group.cost_usd, status), style=style, justify="right")


def group_time_words(batches: Sequence[BatchRecord], created: datetime, now: datetime) -> tuple[str, ...]:
    """Created, elapsed (until the last part ended, or now) and "ended / expires" (the last part to end, or the
    latest expiry of those in flight)."""
    if not batches:
        return fmt.ago(created, now), fmt.MISSING, fmt.MISSING
    running = [b.expires_at for b in batches if b.ended_at is None and b.expires_at is not None]
    ended = [b.ended_at for b in batches if b.ended_at is not None]
    if not running and ended:  # every batch made has ended (the group may still lack parts)
        last = max(ended)
        return fmt.ago(created, now), fmt.duration((last - created).total_seconds()), fmt.ago(last, now)
    when = fmt.until(max(running), now) if running else fmt.MISSING
    return fmt.ago(created, now), fmt.duration((now - created).total_seconds()), when


def group_cells(
    group: GroupSummary,
    batches: Sequence[BatchRecord],
    *,
    marked: bool,
    expanded: bool,
    sending: bool,
    now: datetime,
) -> tuple[Text, ...]:
    """The group's row, in the list's column order. `batches`: its parts' batches as currently cached."""
    c = group.request_counts
    status = group_status(group, batches, sending)
    in_flight = status in ("in_progress", "canceling")
    created, elapsed, when = group_time_words(batches, created_of(group, batches), now)
    return (
        MarkCell(group.id, marked),
        _name_cell(group, expanded),
        _status_cell(status),
        EMPTY,
        count_bar(c),
        _count(c.processing, "dodger_blue1"),
        _count(c.succeeded, "green"),
        _count(c.errored, "red"),
        _count(c.canceled, "yellow"),
        _count(c.expired, "magenta"),
        counts_cell(c),
        Text(fmt.count(c.total), style="bold", justify="right"),
        as_text(created),
        Text(elapsed, style="bold" if in_flight else "dim", justify="right"),
        as_text(when, style="yellow" if in_flight else ""),
        _cost_cell(group),
    )
