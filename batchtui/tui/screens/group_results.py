"""The results of a group (a file sent as several batches): every part's results as one list, in part order, with
the batch view's filters, search, detail, marks and export (which covers every part).

The table spans the parts' batches (ResultsTable `spans`, paged per batch: core/spans.py), so a 250,000-request
group opens and pages as fast as one of its batches. The header sums the parts; the status line says which parts
still run, which results are downloading (the view starts the downloads it needs), and which parts have no batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from textual import on, work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from batchtui.core import fmt
from batchtui.core.cost import saved_usd
from batchtui.core.errors import describe
from batchtui.core.events import BatchEnded, BatchesUpdated, ResultsComplete, ResultsFailed, ResultsProgress
from batchtui.core.groups import GroupSummary
from batchtui.core.models import BatchRecord, ResultRow
from batchtui.core.spans import span_error_type_counts, span_type_counts
from batchtui.core.spend import UNKNOWN
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.safe import content_assemble
from batchtui.tui.screens.results import ResultsScreen, status_part
from batchtui.tui.widgets.group_detail import ranges
from batchtui.tui.widgets.group_rows import created_of, group_status


class GroupLoaded(Message):
    def __init__(
        self,
        group: GroupSummary | None,
        batches: list[BatchRecord],
        type_counts: dict[str, int],
        error_counts: dict[str, int],
    ) -> None:
        super().__init__()
        self.group = group
        self.batches = batches  # its parts' batches, in part order, as cached now
        self.type_counts = type_counts
        self.error_counts = error_counts


class PartsDownloaded(Message):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


def group_header(group: GroupSummary | None, name: str, batches: Sequence[BatchRecord], now: datetime) -> Content:
    if group is None:
        return content_assemble(("Results  ", "bold"), (name, "bold"), ("  (this group is not in the cache)", "dim"))
    g = group.group
    c = group.request_counts
    status = group_status(group, batches)
    parts: list[str | tuple[str, str]] = [
        ("Results  ", "bold"),
        (g.name, "bold"),
        (f"  group of {g.part_count} batches · {g.id}", "dim"),
        "\n",
        status_part(status),
        ("  created ", "dim"),
        fmt.ago(created_of(group, batches), now),
        ("  parts ", "dim"),
        f"{group.parts_done} of {g.part_count}",
        ("  requests ", "dim"),
        fmt.count(c.total),
    ]
    if c.processing:
        parts += [("  processing ", "dim"), (fmt.count(c.processing), "yellow")]
    if group.cost_status == "known":
        parts += [("  cost ", "dim"), fmt.money(group.cost_usd), ("  saved ", "dim")]
        parts.append((fmt.money(saved_usd(group.cost_usd)), "green"))
    elif group.cost_status == UNKNOWN:
        parts += [("  cost ", "dim"), (UNKNOWN, "yellow")]
    return content_assemble(*parts)


class GroupResultsScreen(ResultsScreen):
    def __init__(self, group_id: str, batch_ids: tuple[str, ...], name: str) -> None:
        super().__init__(group_id)  # `batch_id` is the group's id: the view's key (no batch has it)
        self.group_id = group_id
        self.part_ids = batch_ids
        self.group_name = name
        self.group: GroupSummary | None = None
        self._fetching: set[str] = set()  # parts whose results this view is downloading

    @property
    def spans(self) -> tuple[str, ...] | None:
        return self.part_ids

    @property
    def export_name(self) -> str | None:
        return self.group_name

    def on_mount(self) -> None:  # (Textual runs ResultsScreen.on_mount too: it loads the table)
        self.query_one("#results-header", Static).update(group_header(None, self.group_name, [], self.host.clock()))

    # -- workers ---------------------------------------------------------------------------------------------------

    @work(group="summary", exclusive=True, exit_on_error=False)
    async def load_summary(self) -> None:
        store = self.host.store
        group = await store.get_group(self.group_id)
        ids = tuple(group.batch_ids) if group is not None else self.table.batch_ids
        batches = [b for b in [await store.get_batch(i) for i in ids] if b is not None]
        types, errors = await span_type_counts(store, ids), await span_error_type_counts(store, ids)
        self.post_message(self.summary.post(GroupLoaded(group, batches, types, errors)))

    @work(group="search-index", exclusive=True, exit_on_error=False)
    async def warm_search_index(self) -> None:
        for batch_id in self.table.batch_ids:  # a search reads every part's index
            try:
                await self.host.store.ensure_search_index(batch_id)
            except Exception:  # the search itself reports any failure
                return

    @work(group="download-parts", exit_on_error=False)
    async def download_parts(self, batch_ids: list[str]) -> None:
        engine = self.host.engine
        assert engine is not None
        outcomes = await asyncio.gather(*(engine.ensure_download(i) for i in batch_ids), return_exceptions=True)
        errors = {i: describe(o) for i, o in zip(batch_ids, outcomes, strict=True) if isinstance(o, BaseException)}
        self.post_message(PartsDownloaded(errors))

    # -- handlers --------------------------------------------------------------------------------------------------

    def show_summary(self, message: Message) -> None:
        assert isinstance(message, GroupLoaded)
        self._group_loaded(message)

    @on(GroupLoaded)
    def _group_loaded(self, message: GroupLoaded) -> None:
        if not self.summary.unseen(message):
            return  # shown by the first drawing
        self.group = group = message.group
        batches = message.batches
        if group is not None:
            self.group_name = group.group.name
            self.table.set_spans(tuple(group.batch_ids))  # a part created since the view opened joins it
        header = group_header(group, self.group_name, batches, self.host.clock())
        self.query_one("#results-header", Static).update(header)
        self.filter_bar.set_counts(message.type_counts, message.error_counts)
        self.total_rows = sum(message.type_counts.values())
        self._show_count()
        self._follow_parts(group, batches)

    def _follow_parts(self, group: GroupSummary | None, batches: list[BatchRecord]) -> None:
        """Say which parts have no results yet and why, and download those that ended."""
        if group is None:
            self._notice("This group is not in the cache.", "warning")
            return
        notes: list[str] = []
        severity = ""
        wanted = [b.id for b in batches if b.results_downloadable]
        running = [b for b in batches if b.processing_status != "ended"]
        empty = "No results match this filter."
        if wanted and self.host.engine is not None:
            if new := [i for i in wanted if i not in self._fetching]:
                self._fetching.update(new)
                self.download_parts(new)
            notes.append(f"Downloading the results of {len(wanted)} part{'s' if len(wanted) != 1 else ''}…")
            empty = "Downloading results…"
        elif wanted:
            notes.append(f"Results of {fmt.plural(len(wanted), 'part')} not downloaded yet, and batchtui is offline.")
        if running:
            n = len(running)
            notes.append(f"{n} of {len(batches)} parts still running: their results come when they end.")
            severity = "warning"
            if not self.total_rows:
                empty = "No results yet."
        planned = {p.spec.part: p for p in group.parts if p.done}
        unsent = [n for n in range(1, group.group.part_count + 1) if n not in planned]
        if unsent:
            notes.append(
                f"{'Part' if len(unsent) == 1 else 'Parts'} {ranges(unsent)} {'has' if len(unsent) == 1 else 'have'}"
                " no batch yet (submit the same file again to continue)."
            )
            severity = "warning"
        self._notice(" ".join(notes), severity)
        if self.table.filter.is_empty:
            self.table.empty_message = empty
            self.table.refresh()

    @on(PartsDownloaded)
    def _parts_downloaded(self, message: PartsDownloaded) -> None:
        self._fetching.clear()
        self.table.load()
        self.load_summary()
        if message.errors:
            first = next(iter(message.errors.items()))
            self._notice(
                f"Download failed for {fmt.plural(len(message.errors), 'part')}: {first[0]}: {first[1]}",
                "error",
            )

    def on_sync_event_message(self, message: SyncEventMessage) -> None:
        event = message.event
        parts = set(self.table.batch_ids)
        if isinstance(event, BatchesUpdated):
            incomplete = self.group is None or not self.group.complete
            if incomplete or parts.intersection(event.changed_ids):  # a new part, or a part moved on
                self.load_summary()
            return
        if getattr(event, "batch_id", None) not in parts:
            return
        if isinstance(event, ResultsProgress):
            done = f"{fmt.count(event.rows)} of {fmt.count(event.total)}"
            self._notice(f"Downloading results of {event.batch_id}… {done}")
        elif isinstance(event, ResultsComplete):
            self.table.load()
            self.load_summary()
        elif isinstance(event, ResultsFailed):
            self._notice(f"Download failed for {event.batch_id}: {event.message}", "error")
        elif isinstance(event, BatchEnded):
            self.load_summary()

    # -- what differs from one batch's view ------------------------------------------------------------------------

    def prompt_batch(self, row: ResultRow) -> str:
        return row.batch_id  # each part's submission holds its own requests

    def _origin(self, row: ResultRow | None) -> str | None:
        """Which part a result comes from."""
        if row is None or self.group is None:
            return None
        part = next((p for p in self.group.parts if p.batch_id == row.batch_id), None)
        where = f"part {part.spec.part} of {self.group.group.part_count}" if part is not None else "part"
        return f"{where} · {row.batch_id}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_merged", "retry"):  # one batch's: not offered over a group
            return False
        return super().check_action(action, parameters)
