"""Results: idempotent chunked writes during a download, and the filtered, paged reads of a 100k-row view."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from batchtui.core.models import RESULT_TYPES, ResultFilter, ResultRow
from batchtui.core.result_lines import SUCCEEDED_COLUMNS, VALUE_COLUMNS, full_values, staged_values
from batchtui.core.store.costs import BATCH_CACHE_SAVED_SQL, BATCH_TOTAL_SQL, CostsMixin
from batchtui.core.store.db import execute, executemany, run, run_in_turn
from batchtui.core.store.errors import NotFoundError
from batchtui.core.store.reuse import materialise_for_batch
from batchtui.core.store.schema import UNUSUAL_ROWS
from batchtui.core.store.search import SearchMixin, fts_query, index_rows, search_state, unindex_rows

# What a download writes: ResultRow's fields after batch_id, in order.
_WRITTEN = (
    "r.custom_id, r.result_type, r.raw, r.text, r.model, r.stop_reason, r.error_type, r.error_message, "
    "r.input_tokens, r.output_tokens, r.cache_creation_input_tokens, r.cache_read_input_tokens, r.cost_usd, "
    "r.cache_saved_usd"
)
# What a read returns: those, then where a reused answer came from (core/store/reuse.py). ResultRow(batch_id, *row).
_COLUMNS = _WRITTEN + ", r.reused_from, r.reused_custom_id, r.reuse_saved_usd"
_VALUES = attrgetter(*(c.removeprefix("r.") for c in _WRITTEN.split(", ")))
_CUSTOM_ID = attrgetter("custom_id")
_STAGED_CUSTOM_ID = itemgetter(0)  # of a staged_values() tuple
_OK_LENGTH = len(SUCCEEDED_COLUMNS)

# An upsert keeps the row's rowid (INSERT OR REPLACE would not), which the search index is keyed on.
_UPSERT = """
INSERT INTO results (
    batch_key, custom_id, result_type, raw, text, model, stop_reason, error_type, error_message,
    input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, cache_saved_usd
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (batch_key, custom_id) DO UPDATE SET
    result_type = excluded.result_type, raw = excluded.raw, text = excluded.text, model = excluded.model,
    stop_reason = excluded.stop_reason, error_type = excluded.error_type, error_message = excluded.error_message,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cache_creation_input_tokens = excluded.cache_creation_input_tokens,
    cache_read_input_tokens = excluded.cache_read_input_tokens, cost_usd = excluded.cost_usd,
    cache_saved_usd = excluded.cache_saved_usd
"""

# A download's chunk goes through these in-memory tables (core/store/db.py sets temp_store=MEMORY), then into
# results in one statement: the usual succeeded rows (result_lines.SUCCEEDED_COLUMNS) through one, every other row
# (VALUE_COLUMNS but the key) through the other. Columns without a type keep each value as bound; results applies its
# own affinity, as it does to bound values. The WHERE is SQLite's rule for an upsert from a SELECT; rowid order is the
# order rows were bound, custom_id order when both tables hold rows (with no custom_id twice: see _stage).
_OK_COLUMNS = ", ".join(SUCCEEDED_COLUMNS)
_OTHER_COLUMNS = ", ".join(VALUE_COLUMNS[1:])
_OK_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS result_chunk_ok ({_OK_COLUMNS})"
_OTHER_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS result_chunk_other ({_OTHER_COLUMNS})"
_OK_ROW = f"({', '.join('?' * len(SUCCEEDED_COLUMNS))})"
_OTHER_ROW = f"({', '.join('?' * (len(VALUE_COLUMNS) - 1))})"
_OK_FILL = f"INSERT INTO temp.result_chunk_ok VALUES {_OK_ROW}"
_OTHER_FILL = f"INSERT INTO temp.result_chunk_other VALUES {_OTHER_ROW}"
# The same, FILL_ROWS rows per statement: sqlite3 lets go of the GIL at every statement it steps, and a thread
# that wants it back waits for it (a statement per row: 5,000 times per chunk); 700 values stay under any
# SQLite's limit on them (999 before 3.32).
FILL_ROWS = 50
_OK_FILL_MANY = f"INSERT INTO temp.result_chunk_ok VALUES {', '.join([_OK_ROW] * FILL_ROWS)}"
_OTHER_FILL_MANY = f"INSERT INTO temp.result_chunk_other VALUES {', '.join([_OTHER_ROW] * FILL_ROWS)}"
_OK_AS_OTHER = _OK_COLUMNS.replace("custom_id, raw", "custom_id, 'succeeded', raw").replace(
    "stop_reason", "stop_reason, NULL, NULL"
)
assert len(_OK_AS_OTHER.split(", ")) == len(VALUE_COLUMNS) - 1
_UPSERT_FROM = _UPSERT.replace(f"VALUES ({', '.join('?' * 15)})", "SELECT ?1, {} WHERE true ORDER BY {}")
assert _UPSERT_FROM != _UPSERT
_UPSERT_OK = _UPSERT_FROM.format(f"{_OK_AS_OTHER} FROM temp.result_chunk_ok", "rowid")
_UPSERT_OTHER = _UPSERT_FROM.format(f"{_OTHER_COLUMNS} FROM temp.result_chunk_other", "rowid")
_UPSERT_BOTH = _UPSERT_FROM.format(
    f"* FROM (SELECT {_OK_AS_OTHER} FROM temp.result_chunk_ok UNION ALL SELECT * FROM temp.result_chunk_other)", "2"
)

# Filters, counts and the custom_id order are answered from this covering index; only returned rows are read.
_FROM = "FROM results AS r INDEXED BY results_scan"
# A batch's rows (the type NULL: no result has it), its errored ones and each other type but succeeded.
_TYPE_COUNTS_SQL = (
    f"SELECT NULL, count(*) {_FROM} WHERE r.batch_key = ?1 "
    "UNION ALL SELECT 'errored', count(*) FROM results AS r INDEXED BY results_errored "
    "WHERE r.batch_key = ?1 AND r.result_type = 'errored' "
    "UNION ALL SELECT result_type, count(*) FROM results INDEXED BY results_unusual "
    f"WHERE batch_key = ?1 AND {UNUSUAL_ROWS} GROUP BY result_type"
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ResultsMixin(SearchMixin, CostsMixin):
    async def write_results(self, batch_id: str, rows: Sequence[ResultRow]) -> int:
        """Upsert one chunk of results in one transaction. Idempotent on (batch_id, custom_id): a download killed
        at any point and run again ends with exactly one row per request. Returns the number of rows written."""
        if not rows:
            return 0
        key = await self._batch_key(batch_id)
        if key is None:
            raise NotFoundError(f"no batch {batch_id!r} in the store: upsert it before writing its results")
        for row in rows:
            if row.batch_id != batch_id:
                raise ValueError(f"result {row.custom_id!r} belongs to {row.batch_id}, not {batch_id}")
        # In key order, consecutive inserts land on neighbouring index pages (the API's order is random).
        ordered = sorted(rows, key=_CUSTOM_ID)
        async with self._db.transaction() as conn:
            indexed = await search_state(conn, key)
            ids_json = json.dumps([r.custom_id for r in ordered]) if indexed else ""
            if indexed:
                await unindex_rows(conn, key, ids_json, indexed)
            # The generator is consumed on the connection's thread, not the event loop's.
            await executemany(conn, _UPSERT, ((key, *_VALUES(r)) for r in ordered))
            if indexed:
                await index_rows(conn, batch_id, key, ids_json, indexed)
        return len(rows)

    async def write_result_lines(
        self, batch_id: str, lines: Sequence[bytes | str], *, at: datetime | None = None
    ) -> int:
        """`write_results` of `[parse_result_line(batch_id, line, at=at) for line in lines]`: the same rows, the
        same errors (a malformed line raises its ValueError and nothing of the chunk is written), with no ResultRow
        made on the way. One chunk of `write_result_stream`."""
        if not lines:
            return 0
        return await self.write_result_stream(batch_id, _one(lines), at=at)

    async def write_result_stream(
        self,
        batch_id: str,
        chunks: AsyncIterator[Sequence[bytes | str]],
        *,
        at: datetime | None = None,
        on_written: Callable[[int], None] | None = None,
    ) -> int:
        """`write_result_lines` of each chunk of lines in turn, each in its own transaction (`on_written` is told
        the rows written so far after each), a chunk's parsing overlapping the writing of the one before. Returns
        the rows written; an error (a malformed line, the stream's own) stops it with every chunk before written.

        Python holds the GIL while it parses or binds rows, SQLite does not while it inserts them, so the work is
        laid out for the two to overlap without either waiting on the other: the parsed rows go into an in-memory
        table (Python binding them, nothing else running), then one INSERT … SELECT moves them into `results` (the
        index and page work, without the GIL) while the next chunk is parsed on another thread."""
        written = 0
        upcoming: asyncio.Future[Sequence[bytes | str] | None] = asyncio.ensure_future(anext(chunks, None))
        parsing: asyncio.Future[list[tuple]] | None = None
        key: int | None = None
        staged = False  # the staging tables made on this connection (in this stream's first chunk)
        try:
            while True:
                if parsing is None:
                    lines = await upcoming
                    if lines is None:
                        return written
                    upcoming = asyncio.ensure_future(anext(chunks, None))
                    if not lines:
                        continue
                    if key is None:
                        key = await self._batch_key(batch_id)
                        if key is None:  # a malformed line is reported first, as when lines were parsed first
                            await asyncio.to_thread(_parse_rows, lines, at)
                            raise NotFoundError(
                                f"no batch {batch_id!r} in the store: upsert it before writing its results"
                            )
                    parsing = asyncio.ensure_future(asyncio.to_thread(_parse_rows, lines, at))
                rows = await parsing
                parsing = None
                if not rows:
                    continue
                async with self._db.held() as conn:
                    # Staged first, in a transaction of the in-memory database alone (the main database is not
                    # touched, so no snapshot of it is taken): meanwhile the checkpointer copies the last commit's
                    # WAL, which the upsert's transaction waits for before it starts (Database.begun).
                    if not staged:
                        await run_in_turn(conn, (_OK_TABLE, ()), (_OTHER_TABLE, ()))
                        staged = True
                    ok, other = _stage(rows)
                    await _fill_staging(conn, ok, other)
                    try:
                        async with self._db.begun(conn):
                            indexed = await search_state(conn, key)
                            if not indexed:
                                upsert = _UPSERT_BOTH if ok and other else _UPSERT_OK if ok else _UPSERT_OTHER
                                moving = asyncio.ensure_future(
                                    run_in_turn(conn, (upsert, (key,)), *_clearing(ok, other))
                                )
                                if upcoming.done() and upcoming.exception() is None and upcoming.result():
                                    # The next chunk is here: parse it while SQLite moves this one (no GIL needed
                                    # there). Started once the move is queued: the thread's trips to the event loop
                                    # wait for the GIL while a parse holds it.
                                    lines = upcoming.result()
                                    upcoming = asyncio.ensure_future(anext(chunks, None))
                                    parsing = asyncio.ensure_future(asyncio.to_thread(_parse_rows, lines, at))
                                await moving
                                ok = other = []
                            else:  # the search index is kept in step row by row
                                await _clear_staging(conn, ok, other)
                                ok = other = []
                                ids_json = json.dumps([r[0] for r in rows])
                                await unindex_rows(conn, key, ids_json, indexed)
                                await executemany(conn, _UPSERT, [full_values(key, r) for r in rows])
                                await index_rows(conn, batch_id, key, ids_json, indexed)
                    finally:
                        if ok or other:  # not moved (an error, a cancellation): the next chunk finds them empty
                            with contextlib.suppress(Exception):
                                await asyncio.shield(_clear_staging(conn, ok, other))
                written += len(rows)
                if on_written is not None:
                    on_written(written)
        finally:
            for future in (upcoming, parsing):
                if future is not None and not future.done():
                    future.cancel()
                    with contextlib.suppress(BaseException):
                        await future

    def bulk_writes(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Around a download's chunks: their commits leave checkpointing to a thread of its own (Database.bulk)."""
        return self._db.bulk()

    async def finish_results(self, batch_id: str) -> None:
        """The download is complete: state `complete`, row count and total cost (None when a billed result has no
        known price: a partial sum would read as the whole)."""
        async with self._db.transaction() as conn:
            await materialise_for_batch(conn, batch_id)  # answers its submission reused, if not copied in yet
            updated = await execute(
                conn,
                "UPDATE batches SET results_state = 'complete', results_error = NULL, "
                "results_rows = (SELECT count(*) FROM results INDEXED BY results_scan WHERE batch_key = batches.key), "
                f"cost_usd = {BATCH_TOTAL_SQL}, cache_saved_usd = {BATCH_CACHE_SAVED_SQL} WHERE id = ?",
                (batch_id,),
            )
            if not updated:
                raise NotFoundError(f"no batch {batch_id!r} in the store")

    async def stored_result_count(self, batch_id: str) -> int:
        return await self.count_results(batch_id)

    async def count_results(self, batch_id: str, flt: ResultFilter = ResultFilter()) -> int:  # noqa: B008
        query = await self._where(batch_id, flt)
        if query is None:
            return 0
        where, params = query
        return await self._db.scalar(f"SELECT count(*) {_FROM} WHERE {where}", params)

    async def page_results(self, batch_id: str, flt: ResultFilter, *, offset: int, limit: int) -> list[ResultRow]:
        """One page in custom_id order (stable while the results do not change)."""
        query = await self._where(batch_id, flt)
        if query is None:
            return []
        where, params = query
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} {_FROM} WHERE {where} ORDER BY r.custom_id LIMIT ? OFFSET ?",
            (*params, max(0, limit), max(0, offset)),
        )
        return [ResultRow(batch_id, *r) for r in rows]

    async def get_result(self, batch_id: str, custom_id: str) -> ResultRow | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM results AS r JOIN batches AS b ON b.key = r.batch_key "
            "WHERE b.id = ? AND r.custom_id = ?",
            (batch_id, custom_id),
        )
        return ResultRow(batch_id, *row) if row else None

    async def iter_results(
        self,
        batch_id: str,
        flt: ResultFilter = ResultFilter(),  # noqa: B008
        *,
        chunk: int = 1000,
    ) -> AsyncIterator[ResultRow]:
        """Every matching row in custom_id order, `chunk` rows per query: keyset pagination, so memory stays
        bounded and no query rescans what came before."""
        query = await self._where(batch_id, flt)
        if query is None:
            return
        where, params = query
        after = ""
        while True:
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} {_FROM} WHERE {where} AND r.custom_id > ? ORDER BY r.custom_id LIMIT ?",
                (*params, after, chunk),
            )
            for r in rows:
                yield ResultRow(batch_id, *r)
            if len(rows) < chunk:
                return
            after = rows[-1][0]

    async def result_type_counts(self, batch_id: str) -> dict[str, int]:
        """Rows per result type; the four API types are always present (0 when none)."""
        counts = dict.fromkeys(RESULT_TYPES, 0)
        key = await self._batch_key(batch_id)
        if key is None:
            return counts
        # Every row, then the errored and the rest but succeeded from their partial indexes (schema v14, v16): the
        # succeeded are what is left. 3 ms at 100k results, where a pass testing each row's type took 14.
        rows = await self._db.fetchall(_TYPE_COUNTS_SQL, (key,))
        total = rows[0][1]
        counts.update({kind: n for kind, n in rows[1:] if n})
        counts["succeeded"] = total - sum(n for _, n in rows[1:])
        return counts

    async def error_type_counts(self, batch_id: str) -> dict[str, int]:
        """Errored rows per inner error type, most frequent first (`unknown` when the API gave none)."""
        key = await self._batch_key(batch_id)
        if key is None:
            return {}
        rows = await self._db.fetchall(
            "SELECT coalesce(r.error_type, 'unknown') AS t, count(*) AS n FROM results AS r INDEXED BY results_errored "
            "WHERE r.batch_key = ? AND r.result_type = 'errored' GROUP BY t ORDER BY n DESC, t",
            (key,),
        )
        return dict(rows)

    async def _where(self, batch_id: str, flt: ResultFilter) -> tuple[str, list[Any]] | None:
        """SQL condition and parameters for a filter; None when the batch is unknown (so nothing matches)."""
        key = await self._batch_key(batch_id)
        if key is None:
            return None
        if fts_query(flt.search) is not None:
            await self.ensure_search_index(batch_id)
        clauses, params = filter_sql(flt, "r")
        return " AND ".join(["r.batch_key = ?", *clauses]), [key, *params]


def _parse_rows(lines: Sequence[bytes | str], at: datetime | None) -> list[tuple]:
    """The staged values of a chunk of result lines, in custom_id order: consecutive inserts land on neighbouring
    index pages (the API's order is random). Stable, so of two lines with one custom_id the later is written last,
    and wins."""
    # Thousands of tuples that all live on: the collector's passes over them (one every 700 new containers) free
    # nothing and cost a tenth of the parse, so it is paused for the chunk (and left as it was found).
    collecting = gc.isenabled()
    gc.disable()
    try:
        rows = [staged_values(line, at) for line in lines]
    finally:
        if collecting:
            gc.enable()
    rows.sort(key=_STAGED_CUSTOM_ID)
    return rows


def _stage(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """A parsed chunk split between the two staging tables: (usual succeeded rows, the others). When both hold rows
    they are merged by custom_id, which says nothing of which of two rows with one custom_id comes last: such a chunk
    goes through the second table alone, in its order."""
    ok = [r for r in rows if len(r) == _OK_LENGTH]
    if len(ok) == len(rows) or not ok:
        return (ok, []) if ok else ([], rows)
    other = [r for r in rows if len(r) != _OK_LENGTH]
    if len({r[0] for r in rows}) == len(rows):
        return ok, other
    return [], [r if len(r) != _OK_LENGTH else full_values(None, r)[1:] for r in rows]


async def _fill_staging(conn: Any, ok: list[tuple], other: list[tuple]) -> None:
    """Bind a chunk's rows into the staging tables, in one transaction of the in-memory database (`BEGIN` takes no
    lock on the main one until a statement reads it: these do not)."""
    try:
        await run(conn, "BEGIN")
        if ok:
            await _fill(conn, _OK_FILL, _OK_FILL_MANY, ok)
        if other:
            await _fill(conn, _OTHER_FILL, _OTHER_FILL_MANY, other)
        # Shielded: a cancellation must not leave the shared connection inside an open transaction.
        await asyncio.shield(run(conn, "COMMIT"))
    except BaseException:
        with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
            await asyncio.shield(run(conn, "ROLLBACK"))
        raise


async def _fill(conn: Any, one: str, many: str, rows: list[tuple]) -> None:
    """Insert `rows` by FILL_ROWS at a time (`many`), the rest one by one (`one`), in their order."""
    whole = len(rows) - len(rows) % FILL_ROWS
    if whole:
        flat = list(chain.from_iterable(rows[:whole]))
        step = len(flat) // (whole // FILL_ROWS)
        await executemany(conn, many, [flat[i : i + step] for i in range(0, len(flat), step)])
    if whole < len(rows):
        await executemany(conn, one, rows[whole:])


def _clearing(ok: list[tuple], other: list[tuple]) -> list[tuple[str, tuple]]:
    return [(f"DELETE FROM temp.result_chunk_{t}", ()) for t, r in (("ok", ok), ("other", other)) if r]


async def _clear_staging(conn: Any, ok: list[tuple], other: list[tuple]) -> None:
    await run_in_turn(conn, *_clearing(ok, other))


async def _one(lines: Sequence[bytes | str]) -> AsyncIterator[Sequence[bytes | str]]:
    yield lines


def filter_sql(flt: ResultFilter, alias: str) -> tuple[list[str], list[Any]]:
    """The filter's conditions on the results row `alias` (the batch aside), and their parameters. A search needs
    the batch's search index built first."""
    clauses: list[str] = []
    params: list[Any] = []
    if flt.types:
        clauses.append(f"{alias}.result_type IN ({', '.join('?' * len(flt.types))})")
        params.extend(sorted(flt.types))
    if flt.error_type == "unknown":
        # error_type_counts() files errored rows without a type under "unknown"; the filter must find them.
        clauses.append(f"{alias}.result_type = 'errored' AND {alias}.error_type IS NULL")
    elif flt.error_type:
        clauses.append(f"{alias}.error_type = ?")
        params.append(flt.error_type)
    if flt.custom_id:
        clauses.append(f"{alias}.custom_id LIKE ? ESCAPE '\\'")  # LIKE ignores ASCII case; custom_ids are ASCII
        params.append(f"%{_escape_like(flt.custom_id)}%")
    match = fts_query(flt.search)
    if match is not None:
        clauses.append(f"{alias}.rowid IN (SELECT rowid FROM results_fts WHERE results_fts MATCH ?)")
        params.append(match)
    return clauses, params
