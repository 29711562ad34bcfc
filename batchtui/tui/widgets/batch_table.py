"""The batch list: a keyed DataTable updated in place (only changed cells), so live refresh never flickers and the
cursor stays on its batch whatever rows come and go.

A batch carried by a Temporal workflow shows the workflow's phase in its own column (empty for the others).

Built for thousands of batches: a row's cells are built once per batch state and kept (`RowCache`), a clock tick
only re-words the three time cells, `show` skips a row whose cells are the very same tuple, and the table measures
its cells by their length instead of asking Rich for each one (see `BatchTable._update_dimensions`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice
from typing import ClassVar

from rich.cells import cell_len
from rich.console import ConsoleOptions
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets._data_table import ColumnKey, RowKey

from batchtui.core import fmt
from batchtui.core.models import WORKFLOW_FINAL_PHASES, BatchRecord, RequestCounts, WorkflowLink
from batchtui.core.spend import UNKNOWN, batch_cost_status, money
from batchtui.tui.safe import as_text
from batchtui.tui.widgets.plain_table import measure_new_rows

NAME_WIDTH = 26
BAR_WIDTH = 14
MARK = "●"
DRAWN_CELLS = 20_000  # cells kept drawn (a screenful is a few hundred); past this the store starts again
REBUILD_AFTER = 16  # more stale rows than this: clear and refill rather than remove one by one

# (key, label, width or None for "fit the content", right-aligned)
COLUMNS: tuple[tuple[str, str, int | None, bool], ...] = (
    ("mark", " ", 1, False),
    ("name", "Label / id", NAME_WIDTH, False),
    ("status", "Status", 11, False),
    ("workflow", "WF", None, False),  # the workflow's phase; fits its content, so 4 cells when no workflow is in view
    ("bar", "Progress", BAR_WIDTH, False),
    ("processing", "Proc.", None, True),
    ("succeeded", "OK", None, True),
    ("errored", "Err.", None, True),
    ("canceled", "Canc.", None, True),
    ("expired", "Exp.", None, True),
    ("counts", "Counts", None, False),  # the non-zero counts in one cell: the five columns above, when narrow
    ("total", "Total", None, True),
    ("created", "Created", 14, False),
    ("elapsed", "Elapsed", 7, True),
    ("when", "Ended / expires", 15, False),
    ("cost", "Cost", None, True),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
COLUMN_INDEX = {key: i for i, key in enumerate(COLUMN_KEYS)}

STATUS_STYLE = {
    "in_progress": "bold dodger_blue1",
    "canceling": "bold yellow",
    "ended": "green",
    "deleted": "dim strike",
    "archived": "dim",
}
PHASE_WIDTH = 11  # "downloading", the longest phase
PHASE_STYLE = {
    "checking": "dim",
    "creating": "dodger_blue1",
    "tracking": "dodger_blue1",
    "canceling": "bold yellow",
    "downloading": "cyan",
    "retrying": "magenta",
    "notifying": "cyan",
    "done": "green",
    "failed": "red",
    "canceled": "yellow",
    "terminated": "red",
    "timed out": "red",
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


@lru_cache(maxsize=4096)
def count_bar(counts: RequestCounts, width: int = BAR_WIDTH) -> Text:
    """Cached: a finished batch's counts never change, and many batches share them. (Cells are never mutated, so
    rows may share one Text.)"""
    if counts.total == 0:
        return Text("·" * width, style="dim")
    bar = Text()
    for (_, char, style), n in zip(SEGMENTS, bar_widths(counts, width), strict=True):
        bar.append(char * n, style=style)
    return bar


@lru_cache(maxsize=4096)
def _count(n: int, style: str) -> Text:
    return Text(fmt.count(n), style=style if n else "dim", justify="right")


# The compact counts cell: (count field, word, style), in the wide columns' order.
COUNT_WORDS: tuple[tuple[str, str, str], ...] = (
    ("processing", "proc", "dodger_blue1"),
    ("succeeded", "ok", "green"),
    ("errored", "err", "red"),
    ("canceled", "canc", "yellow"),
    ("expired", "exp", "magenta"),
)


@lru_cache(maxsize=4096)
def counts_cell(counts: RequestCounts) -> Text:
    """Only the counts that are not zero, each with its word: "228 ok 11 err 1 exp" (what a narrow list shows
    in place of the five count columns)."""
    cell = Text()
    for field, word, style in COUNT_WORDS:
        if n := getattr(counts, field):
            if cell:
                cell.append(" ")
            cell.append(fmt.count(n), style=style)
            cell.append(f" {word}", style="dim")
    return cell or Text("·", style="dim")


@lru_cache(maxsize=256)
def _status(status: str) -> Text:
    return as_text(status.replace("_", " "), style=STATUS_STYLE.get(status, ""))  # the server's word: untrusted


def phase_word(link: WorkflowLink) -> str:
    """The workflow's phase as a person reads it; a workflow that was stopped from outside (terminated, timed out)
    says so, whatever phase it had reached."""
    if link.closed is not None and link.phase not in WORKFLOW_FINAL_PHASES:
        return link.closed.lower().replace("_", " ")
    return link.phase or "workflow"


@lru_cache(maxsize=64)
def _phase_cell(word: str) -> Text:
    return as_text(one_line(word, PHASE_WIDTH), style=PHASE_STYLE.get(word, ""))  # visibility's word: untrusted


EMPTY = Text("")


def elapsed_of(batch: BatchRecord, now: datetime) -> float:
    """Seconds the batch ran (ended) or has been running (in flight)."""
    end = batch.ended_at or now
    return (end - batch.created_at).total_seconds()


def _in_flight(batch: BatchRecord) -> bool:
    return batch.processing_status != "ended" and not batch.deleted_remotely


Indent = tuple[str, str] | None  # a part under its group: (tree prefix, name under the group)


def static_cells(
    batch: BatchRecord, marked: bool, link: WorkflowLink | None = None, indent: Indent = None
) -> tuple[Text, ...]:
    """The cells that depend on the batch (and its workflow) alone: everything but the three time columns."""
    c = batch.request_counts
    if indent is None:
        name = as_text(one_line(batch.display_name, NAME_WIDTH), style="" if batch.label else "dim")
    else:  # a part shown under its group row
        prefix, under = indent
        name = Text(prefix, style="dim")
        name.append_text(as_text(one_line(under, NAME_WIDTH - len(prefix))))
    name.no_wrap, name.overflow = True, "ellipsis"  # a narrower column (a narrow terminal) ends it with "…"
    return (
        MarkCell(batch.id, marked),
        name,
        _status(batch.status_label),
        EMPTY if link is None else _phase_cell(phase_word(link)),
        count_bar(c),
        _count(c.processing, "dodger_blue1"),
        _count(c.succeeded, "green"),
        _count(c.errored, "red"),
        _count(c.canceled, "yellow"),
        _count(c.expired, "magenta"),
        counts_cell(c),
        Text(fmt.count(c.total), style="bold", justify="right"),
        _cost_cell(batch),
    )


def _cost_cell(batch: BatchRecord) -> Text:
    status = batch_cost_status(batch)  # unknown (a result with no known price) reads so, never as a number
    style = {"known": "", UNKNOWN: "yellow", "pending": "dim"}[status]
    return Text(money(batch.cost_usd, status), style=style, justify="right")


def time_words(batch: BatchRecord, now: datetime) -> tuple[str, str, str]:
    """What the created, elapsed and "ended / expires" cells say at `now` (cheap: no Text is built)."""
    when = fmt.ago(batch.ended_at, now) if batch.ended_at is not None else fmt.until(batch.expires_at, now)
    return fmt.ago(batch.created_at, now), fmt.duration(elapsed_of(batch, now)), when


def assemble(batch: BatchRecord, static: tuple[Text, ...], words: tuple[str, str, str]) -> tuple[Text, ...]:
    """One row from its static cells and its time words, in column order."""
    in_flight = _in_flight(batch)
    created, elapsed, when = words
    when_style = "" if batch.ended_at is not None or not in_flight else "yellow"
    return (
        *static[:-1],
        as_text(created),
        Text(elapsed, style="bold" if in_flight else "dim", justify="right"),
        as_text(when, style=when_style),
        static[-1],
    )


def row_cells(batch: BatchRecord, marked: bool, now: datetime, link: WorkflowLink | None = None) -> tuple[Text, ...]:
    """One row of the list. Every cell is a Text built from sanitized text: nothing here is parsed as markup."""
    return assemble(batch, static_cells(batch, marked, link), time_words(batch, now))


@dataclass(slots=True)
class _Built:
    batch: BatchRecord
    marked: bool
    link: WorkflowLink | None
    indent: Indent
    static: tuple[Text, ...]
    words: tuple[str, str, str]
    row: tuple[Text, ...]


class RowCache:
    """Each batch's row, built once per (batch state, mark, workflow) and kept; at a later `now` only the time words
    are recomputed, and a row whose words did not change comes back as the very same tuple (`show` skips it without
    comparing cells)."""

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}

    def cells(
        self, batch: BatchRecord, marked: bool, now: datetime, link: WorkflowLink | None = None, indent: Indent = None
    ) -> tuple[Text, ...]:
        built = self._built.get(batch.id)
        words = time_words(batch, now)
        if (
            built is None
            or built.marked != marked
            or built.indent != indent
            or (built.link is not link and built.link != link)
            or (built.batch is not batch and built.batch != batch)
        ):
            static = static_cells(batch, marked, link, indent)
            self._built[batch.id] = _Built(batch, marked, link, indent, static, words, assemble(batch, static, words))
            return self._built[batch.id].row
        built.batch, built.link = batch, link  # equal: keep the newest objects, so the identity checks hit next time
        if built.words != words:
            built.words = words
            built.row = assemble(batch, built.static, words)
        return built.row

    def keep_only(self, batch_ids: Collection[str]) -> None:
        """Forget batches no longer in the store."""
        for batch_id in [k for k in self._built if k not in batch_ids]:
            del self._built[batch_id]


COUNT_KEYS = ("processing", "succeeded", "errored", "canceled", "expired")
KEPT = ("mark", "name", "status", "total", "cost")  # always shown, whatever the width
# Kept while they fit, in this order; the last ones drop first.
OPTIONAL = ("workflow", "bar", "elapsed", "when", "created")
MEASURED = (*COUNT_KEYS, "workflow", "counts", "total", "cost")  # fit their content: measured on every change
MEASURED_INDEXES = tuple((key, COLUMN_INDEX[key]) for key in MEASURED)
MIN_NAME = 12
CELL_PADDING = 1  # DataTable's, each side of every cell


@dataclass(frozen=True, slots=True)
class Layout:
    keys: tuple[str, ...]  # the columns shown, in COLUMNS order
    name_width: int


def choose_layout(width: int, content: dict[str, int], nonzero: Collection[str], workflows: bool) -> Layout:
    """Which columns fit `width` cells, by priority, never by cutting a value: label, status, total and cost
    always; then the count columns that are not all zero (or, when those do not fit, one cell of the counts that
    are not zero); then the workflow phase (when a workflow is in view), the bar, elapsed, ended / expires and
    created, each while it fits; all-zero count columns last. Still too narrow: the label column narrows (its values
    end with "…"). `content`: each measured column's widest value (header included)."""

    def cells(key: str) -> int:
        fixed = COLUMNS[COLUMN_INDEX[key]][2]
        return (fixed if fixed is not None else content.get(key, 1)) + 2 * CELL_PADDING

    chosen = set(KEPT)
    used = sum(cells(k) for k in KEPT)
    separate = [k for k in COUNT_KEYS if k in nonzero]
    counts = separate if used + sum(map(cells, separate)) <= width else ["counts"]
    chosen.update(counts)
    used += sum(map(cells, counts))
    optional = [k for k in OPTIONAL if workflows or k != "workflow"]
    if counts is separate:
        optional += [k for k in COUNT_KEYS if k not in nonzero]
    for key in optional:  # one that does not fit leaves its room to a narrower one after it
        if used + cells(key) <= width:
            chosen.add(key)
            used += cells(key)
    name_width = NAME_WIDTH if used <= width else max(MIN_NAME, NAME_WIDTH - (used - width))
    return Layout(tuple(k for k in COLUMN_KEYS if k in chosen), name_width)


class RowMeasures:
    """measure_rows, remembering each row's own measure (rows are tuples of cells never mutated, kept by RowCache
    while their batch does not change): a clock tick or a resize measures only the rows that are new since."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[tuple[Text, ...], tuple[int, ...], frozenset[str]]] = {}

    def __call__(self, rows: Iterable[tuple[Text, ...]]) -> tuple[dict[str, int], set[str]]:
        kept, now = self._kept, {}
        for cells in rows:
            measured = kept.get(id(cells))
            if measured is None or measured[0] is not cells:
                widths: list[int] = []
                filled: list[str] = []
                for key, i in MEASURED_INDEXES:
                    plain = cells[i].plain
                    widths.append(cell_len(plain))
                    if plain and plain != "0":
                        filled.append(key)
                measured = (cells, tuple(widths), frozenset(filled))
            now[id(cells)] = measured
        self._kept = now  # (rows gone are forgotten; each kept entry holds its row, so its id is not reused)
        content = {key: cell_len(COLUMNS[COLUMN_INDEX[key]][1]) for key in MEASURED}
        if now:
            widest = map(max, zip(*(m[1] for m in now.values()), strict=True))
            for (key, _), width in zip(MEASURED_INDEXES, widest, strict=True):
                content[key] = max(content[key], width)
        return content, set().union(*(m[2] for m in now.values()))


def measure_rows(rows: Iterable[tuple[Text, ...]]) -> tuple[dict[str, int], set[str]]:
    """The widest value of each measured column (its header included), and which columns hold something in some
    row (a count that is not zero, a workflow's phase)."""
    content = {key: cell_len(COLUMNS[COLUMN_INDEX[key]][1]) for key in MEASURED}
    nonzero: set[str] = set()
    indexes = [(key, COLUMN_INDEX[key]) for key in MEASURED]
    for cells in rows:
        for key, i in indexes:
            plain = cells[i].plain
            width = cell_len(plain)
            if width > content[key]:
                content[key] = width
            if plain and plain != "0" and key not in nonzero:
                nonzero.add(key)  # a count column with a count, or a workflow phase in view
    return content, nonzero


class BatchTable(DataTable[Text]):
    """Rows keyed by batch id (a group's row by its group id); `show()` reconciles the table with a new list,
    touching only what changed."""

    # Replace DataTable's hidden `enter`, `right` and `left`; same ids as the screen's, so one remap moves both.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="batch.open", tooltip="Browse the batch's results"),
        Binding("right", "expand", "Expand", id="group.expand", tooltip="Show a group's parts", show=False),
        Binding("left", "collapse", "Collapse", id="group.collapse", tooltip="Hide a group's parts", show=False),
        Binding("home", "scroll_top", "First", id="list.first", tooltip="The first batch", show=False),
        Binding("end", "scroll_bottom", "Last", id="list.last", tooltip="The last batch", show=False),
    ]

    class GroupToggled(Message):
        """`right` / `left` on a group (or one of its parts): show or hide its parts."""

        def __init__(self, group_id: str, expand: bool) -> None:
            super().__init__()
            self.group_id = group_id
            self.expand = expand

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._shown: dict[str, tuple[Text, ...]] = {}
        self.groups: dict[str, bool] = {}  # group rows shown -> whether their parts are shown
        self.parents: dict[str, str] = {}  # part rows shown -> their group's row
        self.column_layout: Layout | None = None  # the columns shown (chosen for the width and the rows)
        self._columns: tuple[int, ...] = ()  # their indexes in a row's full cells
        self._drawn: dict[tuple[object, ...], tuple[object, SegmentLines]] = {}  # see _render_cell
        self._inner: dict[tuple[object, ...], tuple[object, ConsoleOptions, list[Segment]]] = {}  # see _draw_cell
        self._options_size: Size | None = None  # see _cell_options
        self._options_by_width: dict[int, ConsoleOptions] = {}
        self._measure = RowMeasures()

    def set_tree(self, groups: dict[str, bool], parents: dict[str, str]) -> None:
        """Which rows are groups (and expanded) and which are their parts, for `right` and `left`."""
        self.groups, self.parents = groups, parents

    def action_expand(self) -> None:
        key = self.cursor_batch_id
        if key is not None and self.groups.get(key) is False:
            self.post_message(self.GroupToggled(key, True))
        else:
            self.action_cursor_right()  # elsewhere DataTable's own: scroll a wide list sideways

    def action_collapse(self) -> None:
        key = self.cursor_batch_id
        group = key if key in self.groups else self.parents.get(key or "")
        if group is not None and self.groups.get(group):
            self.post_message(self.GroupToggled(group, False))
        else:
            self.action_cursor_left()

    def on_mount(self) -> None:
        self._set_columns(self._layout_for(()))

    def _layout_for(self, rows: Iterable[tuple[Text, ...]]) -> Layout:
        content, nonzero = self._measure(rows)
        # Room for the vertical scrollbar, shown or not: a list that grows past the screen must not re-flow.
        width = self.size.width - self.styles.scrollbar_size_vertical if self.size.width else 10_000
        return choose_layout(width, content, nonzero, "workflow" in nonzero)

    def _set_columns(self, layout: Layout) -> None:
        self.column_layout = layout
        self._columns = tuple(COLUMN_INDEX[key] for key in layout.keys)
        for key in layout.keys:
            _, label, width, right = COLUMNS[COLUMN_INDEX[key]]
            width = layout.name_width if key == "name" else width
            self.add_column(Text(label, justify="right" if right else "left"), key=key, width=width)

    def _shown_cells(self, cells: tuple[Text, ...]) -> list[Text]:
        return [cells[i] for i in self._columns]

    def on_resize(self) -> None:
        if self.column_layout is not None and self._layout_for(self._shown.values()) != self.column_layout:
            self._relayout(list(self._shown.items()))

    def _relayout(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        """Show `rows` under the columns that fit now (a resize, or values that grew or shrank)."""
        keep = self.cursor_batch_id
        index = self.cursor_row
        self._shown = dict(rows)
        layout = self._layout_for(self._shown.values())
        with self.app.batch_update():
            self.clear(columns=True)
            self._set_columns(layout)
            for batch_id, cells in rows:
                self.add_row(*self._shown_cells(cells), key=batch_id)
            if keep is not None and keep in self._shown:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
            elif rows:
                self.move_cursor(row=min(index, len(rows) - 1), animate=False)

    def get_cell(self, row_key: RowKey | str, column_key: ColumnKey | str) -> Text:
        """A row's cell in any column, shown or not (a narrow list hides some)."""
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        column = column_key.value if isinstance(column_key, ColumnKey) else column_key
        if key in self._shown and column in COLUMN_INDEX:
            return self._shown[key][COLUMN_INDEX[column]]
        return super().get_cell(row_key, column_key)

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

    def has_row(self, key: str) -> bool:
        return key in self._shown

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
        if self._layout_for(wanted.values()) != self.column_layout:  # the columns that fit changed: show them afresh
            self._relayout(rows)
            return
        stale = [k for k in self._shown if k not in wanted]
        with self.app.batch_update():
            if len(stale) > REBUILD_AFTER:
                # DataTable.remove_row re-indexes every row (O(n) each, textual#5273): clearing and adding the
                # rows again is far cheaper than removing many (e.g. a filter narrowing thousands to a few).
                index = self.cursor_row
                self.clear()
                self._shown.clear()
                for batch_id, cells in rows:
                    self.add_row(*self._shown_cells(cells), key=batch_id)
                    self._shown[batch_id] = cells
                if rows and (keep is None or keep not in wanted):
                    self.move_cursor(row=min(index, len(rows) - 1), animate=False)
            else:
                for batch_id in stale:
                    self.remove_row(batch_id)
                    del self._shown[batch_id]
            for batch_id, cells in rows:
                old = self._shown.get(batch_id)
                if old is cells:
                    continue
                if old is None:
                    self.add_row(*self._shown_cells(cells), key=batch_id)
                else:
                    for column, i in zip(self.column_layout.keys, self._columns, strict=True):
                        before, after = old[i], cells[i]
                        if before is not after and before != after:
                            self.update_cell(batch_id, column, after, update_width=column_fits(column))
                self._shown[batch_id] = cells
            if list(self._shown) != list(wanted):  # _shown is kept in display order; new rows went in at the end
                position = {batch_id: i for i, batch_id in enumerate(wanted)}
                self.sort("mark", key=lambda cell: position[cell.batch_id])
            self._shown = {batch_id: self._shown[batch_id] for batch_id in wanted}
            if keep is not None and keep in wanted:
                self.move_cursor(row=self.get_row_index(keep), animate=False)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """DataTable's own, remembered across its cache resets. DataTable keys its cell cache on an update counter
        that every change bumps (a clock tick's one changed cell, a resize, a row added, a focus change through
        its pseudo-class state), so every visible cell went through Rich again after each. A cell's lines depend
        only on the cell itself, where it is (the row and column meta in its style), its width and the styles it
        is drawn with: keyed on those, a cell that did not change is drawn once (in each style: focused and blurred
        both stay drawn, so the filter box taking and giving back focus does not redraw the list). Our cells are
        never mutated (an update replaces the Text), so the cell object stands for its content."""
        if row_index < self.fixed_rows or column_index < self.fixed_columns:  # the header, labels, fixed cells
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        column_key = self._column_locations.get_key(column_index)
        if row is None or row.height != 1 or column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cell = self._data[row_key].get(column_key)
        styles = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        key = (id(cell), row_index, column_index, base_style, styles, width, self.cell_padding)
        kept = self._drawn.get(key)
        if kept is not None and kept[0] is cell:
            return kept[1]
        lines = self._draw_cell(row_index, column_index, base_style, styles, width)
        if len(self._drawn) >= DRAWN_CELLS:
            self._drawn.clear()
        self._drawn[key] = (cell, lines)  # the cell is kept alive with its lines: its id is not reused meanwhile
        return lines

    def _draw_cell(
        self, row_index: int, column_index: int, base_style: Style, styles: tuple[Style, Style], width: int
    ) -> SegmentLines:
        """DataTable._render_cell's drawing of a data cell one line high, call for call, except that the cell's
        own render (the Text inside its padding: the part that costs) is kept per cell and width and replayed
        under each style the cell is drawn in (the cursor's, focused or not)."""
        _, row_cells = self._get_row_renderables(row_index)
        renderable = row_cells[column_index]
        console = self.app.console
        options = self._cell_options(width)
        key = (id(renderable), width, self.cell_padding)
        kept = self._inner.get(key)
        if kept is None or kept[0] is not renderable or kept[1] != options:
            padded = Padding(renderable, (0, self.cell_padding))
            kept = (renderable, options, list(console.render(padded, options)))
            if len(self._inner) >= DRAWN_CELLS:
                self._inner.clear()
            self._inner[key] = kept
        component_style, post_style = styles
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        # console.render_lines(Styled(Replay(kept[2]), pre_style, post_style), options) without the renderable
        # round trips (Styled and Replay through Console.render, the options copied): the same styled segments,
        # cut to the cell's one line (a line only as wide as the cell, padded; none: a line of spaces).
        styled = Segment.apply_style(kept[2], pre_style, post_style)
        lines = list(islice(Segment.split_and_crop_lines(styled, width, pad=True, include_new_lines=False), 1))
        return lines or [[Segment(" " * width)]]

    def _cell_options(self, width: int) -> ConsoleOptions:
        """The options a cell `width` wide is drawn with, as DataTable makes them; kept while the app's size stays
        (`App.console_options` builds new options on each call, and they were made, then copied twice, per cell)."""
        size = self.app.size
        if self._options_size != size:
            self._options_size = size
            self._options_by_width.clear()
        options = self._options_by_width.get(width)
        if options is None:
            options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
            self._options_by_width[width] = options
        return options

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Measured by their cells' lengths (see measure_new_rows): DataTable's own measure through Rich took
        seconds for 10,000 rows, on the event loop, before the first paint. Our rows are one line high and
        unlabelled."""
        measure_new_rows(self, new_rows)


def column_fits(column: str) -> bool:
    """Columns without a fixed width grow to fit a wider value (counts and money can gain digits)."""
    return next(width for key, _, width, _ in COLUMNS if key == column) is None
