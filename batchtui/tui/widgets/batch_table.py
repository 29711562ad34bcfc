"""The batch list: a keyed DataTable updated in place (only changed cells), so live refresh never flickers and the
cursor stays on its batch whatever rows come and go."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from batchtui.commands.batches import status_of
from batchtui.core import fmt
from batchtui.core.models import BatchRecord, RequestCounts
from batchtui.tui.safe import as_text

NAME_WIDTH = 26
BAR_WIDTH = 14
MARK = "●"

# (key, label, width or None for "fit the content", right-aligned)
COLUMNS: tuple[tuple[str, str, int | None, bool], ...] = (
    ("mark", " ", 1, False),
    ("name", "Label / id", NAME_WIDTH, False),
    ("status", "Status", 11, False),
    ("bar", "Progress", BAR_WIDTH, False),
    ("processing", "Proc.", None, True),
    ("succeeded", "OK", None, True),
    ("errored", "Err.", None, True),
    ("canceled", "Canc.", None, True),
    ("expired", "Exp.", None, True),
    ("total", "Total", None, True),
    ("created", "Created", 14, False),
    ("elapsed", "Elapsed", 7, True),
    ("when", "Ended / expires", 15, False),
    ("cost", "Cost", None, True),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)

STATUS_STYLE = {
    "in_progress": "bold dodger_blue1",
    "canceling": "bold yellow",
    "ended": "green",
    "deleted": "dim strike",
    "archived": "dim",
}
# Bar segments in the order they are drawn: finished outcomes first, what is still processing last.
SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("succeeded", "█", "green"),
    ("errored", "█", "red"),
    ("canceled", "█", "yellow"),
    ("expired", "█", "magenta"),
    ("processing", "░", "dodger_blue1"),
)


class MarkCell(Text):
    """The mark column's cell; it carries its batch id so rows can be put back in order (DataTable.sort's key
    function sees cell values, not row keys)."""

    def __init__(self, batch_id: str, marked: bool) -> None:
        super().__init__(MARK if marked else " ", style="bold magenta")
        self.batch_id = batch_id


def one_line(value: str, width: int) -> str:
    """Untrusted text squeezed into a single table cell: no line breaks, truncated with an ellipsis."""
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def bar_widths(counts: RequestCounts, width: int) -> list[int]:
    """Cells per segment, proportional to its share of the total (all five counts), summing to `width` exactly
    (largest remainder). A bucket that is not empty always gets at least one cell, so one error in ten thousand
    still shows."""
    values = [getattr(counts, key) for key, _, _ in SEGMENTS]
    total = sum(values)
    if total == 0:
        return [0] * len(values)
    exact = [v * width / total for v in values]
    cells = [int(x) for x in exact]
    for i in sorted(range(len(values)), key=lambda i: exact[i] - cells[i], reverse=True)[: width - sum(cells)]:
        cells[i] += 1
    for i, v in enumerate(values):
        if v and not cells[i]:
            cells[i] = 1
            cells[cells.index(max(cells))] -= 1
    return cells


def count_bar(counts: RequestCounts, width: int = BAR_WIDTH) -> Text:
    if counts.total == 0:
        return Text("·" * width, style="dim")
    bar = Text()
    for (_, char, style), n in zip(SEGMENTS, bar_widths(counts, width), strict=True):
        bar.append(char * n, style=style)
    return bar


def _count(n: int, style: str) -> Text:
    return Text(fmt.count(n), style=style if n else "dim", justify="right")


def elapsed_of(batch: BatchRecord, now: datetime) -> float:
    """Seconds the batch ran (ended) or has been running (in flight)."""
    end = batch.ended_at or now
    return (end - batch.created_at).total_seconds()


def row_cells(batch: BatchRecord, marked: bool, now: datetime) -> tuple[Text, ...]:
    """One row of the list. Every cell is a Text built from sanitized text: nothing here is parsed as markup."""
    c = batch.request_counts
    status = status_of(batch)
    in_flight = batch.processing_status != "ended" and not batch.deleted_remotely
    if batch.ended_at is not None:
        when = as_text(fmt.ago(batch.ended_at, now))
    else:
        when = as_text(fmt.until(batch.expires_at, now), style="yellow" if in_flight else "")
    name = as_text(one_line(batch.display_name, NAME_WIDTH), style="" if batch.label else "dim")
    return (
        MarkCell(batch.id, marked),
        name,
        as_text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")),  # the server's word: untrusted
        count_bar(c),
        _count(c.processing, "dodger_blue1"),
        _count(c.succeeded, "green"),
        _count(c.errored, "red"),
        _count(c.canceled, "yellow"),
        _count(c.expired, "magenta"),
        Text(fmt.count(c.total), style="bold", justify="right"),
        as_text(fmt.ago(batch.created_at, now)),
        Text(fmt.duration(elapsed_of(batch, now)), style="bold" if in_flight else "dim", justify="right"),
        when,
        Text(fmt.money(batch.cost_usd), style="" if batch.cost_usd is not None else "dim", justify="right"),
    )


class BatchTable(DataTable[Text]):
    """Rows keyed by batch id; `show()` reconciles the table with a new list, touching only what changed."""

    # Replaces DataTable's hidden `enter` so the footer shows it; same id as the screen's, so one remap moves both.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="batch.open", tooltip="Browse the batch's results"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._shown: dict[str, tuple[Text, ...]] = {}

    def on_mount(self) -> None:
        for key, label, width, right in COLUMNS:
            self.add_column(Text(label, justify="right" if right else "left"), key=key, width=width)

    @property
    def cursor_batch_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor is past the last row (it is clamped on the next refresh)
            return None

    @property
    def batch_ids(self) -> list[str]:
        """Row keys in display order."""
        return [row.key.value for row in self.ordered_rows if row.key.value is not None]

    def select_batch(self, batch_id: str) -> bool:
        if batch_id not in self._shown:
            return False
        self.move_cursor(row=self.get_row_index(batch_id))
        return True

    def show(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        """Make the table hold exactly `rows` (batch id, cells) in this order. Unchanged cells are not touched,
        changed ones are updated in place, rows are added and removed by key, and the cursor stays on the batch it
        was on (or, if that batch went away, on the row that took its place)."""
        keep = self.cursor_batch_id
        wanted = dict(rows)
        with self.app.batch_update():
            for batch_id in [k for k in self._shown if k not in wanted]:
                self.remove_row(batch_id)
                del self._shown[batch_id]
            for batch_id, cells in rows:
                old = self._shown.get(batch_id)
                if old is None:
                    self.add_row(*cells, key=batch_id)
                else:
                    for column, before, after in zip(COLUMN_KEYS, old, cells, strict=True):
                        if before != after:
                            self.update_cell(batch_id, column, after, update_width=column_fits(column))
                self._shown[batch_id] = cells
            order = [batch_id for batch_id, _ in rows]
            if self.batch_ids != order:
                position = {batch_id: i for i, batch_id in enumerate(order)}
                self.sort("mark", key=lambda cell: position[cell.batch_id])
            if keep is not None and keep in wanted:
                self.move_cursor(row=self.get_row_index(keep), animate=False)


def column_fits(column: str) -> bool:
    """Columns without a fixed width grow to fit a wider value (counts and money can gain digits)."""
    return next(width for key, _, width, _ in COLUMNS if key == column) is None
