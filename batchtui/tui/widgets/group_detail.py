"""The detail pane for a group row: the group (name, file, parts made, what to do about parts without a batch), its
parts' counts summed with the cost (the sum only when every part's is known), and each part's state and batch.

The three columns are the batch pane's (DetailPane.show_columns), so a group reads like a batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from batchtui.core import fmt
from batchtui.core.cost import saved_usd
from batchtui.core.groups import GroupPart, GroupSummary
from batchtui.core.models import COUNT_KEYS, BatchRecord
from batchtui.core.spend import UNKNOWN, money
from batchtui.tui.widgets.batch_table import STATUS_STYLE
from batchtui.tui.widgets.detail_pane import Field, _stamp, fields_content
from batchtui.tui.widgets.group_rows import GROUP_STATUS_STYLE, created_of, group_status

MAX_PARTS_SHOWN = 10  # the pane is at most 12 lines of text
PART_STYLE = {
    "created": "green",
    "probable": "yellow",
    "sending": "dodger_blue1",
    "unknown": "bold red",
    "failed": "red",
    "pending": "dim",
}


def ranges(numbers: Sequence[int]) -> str:
    """1, 2, 3, 5 → "1–3, 5"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _parts_word(numbers: Sequence[int]) -> str:
    return f"{'part' if len(numbers) == 1 else 'parts'} {ranges(numbers)}"


def what_to_do(group: GroupSummary, sending: bool) -> list[Field]:
    """For parts without a batch: how the group is finished (nameless fields: notes spanning the column)."""
    if sending:
        return [("", "being sent from this dashboard now: the rest of its parts follow", "dodger_blue1")]
    notes: list[Field] = []
    open_parts = [p.spec.part for p in group.parts if p.state in ("unknown", "sending")]
    if open_parts:
        notes.append(
            (
                "",
                f"{_parts_word(open_parts)} sent with no answer yet: `batchtui sync` (or the dashboard's poll) "
                "resolves it; then submit the same file again to continue",
                "yellow",
            )
        )
    planned = {p.spec.part: p.state for p in group.parts}
    unsent = [n for n in range(1, group.group.part_count + 1) if planned.get(n, "pending") in ("pending", "failed")]
    if unsent:
        notes.append(
            (
                "",
                f"{_parts_word(unsent)} without a batch: submit the same file again to continue (parts that have a "
                "batch are never sent again)",
                "yellow",
            )
        )
    for p in group.parts:
        if p.state == "failed" and p.submission is not None and p.submission.error:
            notes.append(("", f"part {p.spec.part}: {p.submission.error}", "red"))
            break  # the first one says why the group stopped
    return notes


def group_fields(group: GroupSummary, batches: Sequence[BatchRecord], now: datetime, sending: bool) -> list[Field]:
    g = group.group
    status = group_status(group, batches, sending)
    style = GROUP_STATUS_STYLE.get(status) or STATUS_STYLE.get(status, "")
    return [
        ("group", g.name, "bold"),
        ("id", g.id, ""),
        ("status", status.replace("_", " "), style),
        ("source file", g.source_file or fmt.MISSING, ""),
        ("created", _stamp(created_of(group, batches), now), ""),  # its first batch, like the row
        ("parts", f"{group.parts_done} of {g.part_count} have a batch", ""),
        ("requests", f"{fmt.count(g.request_count)} in the file · {fmt.naturalsize(g.body_bytes)}", ""),
        *what_to_do(group, sending),
    ]


def group_count_fields(group: GroupSummary) -> list[Field]:
    c = group.request_counts
    total = c.total
    styles = {"processing": "dodger_blue1", "succeeded": "green", "errored": "red", "canceled": "yellow"}
    fields: list[Field] = [("total", fmt.count(total), "bold")]
    for key in COUNT_KEYS:
        n = getattr(c, key)
        share = f"  {n / total:.1%}" if total and n else ""
        fields.append((key, fmt.count(n) + share, styles.get(key, "magenta") if n else "dim"))
    status = group.cost_status
    fields.append(("cost", money(group.cost_usd, status), "yellow" if status == UNKNOWN else ""))
    if status == "known":
        fields.append(("saved", fmt.money(saved_usd(group.cost_usd)), "green"))
    else:  # a partial sum would read as the whole
        fields.append(("", "summed once every part's cost is known", "dim italic"))
    return fields


STATUS_WORD = {"in_progress": "running"}  # the part's batch, in a word (the column is narrow)


def part_field(part: GroupPart, batch: BatchRecord | None, total: int) -> Field:
    """`2/5  msgbatch_…  running`: its batch and the batch's status; a part without one says its state."""
    status = STATUS_WORD.get(batch.status_label, batch.status_label) if batch is not None else ""
    if part.state == "created" and part.batch_id:
        value = f"{part.batch_id}  {status}"
    elif part.batch_id:  # probable: the batch that fits, not verified yet
        value = f"{part.batch_id}  {part.state} · {status}"
    else:
        value = part.state + (" (nothing was created)" if part.state == "failed" else "")
    return (f"{part.spec.part}/{total}", value.rstrip(" ·"), PART_STYLE.get(part.state, ""))


def part_fields(group: GroupSummary, by_id: dict[str, BatchRecord]) -> list[Field]:
    total = group.group.part_count
    fields = [part_field(p, by_id.get(p.batch_id or "") or p.batch, total) for p in group.parts[:MAX_PARTS_SHOWN]]
    if (hidden := len(group.parts) - MAX_PARTS_SHOWN) > 0:
        fields.append(("", f"and {hidden} more (batchtui show {group.id})", "dim"))
    if not fields:
        fields.append(("", "no part recorded yet", "dim"))
    return fields


def group_columns(
    group: GroupSummary, batches: Sequence[BatchRecord], by_id: dict[str, BatchRecord], now: datetime, sending: bool
) -> tuple[Content, Content, Content]:
    """The pane's three columns for a group. `batches`: its parts' batches as currently cached."""
    return (
        fields_content(group_fields(group, batches, now, sending), 13),
        fields_content(group_count_fields(group), 11),
        fields_content(part_fields(group, by_id), 7),
    )
