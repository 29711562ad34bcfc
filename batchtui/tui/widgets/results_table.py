"""A virtualised table of a batch's results (Line API): cost is independent of the row count.

It may span several batches (a group's parts): their rows follow one another in part order, each batch counted and
paged on its own (core/spans.py), with the per-batch counts of the view kept beside it to place a page.

Only the row count and the pages on screen are ever loaded. `render_line` looks rows up in an LRU cache of pages
keyed by (view, page number), a view being a filter over the batch alone or over its retry chain merged (each
request's latest outcome, see core/store/lineage.py); on a miss it paints a dim placeholder and asks a worker for
the page, which posts `PageLoaded`; the handler fills the cache and repaints. Columns have fixed widths, so nothing
is measured per cell. Every string painted is sanitized and goes into a `Segment`: no markup is ever parsed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from batchtui.core import fmt
from batchtui.core.content_blocks import reply_blocks
from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.sanitize import clean
from batchtui.core.spans import page_span, span_counts
from batchtui.core.spend import UNKNOWN, result_cost_status
from batchtui.tui.first_draw import Answer

if TYPE_CHECKING:
    from batchtui.core.store import Store
    from batchtui.core.store.lineage import Chain

PAGE_SIZE = 200
MAX_PAGES = 64  # ~12,800 rows kept: a few screens of scrolling back and forth never refetch
PREVIEW_SCAN = 400  # characters of a reply looked at for its one-line preview

# (title, width, right-aligned); the preview takes the remaining width.
COLUMNS: tuple[tuple[str, int, bool], ...] = (
    ("", 1, False),  # mark
    ("custom_id", 24, False),
    ("type", 9, False),
    ("stop / error", 21, False),
    ("in", 7, True),
    ("out", 7, True),
    ("cost", 8, True),
)
MIN_PREVIEW = 10
# Columns by priority, kept first, when the width is short (the preview goes first, then out, in, stop / error):
# the outcome, the custom_id and a readable cost always stay, whole. Indexes into COLUMNS.
KEEP_ORDER = (0, 1, 2, 6, 3, 4, 5)
MARK = "●"

TYPE_STYLES = {
    "succeeded": Style(color="green"),
    "errored": Style(color="red"),
    "canceled": Style(color="yellow"),
    "expired": Style(color="magenta"),
}


@dataclass(frozen=True)
class View:
    """What the table shows: the rows matching `filter`, of the batch alone, or (`chain`) of its retry chain merged."""

    filter: ResultFilter = ResultFilter()  # noqa: RUF009 (frozen, so one shared default is safe)
    chain: Chain | None = None
    spans: tuple[str, ...] = ()  # the batches shown one after the other; empty: the table's batch alone
    batch: str = ""  # the table's batch: a view of the batch shown before (the screen is reused) is not this one


PageKey = tuple[View, int]


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` in exactly `width` cells: cut with an ellipsis when too long, padded otherwise."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return text.rjust(width - cell_len(text) + len(text)) if right else set_cell_size(text, width)


def preview(row: ResultRow) -> str:
    """One line: the start of the answer or of the error message; for a reply without text (a tool call), its
    first block by name and content."""
    text = row.text if row.text is not None else (row.error_message or "")
    if not text and row.result_type == "succeeded":
        first = next(iter(reply_blocks(row.raw)), None)  # only for rows on screen: parsing is cheap there
        text = f"{first.title}: {first.body[:PREVIEW_SCAN]}" if first is not None else ""
    return " ".join(text[:PREVIEW_SCAN].split())


def row_cells(row: ResultRow, marked: bool) -> list[str]:
    detail = row.stop_reason if row.result_type == "succeeded" else row.error_type
    return [
        MARK if marked else " ",
        row.display_custom_id,
        clean(row.result_type),
        clean(detail or ""),
        fmt.count(row.input_tokens) if row.input_tokens is not None else "",
        fmt.count(row.output_tokens) if row.output_tokens is not None else "",
        _cost_cell(row),
    ]


def _cost_cell(row: ResultRow) -> str:
    if row.reused:
        return "reused"  # an earlier batch's answer, not paid for again (the detail says from where)
    if result_cost_status(row) == UNKNOWN:
        return UNKNOWN  # billed, but no known price: never blank, never a guess
    return fmt.money(row.cost_usd) if row.cost_usd is not None else ""


def column_widths(width: int) -> list[int]:
    """Each column's width in `width` cells (0: not shown), the preview last: columns are kept by priority
    (KEEP_ORDER), each whole and a cell apart; the preview takes what is left, if that is at least MIN_PREVIEW."""
    widths = [0] * (len(COLUMNS) + 1)
    used = -1  # no gap before the first column
    for i in KEEP_ORDER:
        need = COLUMNS[i][1] + 1
        if used + need <= width or i in KEEP_ORDER[:4]:
            widths[i] = COLUMNS[i][1]
            used += need
    if width - used - 1 >= MIN_PREVIEW:
        widths[-1] = width - used - 1
    return widths


class ResultsTable(ScrollView, can_focus=True):
    """Rows of one batch's results for the current filter, with a cursor and marks (a set of custom_ids)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "results-table--header",
        "results-table--cursor",
        "results-table--placeholder",
        "results-table--mark",
        "results-table--dim",
    }

    DEFAULT_CSS = """
    ResultsTable {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .results-table--header { text-style: bold; color: $text-muted; background: $boost; }
        & > .results-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .results-table--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
        & > .results-table--placeholder { color: $text-disabled; }
        & > .results-table--mark { color: $accent; text-style: bold; }
        & > .results-table--dim { color: $text-muted; }
    }
    """

    class Counted(Message):
        """The number of rows of `view` is known; the page the cursor is on comes with it (one hop less
        before the first rows show). `partial`: only the first rows are known yet, found while the batch's search
        index is built (the count of the full answer follows)."""

        def __init__(
            self,
            view: View,
            count: int,
            page: int = 0,
            rows: list[ResultRow] | None = None,
            counts: tuple[int, ...] | None = None,
            partial: bool = False,
        ) -> None:
            super().__init__()
            self.view = view
            self.count = count
            self.page = page
            self.rows = rows
            self.counts = counts  # per batch, when the table spans several
            self.partial = partial

    class PageLoaded(Message):
        def __init__(self, view: View, page: int, rows: list[ResultRow]) -> None:
            super().__init__()
            self.view = view
            self.page = page
            self.rows = rows

    class LoadFailed(Message):
        def __init__(self, view: View, error: str) -> None:
            super().__init__()
            self.view = view
            self.error = error

    class CursorChanged(Message):
        """The cursor moved, or its row arrived. `row` is None while its page loads or when there are no rows."""

        def __init__(self, index: int, row: ResultRow | None) -> None:
            super().__init__()
            self.index = index
            self.row = row

    class MarksChanged(Message):
        def __init__(self, marked: frozenset[str]) -> None:
            super().__init__()
            self.marked = marked

    def __init__(
        self,
        store: Store,
        batch_id: str,
        *,
        spans: tuple[str, ...] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`spans`: the batches shown one after the other (a group's parts); by default `batch_id` alone."""
        super().__init__(id=id, classes=classes)
        self.store = store
        self.batch_id = batch_id
        self.view = View(spans=spans or (), batch=batch_id)
        self._span_counts: tuple[int, ...] = ()  # per batch, for the view shown (set when it is counted)
        self.row_count: int | None = None  # None until counted
        self.partial = False  # row_count holds only the first matches of a search, found while its index is built
        self.cursor = 0
        self.marked: set[str] = set()
        self.empty_message = "No results match this filter."
        self._pages: OrderedDict[PageKey, list[ResultRow]] = OrderedDict()
        self._pending: set[PageKey] = set()
        self.counted: Answer[ResultsTable.Counted] = Answer()  # the last count applied (the screen shows it too)

    # -- loading ------------------------------------------------------------------------------------------------

    @property
    def filter(self) -> ResultFilter:
        return self.view.filter

    @property
    def chain(self) -> Chain | None:
        """The retry chain merged into this view, or None: the batch alone."""
        return self.view.chain

    def load(self, flt: ResultFilter | None = None) -> None:
        """Show the rows matching `flt` (or reload the current filter): resets paging, the count and the cursor."""
        if flt is not None and flt != self.filter:
            self.view = replace(self.view, filter=flt)
            self.cursor = 0
        self._reload()

    @property
    def batch_ids(self) -> tuple[str, ...]:
        """The batches whose rows are shown, in order."""
        return self.view.spans or (self.batch_id,)

    def set_spans(self, batch_ids: tuple[str, ...]) -> None:
        """Show these batches one after the other (a group gained a part); the cursor keeps its index."""
        if batch_ids != self.view.spans:
            self.view = replace(self.view, spans=batch_ids)
            self._reload()

    def show_chain(self, chain: Chain | None) -> None:
        """Merge the retry chain's final outcomes in (or, with None, show the batch alone). The cursor keeps its
        place: both views list one row per request of the batch, in the same order."""
        self.view = replace(self.view, chain=chain)
        self._reload()

    def show_batch(self, batch_id: str) -> None:
        """Another batch's results, from the top, no filter and no marks (the results screen is reused)."""
        self.batch_id = batch_id
        self.view = View(batch=batch_id)
        self.cursor = 0
        self.marked.clear()
        self.empty_message = "No results match this filter."
        self.scroll_to(y=0, animate=False, immediate=True)
        self._reload()
        self.refresh()

    def _reload(self) -> None:
        self._pages.clear()
        self._pending.clear()
        self.workers.cancel_group(self, "page-fetch")
        self.row_count = None
        self.partial = False
        self._span_counts = ()
        count = self._count(self.view, self.cursor)
        self.run_worker(count, group="count", exclusive=True, exit_on_error=False)

    async def _count_rows(self, view: View) -> tuple[int, tuple[int, ...] | None]:
        """The view's row count, and per batch when it spans several."""
        if view.chain is not None:
            return await self.store.count_merged_results(view.chain, view.filter), None
        if view.spans:
            counts = await span_counts(self.store, view.spans, view.filter)
            return sum(counts), counts
        return await self.store.count_results(self.batch_id, view.filter), None

    async def _page_rows(self, view: View, page: int, counts: tuple[int, ...] | None) -> list[ResultRow]:
        offset = page * PAGE_SIZE
        if view.chain is not None:
            return await self.store.page_merged_results(view.chain, view.filter, offset=offset, limit=PAGE_SIZE)
        if view.spans:
            return await page_span(self.store, view.spans, counts or (), view.filter, offset=offset, limit=PAGE_SIZE)
        return await self.store.page_results(self.batch_id, view.filter, offset=offset, limit=PAGE_SIZE)

    async def _count(self, view: View, cursor: int) -> None:
        try:
            if await self._first_matches(view, cursor):
                return
            n, counts = await self._count_rows(view)
            page = min(cursor, max(0, n - 1)) // PAGE_SIZE
            rows = await self._page_rows(view, page, counts)
        except Exception as exc:  # a worker must report, not crash the app
            self.post_message(self.LoadFailed(view, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.Counted(view, n, page, rows, counts))

    async def _first_matches(self, view: View, cursor: int) -> bool:
        """A search whose index is not built yet: post its first page at once, found by a scan, rather than after
        the build (about 0.7 s per 100,000 results). True when that was the whole answer."""
        if not view.filter.search or view.chain is not None or view.spans or cursor >= PAGE_SIZE:
            return False
        found = await self.store.first_matches(self.batch_id, view.filter, limit=PAGE_SIZE)
        if found is None:  # the index is built: it answers as fast
            return False
        rows, complete = found
        if rows or complete:  # (no rows yet, but more to look at: the index says whether there are any)
            self.post_message(self.Counted(view, len(rows), 0, rows, partial=not complete))
        return complete

    async def _fetch_page(self, view: View, page: int, counts: tuple[int, ...]) -> None:
        try:
            rows = await self._page_rows(view, page, counts)
        except Exception as exc:
            self.post_message(self.LoadFailed(view, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(self.PageLoaded(view, page, rows))

    def _request_page(self, page: int) -> None:
        key = (self.view, page)
        if page < 0 or key in self._pages or key in self._pending or self.row_count is None:
            return
        if page * PAGE_SIZE >= self.row_count:
            return
        self._pending.add(key)
        fetch = self._fetch_page(self.view, page, self._span_counts)
        self.run_worker(fetch, group="page-fetch", exit_on_error=False)

    def _on_results_table_counted(self, message: Counted) -> None:
        # Stays bubbling: the screen shows the count too.
        if message.view != self.view:
            message.stop()
            return
        self.row_count = message.count
        self.partial = message.partial
        self._span_counts = message.counts or ()
        if message.rows is not None:
            self._store_page(message.page, message.rows)
        self.cursor = min(self.cursor, max(0, message.count - 1))
        self._request_page(self.cursor // PAGE_SIZE)  # when the cursor moved meanwhile: ask now, not at paint
        self._update_virtual_size()
        self._scroll_to_cursor()
        self.refresh()
        self._post_cursor()
        self.counted.post(message)

    def _on_results_table_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        key = (message.view, message.page)
        self._pending.discard(key)
        if message.view != self.view:
            return  # a fetch for a view no longer shown
        self._store_page(message.page, message.rows)
        self.refresh()
        if self.cursor // PAGE_SIZE == message.page:
            self._post_cursor()

    def _store_page(self, page: int, rows: list[ResultRow]) -> None:
        self._pages[(self.view, page)] = rows
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)

    def _on_results_table_load_failed(self, message: LoadFailed) -> None:
        self._pending = {k for k in self._pending if k[0] != message.view}
        if message.view != self.view:
            message.stop()

    def row_at(self, index: int) -> ResultRow | None:
        """The row at `index` if its page is loaded (without fetching)."""
        page = self._pages.get((self.view, index // PAGE_SIZE))
        if page is None:
            return None
        offset = index % PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def cursor_row(self) -> ResultRow | None:
        return self.row_at(self.cursor) if self.row_count else None

    def _update_virtual_size(self) -> None:
        # One line more than the rows: the header, painted at the top whatever the scroll position.
        self.virtual_size = Size(self.size.width, (self.row_count or 0) + 1)

    def on_resize(self) -> None:
        self._update_virtual_size()

    # -- cursor and marks ----------------------------------------------------------------------------------------

    @property
    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def move_cursor(self, index: int) -> None:
        if not self.row_count:
            return
        index = max(0, min(index, self.row_count - 1))
        if index == self.cursor:
            return
        self.cursor = index
        self._scroll_to_cursor()
        self.refresh()
        self._post_cursor()

    def _scroll_to_cursor(self) -> None:
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self._visible_rows:
            self.scroll_to(y=self.cursor - self._visible_rows + 1, animate=False, immediate=True)

    def _post_cursor(self) -> None:
        self.post_message(self.CursorChanged(self.cursor, self.cursor_row))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * self._visible_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor((self.row_count or 1) - 1)

    def toggle_mark(self) -> bool:
        """Mark or unmark the cursor row; False when its row is not loaded (nothing to mark yet)."""
        row = self.cursor_row
        if row is None:
            return False
        self.marked.symmetric_difference_update({row.custom_id})
        self.refresh()
        self.post_message(self.MarksChanged(frozenset(self.marked)))
        return True

    def clear_marks(self) -> None:
        self.marked.clear()
        self.refresh()
        self.post_message(self.MarksChanged(frozenset()))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_offset.y) + offset.y - 1
        if self.row_count and index < self.row_count:
            self.move_cursor(index)

    # -- painting -----------------------------------------------------------------------------------------------

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        # Prefetch the page above and below what is on screen, so scrolling rarely shows placeholders.
        if self.row_count:
            top = round(self.scroll_offset.y)
            first, last = top // PAGE_SIZE, (top + self._visible_rows) // PAGE_SIZE
            for page in (first, last, first - 1, last + 1):
                self._request_page(page)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            return self._header_strip(width, base)
        if self.row_count is None:
            return Strip.blank(width, base)
        index = round(self.scroll_offset.y) + y - 1
        if self.row_count == 0:
            if y == 1:
                return self._text_strip(self.empty_message, width, base, "results-table--dim")
            return Strip.blank(width, base)
        if index >= self.row_count:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            self._request_page(index // PAGE_SIZE)
            return self._text_strip(f"  {fmt.count(index + 1)} …", width, base, "results-table--placeholder")
        return self._row_strip(row, width, base, index == self.cursor)

    def _widths(self, width: int) -> list[int]:
        return column_widths(width)

    def _header_strip(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("results-table--header")
        titles = [title for title, _, _ in COLUMNS] + ["preview"]
        aligns = [right for _, _, right in COLUMNS] + [False]
        text = " ".join(fit(t, w, r) for t, w, r in zip(titles, self._widths(width), aligns, strict=True) if w)
        return Strip([Segment(text, style)]).crop_extend(0, width, style)

    def _text_strip(self, text: str, width: int, base: Style, component: str) -> Strip:
        style = base + self.get_component_rich_style(component)
        return Strip([Segment(fit(clean(text), width), style)]).crop_extend(0, width, base)

    def _row_strip(self, row: ResultRow, width: int, base: Style, is_cursor: bool) -> Strip:
        line = base + self.get_component_rich_style("results-table--cursor") if is_cursor else base
        cells = [*row_cells(row, row.custom_id in self.marked), preview(row)]
        aligns = [right for _, _, right in COLUMNS] + [False]
        segments: list[Segment] = []
        for i, (cell, w, right) in enumerate(zip(cells, self._widths(width), aligns, strict=True)):
            if not w:  # a column that does not fit this width
                continue
            style = line
            if i == 0:
                style = line + self.get_component_rich_style("results-table--mark")
            elif i == 2:
                style = line + TYPE_STYLES.get(row.result_type, Style())
            if segments:
                segments.append(Segment(" ", line))
            segments.append(Segment(fit(cell, w, right), style))
        return Strip(segments).crop_extend(0, width, line)
