"""Export results: a selection (batches, a filter, or marked custom_ids) to a file or stream in one format.

Missing results of ended batches are downloaded first when online (a download already running is joined; one
that fails is reported and the export goes on with what is stored). Rows stream from the store to the output, and
a file is written atomically: a canceled or failed export leaves no partial file. Requests submitted with metadata
(CSV extra columns) have it exported beside their results, looked up a chunk of rows at a time.

A merged selection exports, for each of its batches, the final results across that batch's retry chain (the batch
and the batches retried from it, as the results view's `m` shows them; core/store/lineage.py): every request of the
batch once, with the outcome of the latest batch of the chain that holds it, the filter applied to that outcome.
Given a chain's original batch, that is the whole chain (`original_batches` finds it from any of its retries).
Streamed like the rest: a chunk of rows at a time, never the chain in memory.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from batchtui.core.errors import describe
from batchtui.core.export import ChainStart, ExportItem, ExportRow, export_results, write_atomically_async
from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.store import Store
from batchtui.core.store.lineage import Chain
from batchtui.service.session import Session


@dataclass(frozen=True)
class Selection:
    batch_ids: tuple[str, ...]
    filter: ResultFilter = field(default_factory=ResultFilter)
    custom_ids: frozenset[str] | None = None  # marked rows: exactly these, whatever the filter
    merged: bool = False  # each batch's final results across its retry chain (see the module's docstring)


@dataclass
class ExportOutcome:
    rows: int = 0
    missing: list[str] = field(default_factory=list)  # batches whose results are not (all) in the cache
    download_errors: dict[str, str] = field(default_factory=dict)
    chains: list[Chain] = field(default_factory=list)  # a merged selection's chains, as exported


async def original_batches(store: Store, batch_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Each batch's original batch (the one its retry chain starts from; itself when it is no retry), once each,
    in order; a batch not in the store stays as it is."""
    found = [await store.original_batch(i) or i for i in batch_ids]
    return tuple(dict.fromkeys(found))


async def selected_chains(store: Store, selection: Selection) -> list[Chain]:
    """A merged selection's retry chains, one per batch in the store (none for a selection not merged)."""
    if not selection.merged:
        return []
    chains = [await store.retry_chain(i) for i in selection.batch_ids]
    return [c for c in chains if c is not None]


async def selected_batches(store: Store, selection: Selection) -> list[str]:
    """Every batch whose results the selection reads: its own, or its chains' batches."""
    if not selection.merged:
        return list(selection.batch_ids)
    return [i for chain in await selected_chains(store, selection) for i in chain.ids]


async def missing_results(session: Session, selection: Selection) -> list[str]:
    """Ended batches of the selection (a merged one's: of its chains) whose results are not fully downloaded."""
    batches = [await session.store.get_batch(i) for i in await selected_batches(session.store, selection)]
    return [b.id for b in batches if b is not None and b.results_downloadable]


async def count_selected(store: Store, selection: Selection) -> int:
    if selection.custom_ids is not None:
        return len(selection.custom_ids)
    if selection.merged:
        chains = await selected_chains(store, selection)
        return sum([await store.count_merged_results(c, selection.filter) for c in chains])
    return sum([await store.count_results(i, selection.filter) for i in selection.batch_ids])


def _rows_of(store: Store, source: str | Chain, flt: ResultFilter) -> AsyncIterator[ResultRow]:
    if isinstance(source, Chain):
        return store.iter_merged_results(source, flt)
    return store.iter_results(source, flt)


async def selected_rows(store: Store, selection: Selection) -> AsyncIterator[ResultRow | ChainStart]:
    """The rows to export, streamed: the marked custom_ids (whatever the filter), else those matching it. A merged
    selection's rows are its chains' final results, each chain's after a ChainStart."""
    sources: list[str | Chain] = list(selection.batch_ids)
    if selection.merged:
        sources = list(await selected_chains(store, selection))
    for source in sources:
        if isinstance(source, Chain):
            yield ChainStart(source.ids)
        if selection.custom_ids is None:
            async for row in _rows_of(store, source, selection.filter):
                yield row
            continue
        wanted = set(selection.custom_ids)
        async for row in _rows_of(store, source, ResultFilter()):
            if row.custom_id in wanted:
                yield row
                wanted.discard(row.custom_id)
                if not wanted:
                    break


async def with_metadata(
    store: Store, rows: AsyncIterator[ResultRow | ChainStart], chunk: int = 1000
) -> AsyncIterator[ExportItem]:
    """Each row with its request's metadata (None when it has none), in the order `rows` come (a ChainStart as
    it is). A row's metadata is its own batch's: a retry's requests carry their original's."""
    buffer: list[ResultRow] = []

    async def flush() -> AsyncIterator[ExportRow]:
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for batch_id in dict.fromkeys(r.batch_id for r in buffer):
            ids = [r.custom_id for r in buffer if r.batch_id == batch_id]
            found.update({(batch_id, k): v for k, v in (await store.request_metadata(batch_id, ids)).items()})
        for r in buffer:
            yield r, found.get((r.batch_id, r.custom_id))
        buffer.clear()

    async for row in rows:
        if isinstance(row, ChainStart):
            async for item in flush():
                yield item
            yield row
            continue
        buffer.append(row)
        if len(buffer) >= chunk:
            async for item in flush():
                yield item
    async for item in flush():
        yield item


async def download_missing(session: Session, batch_ids: list[str]) -> dict[str, str]:
    """Download these batches' results (sharing any download already running); returns the failures."""
    engine = session.engine
    outcomes = await asyncio.gather(*(engine.ensure_download(i) for i in batch_ids), return_exceptions=True)
    return {
        batch_id: describe(outcome)
        for batch_id, outcome in zip(batch_ids, outcomes, strict=True)
        if isinstance(outcome, BaseException)
    }


async def export(
    session: Session,
    selection: Selection,
    fmt: str,
    dest: str | os.PathLike[str] | TextIO,
    *,
    download: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> ExportOutcome:
    """Write the selection to `dest` (a path: atomically; a stream: as is). Returns what was written."""
    outcome = ExportOutcome(missing=await missing_results(session, selection))
    if outcome.missing and download and session.online:
        outcome.download_errors = await download_missing(session, outcome.missing)
        outcome.missing = await missing_results(session, selection)
    outcome.chains = await selected_chains(session.store, selection)
    batch_ids = await selected_batches(session.store, selection)
    keys = await session.store.metadata_keys(batch_ids) if fmt in ("jsonl", "csv", "md") else []
    plain = selected_rows(session.store, selection)
    rows: AsyncIterator[ExportItem] = with_metadata(session.store, plain) if keys else plain  # type: ignore[assignment]
    columns = keys if fmt == "csv" else []

    def write(out: TextIO) -> Awaitable[int]:
        return export_results(
            rows,
            fmt,  # type: ignore[arg-type]
            out,
            on_progress=on_progress,
            metadata_columns=columns,
            merged=selection.merged,
        )

    if isinstance(dest, str | os.PathLike):
        outcome.rows = await write_atomically_async(dest, write)
    else:
        outcome.rows = await write(dest)
    return outcome
