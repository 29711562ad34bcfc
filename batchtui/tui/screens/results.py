"""One batch's results: a virtualised table with filters, the selected result in full, marks and export.

If the batch ended but its results are not in the cache yet, the screen starts (or joins) the sync engine's
download and shows its progress; the table reloads when `ResultsComplete` arrives. A batch that was retried (see
`R`) can show its final results merged across the retry chain (`m`): each request's latest outcome. Workers only
read the store and post messages; the handlers below are the only code that touches widgets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.style import Style as RichStyle
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.style import Style
from textual.widgets import Input, ProgressBar, Select, Static

from batchtui.core import fmt
from batchtui.core.cost import saved_usd
from batchtui.core.events import BatchEnded, BatchesUpdated, ResultsComplete, ResultsFailed, ResultsProgress
from batchtui.core.models import BatchRecord, ResultRow
from batchtui.core.spend import UNKNOWN, BatchCost, batch_cost_status
from batchtui.tui.first_draw import Answer, deadline
from batchtui.tui.messages import BatchCreated, SyncEventMessage
from batchtui.tui.safe import as_content, content_assemble
from batchtui.tui.screens.retry import RetryScreen, has_failures
from batchtui.tui.widgets.batch_table import STATUS_STYLE
from batchtui.tui.widgets.filter_bar import OUTCOMES, FilterBar
from batchtui.tui.widgets.group_rows import GROUP_STATUS_STYLE
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.result_detail import ResultDetail
from batchtui.tui.widgets.results_table import ResultsTable

if TYPE_CHECKING:
    from batchtui.core.store import Store
    from batchtui.core.store.lineage import Chain
    from batchtui.core.sync import SyncEngine


# A batch's search index is built when its results view shows its first rows, up to this many results; above it
# (and by default: 0), when the search box first gets focus, which a typed query usually finds built. Building on
# open makes a search sent within a second of opening fast, but costs every first open of a batch the build's CPU
# (about 0.7 s per 100,000 results, on the database thread) and its disk space: benchmarks/first_paint.py counted
# Enter at 898 ms of app CPU with it at 200,000, against 443 ms without (the UI thread's share: 182 ms).
INDEX_ON_OPEN = 0


RESULTS_SCREEN = "batchtui-results"  # the screen app.open_results keeps installed and reuses


def results_screen(app: App[object], batch_id: str) -> ResultsScreen:
    """The results screen for `batch_id`: the app's installed one, switched to that batch (a new one the first
    time, or while the installed one is still on the screen stack)."""
    if app.is_screen_installed(RESULTS_SCREEN):
        screen = app.get_screen(RESULTS_SCREEN)
        if isinstance(screen, ResultsScreen) and screen not in app.screen_stack:
            screen.show_batch(batch_id)
            return screen
        return ResultsScreen(batch_id)
    screen = ResultsScreen(batch_id)
    app.install_screen(screen, RESULTS_SCREEN)
    return screen


class ResultsHost(Protocol):
    """What the screen needs from its app (BatchTuiApp, or a test app with the same attributes)."""

    store: Store
    engine: SyncEngine | None
    clock: Callable[[], datetime]


def status_part(status: str) -> tuple[str, Style]:
    """A status as the batch list shows it: the same words ("in progress", "archived"), the same colour (the
    list's styles are Rich's, which Content would not parse: "dodger_blue1")."""
    style = STATUS_STYLE.get(status) or GROUP_STATUS_STYLE.get(status, "")
    return status.replace("_", " "), Style.from_rich_style(RichStyle.parse(style))


class BatchLoaded(Message):
    def __init__(
        self,
        batch: BatchRecord | None,
        type_counts: dict[str, int],
        error_counts: dict[str, int],
        cost: BatchCost | None = None,
        chain: Chain | None = None,
        unfinished: int = 0,
    ) -> None:
        super().__init__()
        self.batch = batch
        self.type_counts = type_counts
        self.error_counts = error_counts
        self.cost = cost  # the priced part, when the batch's total is unknown
        self.chain = chain  # the batch and those retried from it
        self.unfinished = unfinished  # retries in the chain whose results are not stored yet


class PromptLoaded(Message):
    def __init__(self, custom_id: str, params: str | None) -> None:
        super().__init__()
        self.custom_id = custom_id
        self.params = params


class DownloadEnded(Message):
    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


def merged_notice(chain: Chain, unfinished: int = 0) -> str:
    """`unfinished`: retries whose results are not in the cache yet (their requests show an earlier outcome)."""
    n = chain.retries
    text = f"Final results across {n} retr{'y' if n == 1 else 'ies'}: each request's latest outcome"
    if unfinished:
        text += f"; {unfinished} of them not downloaded yet (still running?), so not counted"
    return text + " (m shows this batch's own)."


def cost_header_parts(batch: BatchRecord, split: BatchCost | None) -> list[str | tuple[str, str]]:
    """The batch's cost and saving against the standard API; `unknown` with what is known when a result has no
    known price; nothing while it is not known yet."""
    status = batch_cost_status(batch)
    if status == "known":
        saved = fmt.money(saved_usd(batch.cost_usd))
        return [("  cost ", "dim"), fmt.money(batch.cost_usd), ("  saved ", "dim"), (saved, "green")]
    if status == "pending":
        return []
    parts: list[str | tuple[str, str]] = [("  cost ", "dim"), (UNKNOWN, "yellow")]
    if split is not None and split.unpriced_results:
        parts.append(
            (f" ({fmt.count(split.unpriced_results)} unpriced; the rest {fmt.money(split.priced_usd)})", "dim")
        )
    return parts


def header_content(batch: BatchRecord | None, batch_id: str, now: datetime, split: BatchCost | None = None) -> Content:
    if batch is None:
        return content_assemble(("Results  ", "bold"), batch_id, ("  (not in the cache)", "dim"))
    c = batch.request_counts
    parts: list[str | tuple[str, str]] = [("Results  ", "bold")]
    if batch.label:
        parts += [(batch.label, "bold"), "  "]
    parts += [(batch.id, "dim"), "\n", status_part(batch.status_label)]
    parts += [("  created ", "dim"), fmt.ago(batch.created_at, now)]
    if batch.ended_at:
        parts += [("  ended ", "dim"), fmt.ago(batch.ended_at, now)]
    parts += [("  requests ", "dim"), fmt.count(c.total)]
    if batch.processing_status != "ended":
        # No results to count yet: the API's own counts say how far it got (once ended, the toggles show them).
        for name, n, style in (
            ("processing", c.processing, "yellow"),
            ("succeeded", c.succeeded, "green"),
            ("errored", c.errored, "red"),
            ("canceled", c.canceled, "yellow"),
            ("expired", c.expired, "magenta"),
        ):
            if n:
                parts += [(f"  {name} ", "dim"), (fmt.count(n), style)]
    parts += cost_header_parts(batch, split)
    return content_assemble(*parts)


class ResultsScreen(Screen[None]):
    TITLE = "Results"
    AUTO_FOCUS = "ResultsTable"  # the rows; not the first focusable widget (the error type box: see FilterBar)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "back", "Back", id="results.back", tooltip="Leave a filter box, clear the filter, then go back"
        ),
        Binding("slash", "focus_search", "Search", id="results.search", tooltip="Full-text search (Enter applies)"),
        Binding("c", "focus_custom_id", "custom_id", id="results.custom_id", tooltip="Filter by custom_id"),
        Binding("t", "focus_error_type", "Error type", id="results.error_type", tooltip="Filter by error type"),
        Binding("space", "mark", "Mark", id="results.mark", tooltip="Mark or unmark the result, then go down"),
        Binding("u", "clear_marks", "Unmark all", id="results.unmark", tooltip="Clear every mark", show=False),
        Binding("y", "copy_id", "Copy id", id="results.copy", tooltip="Copy the result's custom_id"),
        Binding("e", "export", "Export", id="results.export", tooltip="Export the marked results, or all matching"),
        Binding("m", "toggle_merged", "Merged", id="results.merged", tooltip="Final outcomes across the retries"),
        Binding("R", "retry", "Retry", id="results.retry", tooltip="Send the failures again as a linked batch"),
        *(
            Binding(str(i + 1), f"outcome({i})", f"Show {o or 'all'}", id=f"results.outcome.{o or 'all'}", show=False)
            for i, o in enumerate(OUTCOMES)
        ),
    ]

    DEFAULT_CSS = """
    ResultsScreen {
        layout: vertical;
        #results-header { height: 2; padding: 0 1; background: $boost; }
        ResultsTable { height: 1fr; min-height: 4; }
        ResultDetail { height: 1fr; min-height: 8; }
        #results-statusbar { height: 1; padding: 0 1; background: $boost; }
        #results-notice { width: 1fr; }
        #results-count { width: auto; color: $text-muted; }
        #download-progress { width: 40; display: none; }
        #download-progress.-shown { display: block; }
    }
    """

    def __init__(self, batch_id: str) -> None:
        super().__init__()
        self._start(batch_id)

    def _start(self, batch_id: str) -> None:
        self.batch_id = batch_id
        self.batch: BatchRecord | None = None
        self.match_count: int | None = None
        self.total_rows: int | None = None  # stored results of the batch, whatever the filter
        self._awaiting_results = False  # the batch has (or will have) results that are not stored yet
        self._downloading = False
        self._prompt_for: str | None = None
        self._search_warmed = False
        self._summary_pending = False
        self.chain: Chain | None = None  # the retry chain, once read
        self.merged = False  # showing the chain's final outcomes rather than this batch's own
        self.summary: Answer[Message] = Answer()  # load_summary's answers (BatchLoaded; a group's: GroupLoaded)
        self.prompt: Answer[PromptLoaded] = Answer()

    @property
    def host(self) -> ResultsHost:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(content_assemble(("Results  ", "bold"), self.batch_id), id="results-header")
        yield FilterBar(id="filter-bar")
        yield ResultsTable(self.host.store, self.batch_id, spans=self.spans, id="results-table")
        yield ResultDetail(id="result-detail")
        with Horizontal(id="results-statusbar"):
            yield Static(id="results-notice")
            yield Static(id="results-count")  # a download's progress bar goes before it, once one starts
        yield KeyFooter()

    def show_batch(self, batch_id: str) -> None:
        """This screen, popped, made to show another batch as a new one would (app.open_results reuses it:
        composing, mounting and styling the widgets anew was most of Enter's cost)."""
        self.workers.cancel_node(self)
        self._start(batch_id)
        self.query_one("#results-header", Static).update(content_assemble(("Results  ", "bold"), batch_id))
        self.filter_bar.reset()
        self.detail.show(None)
        self.query_one("#results-notice", Static).update("")
        self.query_one("#results-count", Static).update("")
        self._hide_progress()
        self.table.show_batch(batch_id)
        self._summary_pending = True
        self.table.focus()

    @property
    def spans(self) -> tuple[str, ...] | None:
        """The batches the table shows one after the other; None: this batch alone (a group's view overrides it)."""
        return None

    @property
    def table(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one(FilterBar)

    @property
    def detail(self) -> ResultDetail:
        return self.query_one(ResultDetail)

    async def on_mount(self) -> None:
        self.table.focus()
        self.table.load()
        self.load_summary()  # (queued behind the first rows' read on the one database thread)
        # The screen is first laid out and drawn once this returns: showing the first rows, the summary and the
        # first row's prompt now draws it once, full, instead of empty and then again as each comes in.
        until = deadline()
        if (counted := await self.table.counted.wait(until)) is not None:
            self._counted(counted)
            self._show_row(self.table.cursor_row)
        if (summary := await self.summary.wait(until)) is not None:
            self.show_summary(summary)
        if self._prompt_for is not None and (prompt := await self.prompt.wait(until)) is not None:
            self._prompt_loaded(prompt)

    # -- workers: read, then post -------------------------------------------------------------------------------

    @work(group="summary", exclusive=True, exit_on_error=False)
    async def load_summary(self) -> None:
        store = self.host.store
        batch = await store.get_batch(self.batch_id)
        chain = await store.retry_chain(self.batch_id)
        if self.merged and chain is not None:  # the filter bar counts the final outcomes
            types, errors = await store.merged_type_counts(chain), await store.merged_error_type_counts(chain)
        else:
            types, errors = await store.result_type_counts(self.batch_id), await store.error_type_counts(self.batch_id)
        split = await store.batch_cost(self.batch_id) if batch and batch_cost_status(batch) == UNKNOWN else None
        unfinished = 0
        for retry_id in chain.ids[1:] if chain is not None else ():
            retried = await store.get_batch(retry_id)
            unfinished += retried is not None and retried.results_state != "complete"
        self.post_message(self.summary.post(BatchLoaded(batch, types, errors, split, chain, unfinished)))

    @work(group="prompt", exclusive=True, exit_on_error=False)
    async def load_prompt(self, batch_id: str, custom_id: str) -> None:
        params = await self.host.store.get_request_params(batch_id, custom_id)
        self.post_message(self.prompt.post(PromptLoaded(custom_id, params)))

    @work(group="search-index", exclusive=True, exit_on_error=False)
    async def warm_search_index(self) -> None:
        """Build the batch's search index (once per batch, about a second at 100k rows) before the first search:
        started when the search box first gets focus (or, up to INDEX_ON_OPEN results, once the first rows and the
        summary are shown)."""
        with contextlib.suppress(Exception):  # the search itself reports any failure
            await self.host.store.ensure_search_index(self.batch_id)

    @work(group="download", exclusive=True, exit_on_error=False)
    async def download(self) -> None:
        engine = self.host.engine
        assert engine is not None
        try:
            await engine.ensure_download(self.batch_id)
        except Exception as exc:
            self.post_message(DownloadEnded(f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(DownloadEnded(None))

    # -- handlers -----------------------------------------------------------------------------------------------

    def show_summary(self, message: Message) -> None:
        """Show what load_summary posted (a group's view overrides both)."""
        assert isinstance(message, BatchLoaded)
        self._batch_loaded(message)

    @on(BatchLoaded)
    def _batch_loaded(self, message: BatchLoaded) -> None:
        if not self.summary.unseen(message):
            return  # shown by the first drawing
        self.batch = batch = message.batch
        self._chain_loaded(message.chain)
        header = header_content(batch, self.batch_id, self.host.clock(), message.cost)
        self.query_one("#results-header", Static).update(header)
        self.filter_bar.set_counts(message.type_counts, message.error_counts)
        self.total_rows = sum(message.type_counts.values())
        self._show_count()
        self._awaiting_results = batch is not None and batch.results_state != "complete"
        empty = "No results match this filter."
        if batch is None:
            self._notice("This batch is not in the cache.", "warning")
        elif batch.processing_status != "ended":
            empty = "No results yet."
            self._notice(
                f"Batch {batch.processing_status.replace('_', ' ')}: results come when it ends "
                "(the API gives none before).",
                "warning",
            )
        elif batch.results_state == "complete":  # the usual case: nothing to say
            if not self._search_warmed and 0 < self.total_rows <= INDEX_ON_OPEN:
                self._search_warmed = True  # a first search finds the index built, or its build under way
                self.warm_search_index()
        elif batch.results_state == "unavailable" or batch.archived_at or batch.deleted_remotely:
            self._awaiting_results = False
            self._notice("The API no longer serves these results (archived or deleted); showing what is stored.")
        elif self.host.engine is None:
            empty = "Results not downloaded yet."
            self._notice("Results not downloaded yet, and batchtui is offline: they download when it runs online.")
        else:
            empty = "Downloading results…"
            if not self._downloading:
                self._downloading = True
                self._show_progress(batch.results_rows, batch.request_counts.total)
                self.download()
        if self.table.filter.is_empty:
            self.table.empty_message = empty
            self.table.refresh()
        if self.merged and self.chain is not None:
            self._notice(merged_notice(self.chain, message.unfinished))

    def _chain_loaded(self, chain: Chain | None) -> None:
        """A newer chain (a retry was made meanwhile) replaces the one merged in."""
        if chain != self.chain:
            self.chain = chain
            if self.merged:
                self.table.show_chain(chain)
        self.refresh_bindings()

    @on(ResultsTable.Counted)
    def _counted(self, message: ResultsTable.Counted) -> None:
        if not self.table.counted.unseen(message):
            return  # shown by the first drawing
        self.match_count = message.count
        self._show_count()
        if self._summary_pending:
            self._summary_pending = False
            self.load_summary()

    @on(ResultsTable.LoadFailed)
    def _load_failed(self, message: ResultsTable.LoadFailed) -> None:
        self._notice(f"Could not read results: {message.error}", "error")
        if self._summary_pending:
            self._summary_pending = False
            self.load_summary()

    @on(ResultsTable.CursorChanged)
    def _cursor_changed(self, message: ResultsTable.CursorChanged) -> None:
        if message.row is None or message.row is not self.detail.row:  # (else shown by the first drawing)
            self._show_row(message.row)

    def _show_row(self, row: ResultRow | None) -> None:
        self.detail.show(row, origin=self._origin(row))
        if row is not None and row.custom_id != self._prompt_for:
            self._prompt_for = row.custom_id
            self.load_prompt(self.prompt_batch(row), row.custom_id)

    @on(ResultsTable.MarksChanged)
    def _marks_changed(self, message: ResultsTable.MarksChanged) -> None:
        self._show_count()

    @on(PromptLoaded)
    def _prompt_loaded(self, message: PromptLoaded) -> None:
        if self.prompt.unseen(message):  # (else shown by the first drawing)
            self.detail.show_prompt(message.custom_id, message.params)

    @on(FilterBar.Changed)
    def _filter_changed(self, message: FilterBar.Changed) -> None:
        self.match_count = None
        self._show_count()
        self.table.load(message.filter)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget.id == "search" and not self._search_warmed:
            self._search_warmed = True
            self.warm_search_index()

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.table.focus()  # Enter applies, then back to the rows

    def on_sync_event_message(self, message: SyncEventMessage) -> None:
        event = message.event
        if isinstance(event, BatchesUpdated):
            if self.batch_id in event.changed_ids:
                self.load_summary()
        elif getattr(event, "batch_id", None) != self.batch_id:
            return
        elif isinstance(event, ResultsProgress):
            self._downloading = True
            self._show_progress(event.rows, event.total)
        elif isinstance(event, ResultsComplete):
            self._results_arrived()
        elif isinstance(event, ResultsFailed):
            self._download_failed(event.message)
        elif isinstance(event, BatchEnded):
            self.load_summary()

    @on(BatchCreated)
    def _batch_created(self, message: BatchCreated) -> None:
        self.load_summary()  # a retry of this batch: the chain grew

    @on(DownloadEnded)
    def _download_ended(self, message: DownloadEnded) -> None:
        if message.error is not None:
            self._download_failed(message.error)
        else:
            self._results_arrived()

    def _results_arrived(self) -> None:
        self._downloading = False
        self._hide_progress()
        if self._awaiting_results:
            self._awaiting_results = False
            self._notice("Results downloaded.")
            self.table.load()
            self.load_summary()

    def _download_failed(self, error: str) -> None:
        if not self._downloading:
            return
        self._downloading = False
        self._hide_progress()
        self._notice(f"Download failed: {error}", "error")

    # -- status line --------------------------------------------------------------------------------------------

    def _notice(self, text: str, severity: str = "") -> None:
        style = {"warning": "$warning", "error": "$error"}.get(severity, "")
        self.query_one("#results-notice", Static).update(content_assemble((text, style)) if style else as_content(text))

    def _show_count(self) -> None:
        marks = len(self.table.marked)
        parts: list[str | tuple[str, str]] = []
        if self.match_count is None:
            # A batch's first search also builds its index: seconds at 100k rows, so say what is going on.
            parts.append(("searching…" if self.filter_bar.filter.search else "counting…", "dim"))
        elif self.table.partial:  # the first matches, shown while the index that counts them all is built
            parts += [fmt.count(self.match_count), "+ results", ("  searching…", "dim")]
        else:
            parts.append(fmt.count(self.match_count))
            if self.total_rows is not None and not self.filter_bar.filter.is_empty:
                parts.append(f" of {fmt.count(self.total_rows)}")
            parts.append(" results")
        if marks:
            parts += ["  ", (f"{fmt.count(marks)} marked", "bold $accent")]
        self.query_one("#results-count", Static).update(content_assemble(*parts))

    def _show_progress(self, rows: int, total: int) -> None:
        bars = self.query("#download-progress").results(ProgressBar)
        bar = next(bars, None)
        if bar is None:  # made when a download first shows: most opens never need it (3 widgets less to build)
            bar = ProgressBar(id="download-progress", show_eta=False)
            self.query_one("#results-statusbar").mount(bar, before="#results-count")
        bar.add_class("-shown")
        bar.update(total=total or None, progress=rows)
        self._notice(f"Downloading results… {fmt.count(rows)} of {fmt.count(total) if total else '?'}")

    def _hide_progress(self) -> None:
        for bar in self.query("#download-progress"):
            bar.remove_class("-shown")

    # -- actions ------------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Out of a filter box first, then the filter cleared (all results again), then back to the list."""
        if isinstance(self.focused, Input | Select):
            self.table.focus()
        elif not self.filter_bar.filter.is_empty:
            self.filter_bar.clear()
        else:
            # Kept installed (see results_screen), so nothing cancels its work as a removed screen's would.
            self.workers.cancel_node(self)
            self.workers.cancel_node(self.table)
            self.dismiss()

    def action_focus_search(self) -> None:
        self.filter_bar.focus_search()

    def action_focus_custom_id(self) -> None:
        self.filter_bar.focus_custom_id()

    async def action_focus_error_type(self) -> None:
        await self.filter_bar.focus_error_type()

    def action_outcome(self, index: int) -> None:
        self.filter_bar.set_outcome(OUTCOMES[index])

    def action_mark(self) -> None:
        if self.table.toggle_mark():
            self.table.action_cursor(1)

    def action_clear_marks(self) -> None:
        self.table.clear_marks()

    def action_copy_id(self) -> None:
        row = self.table.cursor_row
        if row is None:
            self.notify("No result selected.", severity="warning")
            return
        self.app.copy_to_clipboard(row.custom_id)
        self.notify(f"Copied {row.display_custom_id}", title="custom_id", markup=False)

    def prompt_batch(self, row: ResultRow) -> str:
        """Whose submitted request holds the row's prompt: this batch's (a retry sends its requests again as they
        were, so the merged view's rows have the same prompts)."""
        return self.batch_id

    def _origin(self, row: ResultRow | None) -> str | None:
        """In the merged view, which retry a result comes from (None: this batch's own)."""
        chain = self.table.chain
        if row is None or chain is None or row.batch_id == self.batch_id:
            return None
        return f"retry {chain.ids.index(row.batch_id)} of {chain.retries} · {row.batch_id}"

    def action_toggle_merged(self) -> None:
        if self.chain is None or not self.chain.retries:
            return
        self.merged = not self.merged
        self.match_count = None
        self._show_count()
        self.table.show_chain(self.chain if self.merged else None)
        self._notice("Merging the retries…" if self.merged else "This batch's own results.")
        self.load_summary()  # then says how many retries it merged

    def action_retry(self) -> None:
        if self.batch is not None:
            self.app.push_screen(RetryScreen(self.batch))  # the new batch comes back as BatchCreated

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None greys the key out in the footer; False hides it.
        if action == "toggle_merged":
            return True if self.chain is not None and self.chain.retries else None
        if action == "retry":
            online = getattr(self.app, "api", None) is not None
            return True if online and self.batch is not None and has_failures(self.batch) else None
        return True

    def disabled_reason(self, action: str) -> str | None:
        """Why a greyed-out key does nothing now (said when it is pressed anyway)."""
        if action == "toggle_merged":
            return "This batch has no retries: m merges a batch's results with its retries'."
        if action == "retry":
            if getattr(self.app, "api", None) is None:
                return "Retrying needs the API (batchtui is offline)."
            return "Only an ended batch with errored, expired or canceled requests can be retried."
        return None

    def action_export(self) -> None:
        from batchtui.tui.screens.export import start_export  # the export flow is only loaded when used

        marks = set(self.table.marked)
        merged = self.table.chain is not None  # the merged view: the chain's final outcomes, as shown
        flt = self.filter_bar.filter
        start_export(self.app, list(self.table.batch_ids), flt, marks or None, name=self.export_name, merged=merged)

    @property
    def export_name(self) -> str | None:
        """What the export's default file is named after (None: the batch id)."""
        return None
