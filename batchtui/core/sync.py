"""The sync engine: API → store. Refreshes batch metadata, downloads results of ended batches, and runs the
adaptive poll loop the dashboard and `sync --watch` share. It never touches a UI: it reports through events.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta

from batchtui.core.client import BatchApi
from batchtui.core.errors import describe, is_not_found, is_transient, retry_after_seconds
from batchtui.core.events import (
    BatchEnded,
    BatchesUpdated,
    EventSink,
    ResultsComplete,
    ResultsFailed,
    ResultsProgress,
    SubmissionResolved,
    SyncEvent,
    SyncFailed,
    SyncOk,
)
from batchtui.core.models import parse_time
from batchtui.core.reuse import is_local_batch_id
from batchtui.core.schedule import PollSchedule, due_in
from batchtui.core.store import Store
from batchtui.core.switching import brisk_switching

# The events are defined in core/events.py (no SDK import, so the dashboard can paint first) and re-exported.
__all__ = [
    "BatchEnded",
    "BatchesUpdated",
    "EventSink",
    "ResultsComplete",
    "ResultsFailed",
    "ResultsProgress",
    "SubmissionResolved",
    "SyncEngine",
    "SyncEvent",
    "SyncFailed",
    "SyncOk",
]

RESULT_CHUNK = 5000  # rows per store transaction: fewer commits rewrite fewer index pages; memory stays bounded
DUE_SAMPLE = 50  # in-flight batches read to tell when the next may end (one query each, every poll)
FULL_REFRESH_EVERY = timedelta(minutes=10)  # a full listing also notices batches deleted elsewhere


class SyncEngine:
    def __init__(
        self,
        store: Store,
        api: BatchApi,
        *,
        on_event: EventSink | None = None,
        schedule: PollSchedule | None = None,
        max_downloads: int = 2,
        list_page_size: int = 1000,
        index_after_download: int = 0,
        before_refresh: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.api = api
        self.schedule = schedule or PollSchedule()
        self._sink: EventSink = on_event or (lambda _event: None)
        self._listeners: list[EventSink] = []  # always told, whoever the sink is (the completion hooks' runner)
        self._last_full: datetime | None = None
        self._wake = asyncio.Event()
        self._downloads: dict[str, asyncio.Task[int]] = {}
        self._download_slots = asyncio.Semaphore(max_downloads)
        self.list_page_size = list_page_size
        # The dashboard builds the full-text index of a freshly downloaded batch (up to this many results) in the
        # background, so its first search is instant; the CLI leaves it at 0 to keep `sync` lean.
        self.index_after_download = index_after_download
        self._indexing: set[asyncio.Task[None]] = set()
        # Run at the start of every poll (the service layer reconciles open submissions there).
        self.before_refresh = before_refresh

    def set_event_sink(self, sink: EventSink | None) -> None:
        """Send events to `sink` from now on (the dashboard plugs itself in after the engine is built)."""
        self._sink = sink or (lambda _event: None)

    def add_listener(self, listener: EventSink) -> None:
        """Also tell `listener` of every event, whatever the sink (which a front end may swap)."""
        self._listeners.append(listener)

    def emit(self, event: SyncEvent) -> None:
        """Report `event` to the current sink (the service layer reports reconciliations through here too)."""
        self._emit(event)

    def _emit(self, event: SyncEvent) -> None:
        self._sink(event)
        for listener in self._listeners:
            listener(event)

    # -- metadata -----------------------------------------------------------------------------------------------

    async def refresh(self, *, full: bool = False) -> list[str]:
        """Upsert batches from `list`. Pages only as far as needed: new batches are always on the first page, so
        paging stops once a page holds only known batches older than every batch still in flight. N in-flight
        batches cost O(pages), not N retrieves. Returns ids whose status or counts changed."""
        now = datetime.now(UTC)
        known = await self.store.sync_view()  # id -> (status, created_at, deleted)
        full = full or not known or self._last_full is None or now - self._last_full > FULL_REFRESH_EVERY
        in_flight = [created for status, created, deleted in known.values() if status != "ended" and not deleted]
        oldest_in_flight = min(in_flight) if in_flight else None
        changed: list[str] = []
        seen: set[str] = set()
        async for page in self.api.list_pages(self.list_page_size):
            changes = await self.store.upsert_batches(page, synced_at=now, request_id=self.api.last_request_id)
            for change in changes:
                changed.append(change.batch_id)
                if change.new_status == "ended" and change.old_status in ("in_progress", "canceling"):
                    self._emit(BatchEnded(change.batch_id))
            ids = [b["id"] for b in page]
            seen.update(ids)
            if not full and page:
                oldest_on_page = parse_time(page[-1]["created_at"])
                past_in_flight = oldest_in_flight is None or oldest_on_page < oldest_in_flight
                if past_in_flight and all(i in known for i in ids):
                    break
        if full:
            self._last_full = now
            for batch_id, (_, _, deleted) in known.items():
                if batch_id not in seen and not deleted:
                    await self.store.mark_deleted(batch_id)
                    changed.append(batch_id)
        self._emit(BatchesUpdated(tuple(changed), full))
        return changed

    async def refresh_one(self, batch_id: str) -> None:
        """Retrieve one batch (e.g. right after cancel or create). A local batch (answers reused) is not asked for:
        the API never had it, and its 404 would read as deleted."""
        if is_local_batch_id(batch_id):
            return
        batch = await self.api.retrieve(batch_id)
        changes = await self.store.upsert_batches(
            [batch], synced_at=datetime.now(UTC), request_id=self.api.last_request_id
        )
        for change in changes:
            if change.new_status == "ended" and change.old_status in ("in_progress", "canceling"):
                self._emit(BatchEnded(change.batch_id))
        self._emit(BatchesUpdated(tuple(c.batch_id for c in changes), False))

    # -- results ------------------------------------------------------------------------------------------------

    async def download_results(self, batch_id: str) -> int:
        """Stream an ended batch's results into the store in chunked transactions. Idempotent and resumable: rows
        are upserted by (batch_id, custom_id), so a download killed at any point and run again ends with exactly
        one row per request. Memory stays bounded whatever the batch size."""
        with brisk_switching():  # its threads take turns at the GIL sooner (core/switching.py)
            return await self._download_results(batch_id)

    async def _download_results(self, batch_id: str) -> int:
        batch = await self.store.get_batch(batch_id)
        total = batch.request_counts.total if batch else 0
        ran_at = batch.created_at if batch else None  # results are priced as of the day the batch ran
        await self.store.set_results_state(batch_id, "downloading")
        # Reading (network, this task) and parsing + writing (the store: a chunk parsed on a worker thread while
        # the one before is moved into the table by SQLite) overlap through a small queue; at most a few chunks
        # are ever in memory.
        queue: asyncio.Queue[list[bytes] | None] = asyncio.Queue(maxsize=3)

        async def queued() -> AsyncIterator[list[bytes]]:
            while (chunk := await queue.get()) is not None:
                yield chunk

        def progress(rows: int) -> None:
            self._emit(ResultsProgress(batch_id, rows, total))

        writer = asyncio.create_task(self.store.write_result_stream(batch_id, queued(), at=ran_at, on_written=progress))
        async with self.store.bulk_writes():
            try:
                chunk: list[bytes] = []
                async for lines in self.api.result_chunks(batch_id):
                    chunk += lines
                    while len(chunk) >= RESULT_CHUNK:
                        await _put(queue, chunk[:RESULT_CHUNK], writer)
                        del chunk[:RESULT_CHUNK]
                if chunk:
                    await _put(queue, chunk, writer)
                await _put(queue, None, writer)
                await writer
            except BaseException as exc:
                writer.cancel()
                with contextlib.suppress(BaseException):
                    await writer
                await self._results_failed(batch_id, exc)
                raise
            # Inside the bulk scope: the last chunk is checkpointed on the checkpointer's thread while SQLite sums
            # the batch here, not by the store's close afterwards.
            await self.store.finish_results(batch_id)
        rows = await self.store.stored_result_count(batch_id)
        if 0 < rows <= self.index_after_download:
            task = asyncio.create_task(self.store.ensure_search_index(batch_id), name=f"index {batch_id}")
            task.add_done_callback(_consume_exception)
            task.add_done_callback(self._indexing.discard)
            self._indexing.add(task)
        self._emit(ResultsComplete(batch_id, rows))
        return rows

    async def _results_failed(self, batch_id: str, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            state, message = "pending", "download interrupted"
        elif is_not_found(exc):
            # Archived (29 days) or deleted: nothing left to fetch, keep what we have.
            state, message = "unavailable", describe(exc)
        else:
            state, message = "failed", describe(exc)
        with contextlib.suppress(Exception):
            await asyncio.shield(self.store.set_results_state(batch_id, state, error=message))
        self._emit(ResultsFailed(batch_id, message))

    async def download_pending(self, only: Iterable[str] | None = None) -> dict[str, int | str]:
        """Download results of every ended batch that lacks them (or of `only`). Returns rows or error per id."""
        wanted = set(only) if only is not None else None
        outcome: dict[str, int | str] = {}
        for batch in await self.store.batches_needing_results():
            if wanted is not None and batch.id not in wanted:
                continue
            try:
                outcome[batch.id] = await self.download_results(batch.id)
            except Exception as exc:
                outcome[batch.id] = describe(exc)
        return outcome

    def ensure_download(self, batch_id: str) -> asyncio.Task[int]:
        """The running download of this batch's results, or a new one (at most `max_downloads` run at once).
        The poll loop and a results view asking for the same batch share one download."""
        task = self._downloads.get(batch_id)
        if task is None or task.done():

            async def one() -> int:
                async with self._download_slots:
                    return await self.download_results(batch_id)

            task = asyncio.create_task(one(), name=f"download {batch_id}")
            task.add_done_callback(_consume_exception)
            self._downloads[batch_id] = task
        return task

    async def start_downloads(self) -> None:
        """Background downloads of every ended batch that lacks its results."""
        for batch in await self.store.batches_needing_results():
            if batch.results_state != "failed" or batch.id not in self._downloads:
                self.ensure_download(batch.id)

    # -- the poll loop --------------------------------------------------------------------------------------------

    async def _due_in(self, batch_ids: list[str]) -> float | None:
        """How soon the soonest in-flight batch may end (the newest DUE_SAMPLE of them are looked at)."""
        batches = [b for i in batch_ids[:DUE_SAMPLE] if (b := await self.store.get_batch(i)) is not None]
        return due_in(batches, datetime.now(UTC), self.schedule.expected_seconds)

    def poke(self) -> None:
        """A user acted (refresh key, create, cancel): poll now and briskly after."""
        self.schedule.user_action()
        self._wake.set()

    async def run(self, *, stop: asyncio.Event | None = None) -> None:
        """Poll until `stop` is set (or the task is cancelled). An outage never loses state: the store keeps the
        last known view, and polling resumes with backoff, honouring 429/529 retry-after."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                # Cleared before refreshing, so a poke() that arrives during this refresh triggers the next one.
                self._wake.clear()
                try:
                    if self.before_refresh is not None:
                        await self.before_refresh()
                    changed = await self.refresh()
                    in_flight = await self.store.in_flight_ids()
                    delay = self.schedule.after_success(
                        changed=bool(changed), in_flight=bool(in_flight), due=await self._due_in(in_flight)
                    )
                    self._emit(SyncOk(datetime.now(UTC)))
                    await self.start_downloads()
                except Exception as exc:
                    delay = self.schedule.after_error(retry_after_seconds(exc))
                    self._emit(SyncFailed(describe(exc), is_transient(exc), delay))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(self._wake.wait(), stop.wait()), timeout=delay)
        finally:
            tasks = [*self._downloads.values(), *self._indexing]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _consume_exception(task: asyncio.Task) -> None:
    # Failures are reported through ResultsFailed and the store; don't let asyncio log them as unretrieved.
    if not task.cancelled():
        task.exception()


async def _put(queue: asyncio.Queue, item, writer: asyncio.Task) -> None:
    """Queue a chunk, but fail fast if the writer died instead of blocking on a full queue forever."""
    put = asyncio.create_task(queue.put(item))
    done, _ = await asyncio.wait({put, writer}, return_when=asyncio.FIRST_COMPLETED)
    if put not in done:
        put.cancel()
        writer.result()  # raises the writer's exception
        raise RuntimeError("results writer stopped early")


async def _first(*aws) -> None:
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
