"""The dashboard: every batch with live counts, the selected batch in detail, sync state, and the actions.

Data flow: workers read the store or call the API and post messages; the handlers below alone touch widgets. The
list is painted from the cache first and kept current by the sync engine's events (forwarded by the app). Which
batches Temporal workflows carry is read at the same cadence (the cache, and visibility when configured).

A file sent as several batches (a group) is one row with its parts summed (tui/group_list.py); `p`, `right` and
`left` show and hide its parts, which are ordinary batch rows beneath it. Actions on a group row apply to its
parts' batches.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker

from batchtui.core import fmt
from batchtui.core.errors import describe
from batchtui.core.events import (
    BatchEnded,
    BatchesUpdated,
    HookDelivered,
    HookFailed,
    ResultsComplete,
    ResultsFailed,
    ResultsProgress,
    SyncFailed,
    SyncOk,
)
from batchtui.core.groups import GROUP_PREFIX, GroupSummary
from batchtui.core.models import BatchRecord, ResultFilter, WorkflowLink
from batchtui.core.sanitize import clean
from batchtui.core.spend import totals_of, totals_text
from batchtui.tui.group_list import Entry, GroupList, Row
from batchtui.tui.group_send import GroupSendDone, GroupSendNote
from batchtui.tui.heap import freeze_once
from batchtui.tui.hooks import activity_line
from batchtui.tui.messages import ApiCallMessage, BatchCreated, SyncEventMessage
from batchtui.tui.queue import status_words
from batchtui.tui.safe import content_assemble
from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.screens.label import LabelScreen
from batchtui.tui.screens.retry import RetryScreen, has_failures
from batchtui.tui.screens.stats import StatsScreen
from batchtui.tui.widgets.activity_panel import ActivityPanel
from batchtui.tui.widgets.batch_table import BatchTable, RowCache
from batchtui.tui.widgets.detail_pane import Breakdown, DetailPane, Lineage
from batchtui.tui.widgets.group_detail import group_columns
from batchtui.tui.widgets.key_footer import KeyFooter
from batchtui.tui.widgets.status_bar import StatusBar
from batchtui.tui.widgets.title_bar import TitleBar
from batchtui.tui.workflows import WorkflowWatch, cancel_through_workflows, merged, web_ui_url

if TYPE_CHECKING:
    from batchtui.tui.app import BatchTuiApp

TICK_SECONDS = 1.0  # elapsed times and "synced 12 s ago" move every second
# The list shows the newest this many batches (of those matching the filter): a DataTable of 10,000 rows takes
# well over a second to fill and paint, and a clock tick would touch every row. Older ones are one `/` away.
LIST_LIMIT = 1000


def matches(batch: BatchRecord, text: str, link: WorkflowLink | None = None) -> bool:
    """The `/` filter: a case-insensitive substring of the label, the id or the status, or of the id or phase of
    the workflow carrying the batch (so a workflow's id finds its whole retry chain)."""
    needle = text.casefold()
    fields = (batch.label, batch.id, batch.processing_status)
    if link is not None:
        fields += (link.workflow_id, link.phase)
    return any(needle in (field or "").casefold() for field in fields)


class MainScreen(Screen[None]):
    AUTO_FOCUS = "#batches"
    DEFAULT_CSS = """
    MainScreen #older {
        height: 1;
        padding: 0 1;
        color: $text-muted;
        display: none;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="batch.new", tooltip="Create a batch from a requests file"),
        Binding("enter", "open", "Open", id="batch.open", tooltip="Browse the batch's results", show=False),
        Binding("c", "cancel", "Cancel", id="batch.cancel", tooltip="Cancel the marked (or selected) batches"),
        Binding("e", "export", "Export", id="batch.export", tooltip="Export the marked (or selected) batches' results"),
        Binding("space", "mark", "Mark", id="batch.mark", tooltip="Mark or unmark the selected batch"),
        Binding("slash", "filter", "Filter", id="view.filter", tooltip="Show only batches matching some text"),
        Binding("r", "refresh", "Refresh", id="sync.refresh", tooltip="Sync with the API now"),
        Binding("d", "delete", "Delete", id="batch.delete", tooltip="Delete ended batches from the API (kept here)"),
        Binding("a", "activity", "Activity", id="view.activity", tooltip="Show or hide the log of API calls"),
        Binding("R", "retry", "Retry", id="batch.retry", tooltip="Send the failed requests again as a linked batch"),
        Binding("l", "label", "Label", id="batch.label", tooltip="Name the batch (kept in this cache)"),
        Binding("s", "stats", "Stats", id="view.stats", tooltip="Batches, requests, cost and saving, per day"),
        Binding("p", "toggle_group", "Parts", id="group.toggle", tooltip="Show or hide a group's parts"),
        # The table's own (same ids, so one remap moves both); listed here for the help screen.
        Binding("right", "expand_group", "Expand", id="group.expand", tooltip="Show a group's parts", show=False),
        Binding("left", "collapse_group", "Collapse", id="group.collapse", tooltip="Hide a group's parts", show=False),
        Binding("escape", "back", "Back", id="view.back", tooltip="Clear the filter, then the marks"),
    ]

    class BatchesLoaded(Message):
        def __init__(
            self, batches: list[BatchRecord], links: dict[str, WorkflowLink], groups: list[GroupSummary]
        ) -> None:
            super().__init__()
            self.batches = batches
            self.links = links  # from the cache: batches its workflows' submissions created
            self.groups = groups

    class WorkflowsLoaded(Message):
        def __init__(self, local: dict[str, WorkflowLink], remote: dict[str, WorkflowLink] | None) -> None:
            super().__init__()
            self.local = local
            self.remote = remote  # None: visibility not read this time (not configured, or Temporal down)

    class DetailLoaded(Message):
        def __init__(self, batch_id: str, breakdown: Breakdown) -> None:
            super().__init__()
            self.batch_id = batch_id
            self.breakdown = breakdown

    class ActionDone(Message):
        """A cancel or delete worker finished: what to tell the user."""

        def __init__(self, verb: str, done: list[str], failures: list[str], notes: list[str] | None = None) -> None:
            super().__init__()
            self.verb, self.done, self.failures, self.notes = verb, done, failures, notes or []

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[BatchRecord] = []
        self.by_id: dict[str, BatchRecord] = {}
        self.groups = GroupList()
        self.entries: list[Entry] = []  # top level, newest first: batches, and groups in place of their parts
        self.select_digest: str | None = None  # select the group of this plan once it is listed
        self.retries: dict[str, list[BatchRecord]] = {}  # parent id -> its retry children, oldest first
        self.marks: set[str] = set()
        self.filter_text = ""
        self.breakdowns: dict[str, Breakdown] = {}
        self.progress: dict[str, tuple[int, int]] = {}
        self.select_after_load: str | None = None
        self.loaded = False
        self.rows = RowCache()
        self.local_links: dict[str, WorkflowLink] = {}
        self.remote_links: dict[str, WorkflowLink] = {}  # the last visibility read that succeeded
        self.links: dict[str, WorkflowLink] = {}  # batch id -> the workflow carrying it, as shown
        self._watch: WorkflowWatch | None = None
        self._reading_workflows: Worker[None] | None = None
        self._missed_tick = False  # a clock tick came while another screen covered this one
        self._status_stale = False  # the status changed while another screen covered this one
        self._list_stale = False  # the cached batches changed while another screen covered this one

    @property
    def tui(self) -> BatchTuiApp:
        return cast("BatchTuiApp", self.app)

    def compose(self) -> ComposeResult:
        yield TitleBar(icon="≡")
        with Vertical(id="main"):
            yield Input(
                placeholder="filter: label, id, status or workflow (enter keeps it, escape clears it)", id="filter"
            )
            yield BatchTable(id="batches")
            yield Static(id="older")
            yield Static(id="empty")
            yield DetailPane(id="detail")
            yield ActivityPanel(id="activity")
        yield StatusBar(id="status", demo=self.tui.demo)
        yield KeyFooter()

    @property
    def table(self) -> BatchTable:
        return self.query_one(BatchTable)

    def on_mount(self) -> None:
        self.query_one(ActivityPanel).add(self.tui.activity)
        self.reload()
        if self.tui.temporal.configured:
            self.refresh_workflows()
        self.set_interval(TICK_SECONDS, self.tick)

    # -- loading (workers) ---------------------------------------------------------------------------------

    @work(exclusive=True, group="load", exit_on_error=False)
    async def reload(self) -> None:
        """Read the list from the store; a newer reload supersedes an older one."""
        store = self.tui.store
        batches, links = await store.list_batches(), await store.workflow_links()
        self.post_message(self.BatchesLoaded(batches, links, await store.list_groups()))

    def refresh_workflows(self) -> None:
        """Read which batches workflows carry, unless a read is still under way (a slow Temporal answer must not
        pile up reads, nor be cancelled by the next one and never land)."""
        if self._reading_workflows is None or self._reading_workflows.is_finished:
            self._reading_workflows = self.load_workflows()

    @work(group="workflows", exit_on_error=False)
    async def load_workflows(self) -> None:
        if self._watch is None:
            self._watch = WorkflowWatch(self.tui.temporal)
        local = await self.tui.store.workflow_links()
        self.post_message(self.WorkflowsLoaded(local, await self._watch.carried()))

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def load_breakdown(self, batch_id: str) -> None:
        store = self.tui.store
        try:
            breakdown = Breakdown(await store.result_type_counts(batch_id), await store.error_type_counts(batch_id))
        except Exception:  # the pane shows what it has; asking again every tick would only repeat the failure
            breakdown = Breakdown()
        self.post_message(self.DetailLoaded(batch_id, breakdown))

    # -- rendering (handlers) ------------------------------------------------------------------------------

    @on(BatchesLoaded)
    def batches_loaded(self, message: BatchesLoaded) -> None:
        self.batches = message.batches
        self.by_id = {b.id: b for b in message.batches}
        self.retries = retries_of(message.batches)
        self.local_links = message.links
        self.links = merged(self.local_links, self.remote_links)
        self.marks &= self.by_id.keys()
        self.rows.keep_only(self.by_id)
        self.groups.load(message.groups, self.by_id)
        self.entries = self.groups.top_level(self.batches)
        if not self.loaded:
            self.call_after_refresh(self.after_first_paint)
        self.loaded = True
        # Header: what every cached batch cost and saved, calling out those whose cost is unknown or pending.
        self.sub_title = f"{self.app.sub_title} · {totals_text(totals_of(self.batches))}"
        self.render_list()
        if self.select_digest is not None:
            found = next((g for g in message.groups if g.group.digest == self.select_digest), None)
            if found is not None:
                self.select_digest = None
                self.select_after_load = found.id
        if self.select_after_load and self.table.select_batch(self.select_after_load):
            self.select_after_load = None
        self.show_detail()

    def after_first_paint(self) -> None:
        """Once the first list is on screen: load what Enter needs (the results view's modules: compiling and
        importing them cost the first Enter tens of milliseconds), then freeze what is alive now, which lives as
        long as the app (tui/heap.py)."""
        with contextlib.suppress(ImportError):  # the results view ships separately (see BatchTuiApp.open_results)
            import batchtui.tui.screens.results  # noqa: F401
        freeze_once("listed")
        self.tui.first_list_shown.set()  # the first poll may start

    @on(WorkflowsLoaded)
    def workflows_loaded(self, message: WorkflowsLoaded) -> None:
        self.local_links = message.local
        if message.remote is not None:  # else the last read stands: a blip must not make workflows vanish
            self.remote_links = message.remote
        links = merged(self.local_links, self.remote_links)
        if links != self.links:
            self.links = links
            if self.loaded:
                self.render_list()
                self.show_detail()

    @property
    def shown_entries(self) -> list[Entry]:
        """The top-level rows matching the filter: batches, and groups (by name or id, or by a part's)."""
        if not self.filter_text:
            return self.entries
        text, links, groups = self.filter_text, self.links, self.groups
        return [
            e
            for e in self.entries
            if (
                groups.matching_parts(e, text, links) is not None
                if isinstance(e, GroupSummary)
                else matches(e, text, links.get(e.id))
            )
        ]

    @property
    def listed_entries(self) -> list[Entry]:
        """What the table holds at the top level: the newest LIST_LIMIT of the rows matching the filter."""
        return self.shown_entries[:LIST_LIMIT]

    def listed_count(self) -> int:
        """How many batches the list holds (a group's parts count, shown or not)."""
        parts = self.groups.parts
        return sum(len(parts.get(e.id, ())) if isinstance(e, GroupSummary) else 1 for e in self.listed_entries)

    def render_list(self, *, bindings: bool = True) -> None:
        """Rows, empty-state and status bar from the cached list; `bindings`: the footer may change too (the
        selection, marks or list changed), which a clock tick never does."""
        now = self.tui.clock()
        visible = self.shown_entries
        listed = visible[:LIST_LIMIT]
        cells, marks, links, groups = self.rows.cells, self.marks, self.links, self.groups
        rows: list[Row] = []
        tree: dict[str, bool] = {}
        parents: dict[str, str] = {}
        represented = 0
        for e in listed:
            if not isinstance(e, GroupSummary):
                rows.append((e.id, cells(e, e.id in marks, now, links.get(e.id))))
                continue
            only = groups.matching_parts(e, self.filter_text, links) if self.filter_text else None
            represented += len(groups.parts.get(e.id, ())) - 1  # the status bar counts batches, not rows
            group_rows = groups.rows(e, marks, now, cells, links, only)
            rows += group_rows
            tree[e.id] = e.id in groups.expanded
            parents.update((key, e.id) for key, _ in group_rows[1:])
        self.table.set_tree(tree, parents)
        self.table.show(rows)
        self.show_older(len(visible) - len(listed))
        empty = self.query_one("#empty", Static)
        empty.display = self.loaded and not visible
        if empty.display and self.filter_text and self.batches:
            empty.update(content_assemble("No batch matches “", (self.filter_text, "bold"), "”. Escape clears it."))
        elif empty.display and self.tui.api is None and self.tui.sync_state.offline_reason:
            # `n` is greyed out: say how to start instead (a key, or the demo).
            empty.update(content_assemble("No batches yet. ", self.tui.sync_state.offline_reason))
        elif empty.display:
            empty.update(Content("No batches yet. Press n to create one from a requests file."))
        self.show_status(listed=len(listed) + represented)
        if bindings:
            self.refresh_bindings()

    def show_older(self, hidden: int) -> None:
        """The line under a truncated list: how many are not listed, and how to reach them."""
        older = self.query_one("#older", Static)
        older.display = hidden > 0
        if not hidden:
            return
        noun = "batch" if hidden == 1 else "batches"
        if self.filter_text:
            older.update(Content(f"{fmt.count(hidden)} older matching {noun} not listed: type more to narrow"))
        else:
            older.update(
                Content(
                    f"{fmt.count(hidden)} older {noun} not listed: type / to filter "
                    f"(searches all {fmt.count(len(self.batches))})"
                )
            )

    def show_status(self, listed: int | None = None) -> None:
        """The status bar, brought up to date; while another screen covers this one it is only noted, and brought
        up to date when this screen is shown again (the queue's 5-second refresh redrew a hidden bar: ~15 ms)."""
        if not self.shown:
            self._status_stale = True
            return
        self._status_stale = False
        in_flight = sum(1 for b in self.batches if b.processing_status != "ended" and not b.deleted_remotely)
        self.query_one(StatusBar).show(
            self.tui.sync_state,
            in_flight=in_flight,
            total=len(self.batches),
            shown=self.listed_count() if listed is None else listed,
            marked=len(self.marks),
            now=self.tui.clock(),
            queue=status_words(self.tui.queue, self.tui.clock()),
        )

    def show_detail(self) -> None:
        pane = self.query_one(DetailPane)
        if (group := self.cursor_group) is not None:
            batches = self.groups.batches(group.id)
            sending = self.groups.is_sending(group)
            pane.show_columns("Group", group_columns(group, batches, self.by_id, self.tui.clock(), sending))
            return
        batch = self.cursor_batch
        if batch is None:
            pane.clear()
            return
        breakdown = self.breakdowns.get(batch.id)
        if breakdown is None and batch.results_rows:
            self.load_breakdown(batch.id)
        link = self.links.get(batch.id)
        workflow = None if link is None else (link, web_ui_url(self.tui.temporal, link.workflow_id))
        pane.show(batch, breakdown, self.progress.get(batch.id), self.tui.clock(), workflow, self.lineage(batch))

    def lineage(self, batch: BatchRecord) -> Lineage:
        """Its parent and retry children, from the loaded list (every cached batch, so no query and never stale)."""
        parent = self.by_id.get(batch.parent_batch_id) if batch.parent_batch_id else None
        return Lineage(parent, self.retries.get(batch.id, []), self.groups.part_title(batch.id))

    @property
    def shown(self) -> bool:
        """On screen: on top, or beneath screens that let it show through (a dialog's tinted backdrop). Textual's
        `is_current` also counts it shown beneath the results or stats screen, which cover it whole: a tick then
        redrew the hidden list and made the screen on top repaint the same cells."""
        for screen in reversed(self.app.screen_stack):
            if screen is self:
                return True
            if screen.styles.background.a >= 1:
                return False
        return False

    def tick(self) -> None:
        """The clock moved: times in the list and the detail. Skipped while another screen covers this one (the
        results, the stats): it catches up when it is shown again (on_screen_resume)."""
        if not self.loaded:
            return
        if not self.shown:
            self._missed_tick = True
            return
        self.render_list(bindings=False)
        self.show_detail()

    def on_screen_resume(self) -> None:
        if self._list_stale:
            self._list_stale = False
            self.reload()
        if self._missed_tick:
            self._missed_tick = False
            self.tick()
        if self._status_stale:
            self.show_status()

    @on(DetailLoaded)
    def detail_loaded(self, message: DetailLoaded) -> None:
        self.breakdowns[message.batch_id] = message.breakdown
        if self.cursor_batch_id == message.batch_id:
            self.show_detail()

    @on(DataTable.RowHighlighted, "#batches")
    def highlighted(self) -> None:
        self.show_detail()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#batches")
    def selected(self) -> None:
        self.action_open()

    @on(BatchTable.GroupToggled)
    def group_toggled(self, message: BatchTable.GroupToggled) -> None:
        self.show_parts(message.group_id, message.expand)

    # -- live updates (forwarded by the app) -----------------------------------------------------------------

    @on(SyncEventMessage)
    def sync_event(self, message: SyncEventMessage) -> None:
        event = message.event
        if isinstance(event, ResultsProgress):
            self.progress[event.batch_id] = (event.rows, event.total)
            self.breakdowns.pop(event.batch_id, None)
            if event.batch_id == self.cursor_batch_id:
                self.show_detail()
            return
        if isinstance(event, HookDelivered | HookFailed):  # a quiet line; a failure also has its toast (the app's)
            self.query_one(ActivityPanel).write(activity_line(event, self.name_of(event.batch_id)))
            return
        if isinstance(event, ResultsComplete | ResultsFailed):
            self.progress.pop(event.batch_id, None)
            self.breakdowns.pop(event.batch_id, None)
        if isinstance(event, BatchesUpdated | BatchEnded | ResultsComplete | ResultsFailed):
            if self.shown:
                self.reload()
            else:  # covered whole: read once when shown again, not at every poll (on_screen_resume)
                self._list_stale = True
        else:  # SyncOk / SyncFailed: the app updated its sync state
            self.show_status()
        if isinstance(event, SyncOk | SyncFailed):  # the poll's cadence: workflows' phases move on too
            self.refresh_workflows()

    @on(ApiCallMessage)
    def api_call(self, message: ApiCallMessage) -> None:
        self.query_one(ActivityPanel).add([message.call])

    # -- selection -------------------------------------------------------------------------------------------

    @property
    def cursor_batch_id(self) -> str | None:
        return self.table.cursor_batch_id

    @property
    def cursor_batch(self) -> BatchRecord | None:
        batch_id = self.cursor_batch_id
        return self.by_id.get(batch_id) if batch_id else None

    @property
    def cursor_group(self) -> GroupSummary | None:
        key = self.cursor_batch_id
        return self.groups.groups.get(key) if key else None

    def carried(self, batch_id: str) -> bool:
        """A live workflow carries the batch: cancel it through the workflow."""
        link = self.links.get(batch_id)
        return link is not None and link.live

    def targets(self) -> list[BatchRecord]:
        """What an action applies to: the marked batches (in list order), or else the one under the cursor."""
        if self.marks:
            return [b for b in self.batches if b.id in self.marks]
        if (group := self.cursor_group) is not None:
            return self.groups.batches(group.id)
        batch = self.cursor_batch
        return [batch] if batch else []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None greys the key out in the footer (and it does nothing); False hides it.
        online = self.tui.api is not None
        if action == "cancel":  # a workflow's batch is canceled through Temporal: no API key needed for it
            cancelable = [b for b in self.targets() if b.can_cancel]
            return True if cancelable and (online or any(self.carried(b.id) for b in cancelable)) else None
        if action == "delete":
            return True if online and any(b.can_delete for b in self.targets()) else None
        if action == "open":
            return True if self.cursor_batch_id else None
        if action == "mark":  # a group: its parts that have a batch
            group = self.cursor_group
            return True if self.cursor_batch is not None or (group and self.groups.batches(group.id)) else None
        if action == "export":
            return True if self.targets() else None
        if action == "label":  # labels are the batches' (a group's name is its file's, or its submit label)
            return True if self.cursor_batch is not None else None
        if action in ("toggle_group", "expand_group", "collapse_group"):
            if not self.groups.groups:
                return False  # no group anywhere: the key is not shown at all
            key = self.cursor_batch_id or ""
            return True if key in self.groups.groups or key in self.groups.part_of else None
        if action == "retry":  # an ended batch with failures, and an API to send them to
            batch = self.cursor_batch
            return True if online and batch is not None and has_failures(batch) else None
        if action == "new":
            return True if online else None
        if action == "back":
            return bool(self.filter_text or self.marks or self.query_one("#filter").display)
        return True

    def disabled_reason(self, action: str) -> str | None:
        """Why a greyed-out key does nothing now (said when it is pressed anyway); None: no reason to give."""
        online = self.tui.api is not None
        offline = self.tui.sync_state.offline_reason or "batchtui is not connected to the API yet"
        targets = self.targets()
        nothing = "No batch selected."
        if action == "new":
            return f"Creating a batch needs the API. {offline}"
        if action == "cancel":
            if not targets:
                return nothing
            if not any(b.can_cancel for b in targets):
                return "Only batches in progress can be canceled."
            return f"Canceling needs the API. {offline}"
        if action == "delete":
            if not targets:
                return nothing
            if not online:
                return f"Deleting needs the API. {offline}"
            return "Only ended batches can be deleted."
        if action == "retry":
            batch = self.cursor_batch
            if batch is None:
                return nothing if self.cursor_group is None else "Retry a group's parts one at a time (p shows them)."
            if not has_failures(batch):
                return "Only an ended batch with errored, expired or canceled requests can be retried."
            return f"Retrying needs the API. {offline}"
        if action == "label":
            return "A group is named after its file; label its parts (p shows them)." if self.cursor_group else nothing
        if action in ("toggle_group", "expand_group", "collapse_group"):
            return "Not a group: p shows the parts of a file sent as several batches."
        if action in ("open", "mark", "export"):
            return nothing
        return None

    # -- actions ---------------------------------------------------------------------------------------------

    @work(exclusive=True, group="create", exit_on_error=False)
    async def action_new(self) -> None:
        # The create flow (file picker, validation, the submit path) loads on first use, not at the start (~30 ms).
        from batchtui.tui.screens.create import CreateScreen, pick_requests_file

        path = await self.app.push_screen_wait(pick_requests_file())
        if path is None:
            return
        batch_id = await self.app.push_screen_wait(CreateScreen(path))
        if batch_id and batch_id.startswith(GROUP_PREFIX):  # sent as a group: its toast comes with GroupSendDone
            self.select_after_load = batch_id
            self.reload()
        elif batch_id:
            batch = await self.tui.store.get_batch(batch_id)
            name = batch.display_name if batch else batch_id
            self.notify(f"Created {batch_id} ({name})", title="Batch submitted", markup=False)
            self.select_after_load = batch_id
            self.reload()
            self.tui.refresh_now()

    def action_open(self) -> None:
        if (group := self.cursor_group) is not None:
            self.tui.open_group_results(group.id, tuple(group.batch_ids), group.group.name)
        elif batch_id := self.cursor_batch_id:
            self.tui.open_results(batch_id)

    def action_toggle_group(self) -> None:
        key = self.cursor_batch_id or ""
        group_id = key if key in self.groups.groups else self.groups.part_of.get(key)
        if group_id is not None:
            self.show_parts(group_id, group_id not in self.groups.expanded)

    def action_expand_group(self) -> None:
        self.table.action_expand()

    def action_collapse_group(self) -> None:
        self.table.action_collapse()

    def show_parts(self, group_id: str, expand: bool) -> None:
        """Show or hide a group's parts beneath it; the cursor stays on the group (or moves up to it from a part
        being hidden)."""
        was = self.cursor_batch_id
        if expand:
            self.groups.expanded.add(group_id)
        else:
            self.groups.expanded.discard(group_id)
        self.render_list()
        if was is not None and self.groups.part_of.get(was) == group_id and not self.table.has_row(was):
            self.table.select_batch(group_id)  # its row went: the cursor would land on whatever took its place
        self.show_detail()

    def action_retry(self) -> None:
        if (batch := self.cursor_batch) is not None:
            self.app.push_screen(RetryScreen(batch))  # the new batch comes back as BatchCreated

    @on(GroupSendNote)
    def group_send_note(self, message: GroupSendNote) -> None:
        """A group being sent from this dashboard moved on: its row appears (and is selected) with the first note,
        and follows each part."""
        if message.digest not in self.groups.sending:
            self.groups.sending.add(message.digest)
            self.select_digest = message.digest
        self.query_one(ActivityPanel).write(Text.assemble(("group  ", "bold"), clean(message.text)))
        self.reload()

    @on(GroupSendDone)
    def group_send_done(self, message: GroupSendDone) -> None:
        self.groups.sending.discard(message.digest)
        outcome = message.outcome
        if outcome is None or outcome.group is None:
            problem = message.problem or "The group was not sent."
            self.notify(problem, title="Not submitted", severity="error", markup=False, timeout=15)
        else:
            name, total, made = outcome.group.name, outcome.group.part_count, len(outcome.batch_ids)
            if outcome.error:
                self.notify(
                    f"{name}: {made} of {total} batches made; {outcome.error}\nSubmit the same file again to "
                    "continue: parts that have a batch are never sent again.",
                    title="Group stopped",
                    severity="warning",
                    markup=False,
                    timeout=20,
                )
            else:
                self.notify(f"{name}: {total} batches", title="Group submitted", markup=False)
        self.reload()
        self.tui.refresh_now()

    @on(BatchCreated)
    def batch_created(self, message: BatchCreated) -> None:
        self.select_after_load = message.batch_id
        self.reload()
        self.tui.refresh_now()

    def action_label(self) -> None:
        if (batch := self.cursor_batch) is not None:
            self.app.push_screen(LabelScreen(batch), self.labelled)

    def labelled(self, batch: BatchRecord | None) -> None:
        """The new label, in the row and the detail pane at once (no need to wait for a reload)."""
        if batch is None or batch.id not in self.by_id:
            return
        self.by_id[batch.id] = batch
        self.batches = [batch if b.id == batch.id else b for b in self.batches]
        self.groups.load(list(self.groups.groups.values()), self.by_id)
        self.entries = self.groups.top_level(self.batches)
        self.render_list()
        self.show_detail()

    def action_stats(self) -> None:
        self.app.push_screen(StatsScreen())

    def action_mark(self) -> None:
        if (group := self.cursor_group) is not None:  # marks (or unmarks) every part that has a batch
            parts = {b.id for b in self.groups.batches(group.id)}
            self.marks = self.marks - parts if parts <= self.marks else self.marks | parts
        elif (batch_id := self.cursor_batch_id) is not None:
            self.marks ^= {batch_id}
        self.render_list()

    def action_export(self) -> None:
        ids = [b.id for b in self.targets()]
        group = self.cursor_group if not self.marks else None
        if not ids and group is None:
            return
        try:
            from batchtui.tui.screens.export import start_export
        except ImportError as exc:  # the export flow ships separately
            self.notify(f"Export is not available: {exc}", severity="error", markup=False)
            return
        start_export(self.app, ids, ResultFilter(), name=group.group.name if group is not None else None)

    def action_refresh(self) -> None:
        self.tui.refresh_now()

    def action_activity(self) -> None:
        panel = self.query_one(ActivityPanel)
        panel.display = not panel.display

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self.render_list()
        self.show_detail()

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.table.focus()

    def action_back(self) -> None:
        box = self.query_one("#filter", Input)
        if self.filter_text or box.display:
            cleared = bool(box.value)
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.table.focus()
            if cleared:  # the box's Changed message redraws the list (filter_changed): once is enough
                return
        elif self.marks:
            self.marks.clear()
        self.render_list()
        self.show_detail()

    def action_cancel(self) -> None:
        batches = [b for b in self.targets() if b.can_cancel]
        if not batches:
            return
        skipped = len(self.targets()) - len(batches)
        question = "Cancel them? Requests already processed keep their results; the rest are canceled."
        if skipped:
            they = "batch cannot" if skipped == 1 else "batches cannot"
            question = (
                f"{skipped} marked {they} be canceled and {'is' if skipped == 1 else 'are'} left alone. " + question
            )
        if carried := sum(1 for b in batches if self.carried(b.id)):
            which = "It is" if len(batches) == 1 else f"{carried} of them {'is' if carried == 1 else 'are'}"
            question += (
                f" {which} carried by a Temporal workflow: the cancel goes through the workflow, which cancels the"
                " batch and still downloads what finished."
            )
        noun = "batch" if len(batches) == 1 else "batches"
        title = f"Cancel {len(batches)} {noun}?"
        if not self.marks and (group := self.cursor_group) is not None:
            running = "running part" if len(batches) == 1 else "running parts"
            title = f"Cancel {len(batches)} {running} of {clean(group.group.name)}?"
        self.app.push_screen(
            ConfirmScreen(title, [describe_batch(b) for b in batches], question),
            lambda yes: self._confirmed("cancel", batches) if yes else None,
        )

    def action_delete(self) -> None:
        batches = [b for b in self.targets() if b.can_delete]
        if not batches:
            return
        noun = "batch" if len(batches) == 1 else "batches"
        question = "Delete them from the API? The local copy and downloaded results stay in batchtui's cache."
        self.app.push_screen(
            ConfirmScreen(f"Delete {len(batches)} ended {noun}?", [describe_batch(b) for b in batches], question),
            lambda yes: self._confirmed("delete", batches) if yes else None,
        )

    def _confirmed(self, verb: str, batches: list[BatchRecord]) -> None:
        self.marks -= {b.id for b in batches}
        self.apply(verb, [b.id for b in batches])

    @work(group="apply", exit_on_error=False)
    async def apply(self, verb: str, batch_ids: list[str]) -> None:
        """Cancel or delete through the service, one batch at a time; one failure does not stop the others. A
        delete downloads missing results first and leaves a batch alone when it cannot."""
        from batchtui.service import actions

        session = self.tui.session
        done: list[str] = []
        failures: list[str] = []
        notes: list[str] = []
        try:
            if verb == "cancel":  # what a workflow carries is canceled through it, never behind its back
                routed = await cancel_through_workflows(
                    session, batch_ids, self.tui.temporal, self.remote_links, self.name_of
                )
                done, failures, notes, batch_ids = routed.done, routed.failures, routed.notes, routed.direct
            if batch_ids:
                outcomes = await (actions.cancel if verb == "cancel" else actions.delete)(session, batch_ids)
                done += [self.name_of(o.batch_id) for o in outcomes if o.ok]
                failures += [f"{self.name_of(o.batch_id)}: {o.message or o.status}" for o in outcomes if not o.ok]
        except Exception as exc:  # an API error must never take the app down
            failures.append(describe(exc))
        self.post_message(self.ActionDone(verb, done, failures, notes))

    def name_of(self, batch_id: str) -> str:
        batch = self.by_id.get(batch_id)
        return batch.display_name if batch else batch_id

    @on(ActionDone)
    def action_done(self, message: ActionDone) -> None:
        verb = "Canceling" if message.verb == "cancel" else "Deleted"
        if message.done:
            self.notify(
                "\n".join(message.done),
                title=f"{verb} {fmt.plural(len(message.done), 'batch', 'batches')}",
                markup=False,
            )
        if message.failures:
            self.notify(
                "\n".join(message.failures),
                title=f"Could not {message.verb} {fmt.plural(len(message.failures), 'batch', 'batches')}",
                severity="error",
                markup=False,
                timeout=15,
            )
        for note in message.notes:
            self.notify(note, severity="warning", markup=False, timeout=15)
        self.reload()
        self.tui.refresh_now()


def retries_of(batches: list[BatchRecord]) -> dict[str, list[BatchRecord]]:
    """Parent id -> the batches retried from it, oldest first (the list comes newest first)."""
    out: dict[str, list[BatchRecord]] = {}
    for b in reversed(batches):
        if b.parent_batch_id:
            out.setdefault(b.parent_batch_id, []).append(b)
    return out


def describe_batch(b: BatchRecord) -> str:
    requests = f"{fmt.count(b.request_counts.total)} requests"
    return f"{b.label}  ({b.id}, {requests})" if b.label else f"{b.id}  ({requests})"
