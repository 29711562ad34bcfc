"""Export results: a selection (batches, a filter, or marked custom_ids) to a file or stream in one format.

Missing results of ended batches are downloaded first when online (a download already running is joined; one
that fails is reported and the export goes on with what is stored). Rows stream from the store to the output, and
a file is written atomically: a canceled or failed export leaves no partial file. Requests submitted with metadata
(CSV extra columns) have it exported beside their results, looked up a chunk of rows at a time.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from batchtui.core.errors import describe
from batchtui.core.export import ExportRow, export_results, write_atomically_async
from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.store import Store
from batchtui.service.session import Session


@dataclass(frozen=True)
class Selection:
    batch_ids: tuple[str, ...]
    filter: ResultFilter = field(default_factory=ResultFilter)
    custom_ids: frozenset[str] | None = None  # marked rows: exactly these, whatever the filter


@dataclass
class ExportOutcome:
    rows: int = 0
    missing: list[str] = field(default_factory=list)  # batches whose results are not (all) in the cache
    download_errors: dict[str, str] = field(default_factory=dict)


async def missing_results(session: Session, selection: Selection) -> list[str]:
    """Ended batches of the selection whose results are not fully downloaded."""
    batches = [await session.store.get_batch(i) for i in selection.batch_ids]
    return [b.id for b in batches if b is not None and b.results_downloadable]


async def count_selected(store: Store, selection: Selection) -> int:
    if selection.custom_ids is not None:
        return len(selection.custom_ids)
    return sum([await store.count_results(i, selection.filter) for i in selection.batch_ids])


async def selected_rows(store: Store, selection: Selection) -> AsyncIterator[ResultRow]:
    """The rows to export, streamed: the marked custom_ids (whatever the filter), else those matching it."""
    for batch_id in selection.batch_ids:
        if selection.custom_ids is None:
            async for row in store.iter_results(batch_id, selection.filter):
                yield row
            continue
        wanted = set(selection.custom_ids)
        async for row in store.iter_results(batch_id, ResultFilter()):
            if row.custom_id in wanted:
                yield row
                wanted.discard(row.custom_id)
                if not wanted:
                    break


async def with_metadata(store: Store, rows: AsyncIterator[ResultRow], chunk: int = 1000) -> AsyncIterator[ExportRow]:
    """Each row with its request's metadata (None when it has none), in the order `rows` come."""
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
    keys = await session.store.metadata_keys(selection.batch_ids) if fmt in ("jsonl", "csv", "md") else []
    plain = selected_rows(session.store, selection)
    rows: AsyncIterator[ExportRow] = with_metadata(session.store, plain) if keys else plain
    columns = keys if fmt == "csv" else []

    def write(out: TextIO) -> Awaitable[int]:
        return export_results(rows, fmt, out, on_progress=on_progress, metadata_columns=columns)  # type: ignore[arg-type]

    if isinstance(dest, str | os.PathLike):
        outcome.rows = await write_atomically_async(dest, write)
    else:
        outcome.rows = await write(dest)
    return outcome
