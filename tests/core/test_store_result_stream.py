"""write_result_stream: chunk after chunk, each in its own transaction, a chunk parsed while the one before is
moved in. It stores what `write_results` of the parsed lines stored, row for row; an error stops it with every
chunk before written and nothing of its own; the in-memory staging table is left empty; a batch whose search index
is built keeps it in step."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from batchtui.core.models import ResultFilter
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store.results import FILL_ROWS

AT = datetime(2026, 11, 1, 10, tzinfo=UTC)


def _batch(batch_id: str) -> dict[str, Any]:
    return {
        "id": batch_id, "type": "message_batch", "processing_status": "ended",
        "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
        "created_at": "2026-11-01T10:00:00Z", "expires_at": "2026-11-02T10:00:00Z",
        "ended_at": "2026-11-01T11:00:00Z", "cancel_initiated_at": None, "archived_at": None, "results_url": None,
    }  # fmt: skip


def _line(i: int, kind: int, text: str = "") -> bytes:
    cid = f"r-{i % 700:04d}"  # custom_ids repeat across and within chunks: the later line wins, as before
    if kind == 0:
        usage = {"input_tokens": i, "output_tokens": 7, "cache_read_input_tokens": i % 3 * 1000}
        message = {"model": "claude-sonnet-5", "content": [{"type": "text", "text": text or f"answer {i} \x1b[2J"}],
                   "stop_reason": "end_turn", "usage": usage}  # fmt: skip
        result: dict[str, Any] = {"type": "succeeded", "message": message}
    elif kind == 1:
        result = {"type": "errored", "error": {"error": {"type": "overloaded_error", "message": f"busy {i}\u202e"}}}
    else:
        result = {"type": ("canceled", "expired", "later\x07")[i % 3]}
    return json.dumps({"custom_id": cid, "result": result}).encode()


def _chunks(n: int, size: int) -> list[list[bytes]]:
    lines = [_line(i, i % 5 % 3) for i in range(n)]
    return [lines[i : i + size] for i in range(0, n, size)]


async def _stream(chunks: list[list[bytes]], fail_after: int | None = None) -> AsyncIterator[list[bytes]]:
    for i, chunk in enumerate(chunks):
        if fail_after is not None and i == fail_after:
            raise ConnectionError("stream cut")
        yield chunk


async def _stored(store, batch_id: str) -> list[tuple]:
    rows = await store._db.fetchall(
        "SELECT r.* FROM results AS r JOIN batches AS b ON b.key = r.batch_key WHERE b.id = ? ORDER BY r.custom_id",
        (batch_id,),
    )
    return [tuple(row[1:]) for row in rows]  # all but batch_key


async def _staged(store) -> int:
    """Rows left in the staging tables (none made yet counts as none left)."""
    left = 0
    for table in ("result_chunk_ok", "result_chunk_other"):
        if await store._db.scalar("SELECT count(*) FROM sqlite_temp_master WHERE name = ?", (table,)):
            left += await store._db.scalar(f"SELECT count(*) FROM temp.{table}")
    return left


async def test_a_stream_stores_what_write_results_stored(cache_store) -> None:
    store = cache_store
    await store.upsert_batches([_batch("msgbatch_old"), _batch("msgbatch_new")], synced_at=datetime.now(UTC))
    chunks = _chunks(2300, 500)
    for chunk in chunks:
        await store.write_results("msgbatch_old", [parse_result_line("msgbatch_old", line, at=AT) for line in chunk])
    progress: list[int] = []
    written = await store.write_result_stream("msgbatch_new", _stream(chunks), at=AT, on_written=progress.append)
    assert written == 2300 and progress == [500, 1000, 1500, 2000, 2300]
    old, new = await _stored(store, "msgbatch_old"), await _stored(store, "msgbatch_new")
    assert len(new) == 700 and new == old
    assert await _staged(store) == 0


@pytest.mark.parametrize(
    ("kinds", "repeat", "n"),
    [
        ([0] * 6, 700, 61),  # usual succeeded lines only: one staging table
        ([2] * 6, 700, 61),  # none: the other
        ([0, 1, 2, 0, 2, 1], 700, 61),  # both, merged by custom_id
        ([0, 1, 0, 2, 1, 0], 3, 61),  # both, with custom_ids thrice (of either kind): the last line must win
        # both tables filled FILL_ROWS rows per statement, and the rest one by one
        ([0, 1], 700, 2 * FILL_ROWS + 2 * FILL_ROWS + 7),
        ([0, 1, 0, 2, 1, 0], 3, 2 * FILL_ROWS + 1),
    ],
)
async def test_each_way_through_the_staging_tables_stores_what_write_results_stored(
    cache_store, kinds, repeat, n
) -> None:
    store = cache_store
    await store.upsert_batches([_batch("msgbatch_old"), _batch("msgbatch_new")], synced_at=datetime.now(UTC))
    # _line(i)'s custom_id is r-{i % 700}: unique here, or r-0000 to r-0002 again and again
    chunk = [_line(i % repeat + 700 * i, kinds[i % len(kinds)], text=f"t{i}") for i in range(n)]
    await store.write_results("msgbatch_old", [parse_result_line("msgbatch_old", line, at=AT) for line in chunk])
    assert await store.write_result_stream("msgbatch_new", _stream([chunk]), at=AT) == n
    old, new = await _stored(store, "msgbatch_old"), await _stored(store, "msgbatch_new")
    assert new == old
    types = {row[1] for row in new}
    if repeat == 3:  # the last line of each custom_id wins, whichever staging table and statement it went through
        last = {f"r-{i % 3:04d}": (kinds[i % len(kinds)], f"t{i}") for i in range(n)}
        assert len(new) == 3
        for row in new:
            kind, text = last[row[0]]
            assert (row[1] == "succeeded") == (kind == 0) and (row[2] == text or kind != 0)
    else:
        assert len(new) == n and (types == {"succeeded"}) == (kinds == [0] * 6)
    assert await _staged(store) == 0


@pytest.mark.parametrize("bad_chunk", [0, 2, 4])
async def test_a_malformed_line_stops_the_stream_with_every_chunk_before_written(cache_store, bad_chunk) -> None:
    store = cache_store
    await store.upsert_batches([_batch("msgbatch_b")], synced_at=datetime.now(UTC))
    chunks = [[_line(i, 2) for i in range(start, start + 100)] for start in range(0, 500, 100)]
    chunks[bad_chunk][37] = b'{"custom_id": "r-x", "result": '
    progress: list[int] = []
    with pytest.raises(ValueError, match="not valid JSON"):
        await store.write_result_stream("msgbatch_b", _stream(chunks), at=AT, on_written=progress.append)
    assert progress == [100 * (i + 1) for i in range(bad_chunk)]
    assert await store.stored_result_count("msgbatch_b") == 100 * bad_chunk
    assert await _staged(store) == 0


async def test_the_streams_own_error_stops_it_after_the_chunks_it_gave(cache_store) -> None:
    store = cache_store
    await store.upsert_batches([_batch("msgbatch_c")], synced_at=datetime.now(UTC))
    chunks = [[_line(i, 1) for i in range(start, start + 100)] for start in range(0, 500, 100)]
    with pytest.raises(ConnectionError, match="stream cut"):
        await store.write_result_stream("msgbatch_c", _stream(chunks, fail_after=3), at=AT)
    assert await store.stored_result_count("msgbatch_c") == 300
    assert await _staged(store) == 0


async def test_an_unknown_batch_reports_a_malformed_line_first(cache_store) -> None:
    from batchtui.core.store.errors import NotFoundError

    with pytest.raises(ValueError, match="not valid JSON"):
        await cache_store.write_result_stream("msgbatch_none", _stream([[b"{"]]))
    with pytest.raises(NotFoundError):
        await cache_store.write_result_stream("msgbatch_none", _stream([[_line(1, 2)]]))
    assert await cache_store.write_result_stream("msgbatch_none", _stream([])) == 0


async def test_a_batch_with_its_search_index_built_keeps_it_in_step(cache_store) -> None:
    store = cache_store
    await store.upsert_batches([_batch("msgbatch_s")], synced_at=datetime.now(UTC))
    first = [_line(i, 0, text=f"gulls over the harbour {i}") for i in range(0, 40)]
    await store.write_result_stream("msgbatch_s", _stream([first]), at=AT)
    await store.ensure_search_index("msgbatch_s")
    assert await store.count_results("msgbatch_s", ResultFilter(search="harbour")) == 40
    again = [[_line(i, 0, text=f"lighthouse keeper {i}") for i in range(start, start + 10)] for start in (0, 10)]
    await store.write_result_stream("msgbatch_s", _stream(again), at=AT)
    assert await store.count_results("msgbatch_s", ResultFilter(search="harbour")) == 20
    assert await store.count_results("msgbatch_s", ResultFilter(search="lighthouse")) == 20
    assert await store.stored_result_count("msgbatch_s") == 40


async def test_closing_after_a_download_leaves_statistics_of_the_results(tmp_path) -> None:
    """Closing runs PRAGMA optimize (on a sample of each index): the planner's statistics cover what was written."""
    import sqlite3

    from batchtui.core.store import Store

    store = await Store.open(tmp_path / "cache.sqlite3")
    await store.upsert_batches([_batch("msgbatch_s")], synced_at=datetime.now(UTC))
    await store.write_result_stream("msgbatch_s", _stream(_chunks(2300, 500)), at=AT)
    await store.finish_results("msgbatch_s")
    assert await store.count_results("msgbatch_s") == 700
    await store.close()
    conn = sqlite3.connect(tmp_path / "cache.sqlite3")
    try:
        analysed = {row[0] for row in conn.execute("SELECT tbl FROM sqlite_stat1")}
    finally:
        conn.close()
    assert "results" in analysed


async def test_a_chunk_whose_move_fails_leaves_nothing_staged_and_no_transaction_open(cache_store, monkeypatch) -> None:
    """A chunk is staged before its transaction begins (Database.begun): when that transaction fails, the staged rows
    are cleared, the connection is left outside any transaction, and the next stream stores exactly its own rows."""
    import sqlite3

    store = cache_store
    await store.upsert_batches([_batch("msgbatch_f")], synced_at=datetime.now(UTC))
    chunks = [[_line(i, i % 3) for i in range(start, start + 100)] for start in range(0, 300, 100)]
    begun = type(store._db).begun
    calls = 0

    def failing_second(db, conn, **kw):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sqlite3.OperationalError("database is locked")
        return begun(db, conn, **kw)

    monkeypatch.setattr(type(store._db), "begun", failing_second)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await store.write_result_stream("msgbatch_f", _stream(chunks), at=AT)
    assert await _staged(store) == 0
    assert not store._db.conn.in_transaction
    assert await store.stored_result_count("msgbatch_f") == 100
    monkeypatch.setattr(type(store._db), "begun", begun)
    assert await store.write_result_stream("msgbatch_f", _stream(chunks[1:]), at=AT) == 200
    await store.upsert_batches([_batch("msgbatch_g")], synced_at=datetime.now(UTC))
    for chunk in chunks:
        await store.write_results("msgbatch_g", [parse_result_line("msgbatch_g", line, at=AT) for line in chunk])
    assert await _stored(store, "msgbatch_f") == await _stored(store, "msgbatch_g")
    assert await _staged(store) == 0


async def test_staging_a_chunk_takes_no_lock_on_the_database(cache_store, monkeypatch) -> None:
    """While a chunk is staged (before its own transaction), another connection can still write the database: the
    staging transaction touches the in-memory tables alone."""
    import sqlite3

    from batchtui.core.store import results

    store = cache_store
    await store.upsert_batches([_batch("msgbatch_l")], synced_at=datetime.now(UTC))
    fill = results._fill_staging
    written_meanwhile: list[int] = []

    async def fill_then_write_elsewhere(conn, ok, other):
        await fill(conn, ok, other)
        assert conn.in_transaction is False
        other_conn = sqlite3.connect(store.path, timeout=0)  # no waiting: a held lock fails at once
        try:
            other_conn.execute("BEGIN IMMEDIATE")
            other_conn.execute("UPDATE batches SET results_error = 'x' WHERE id = 'msgbatch_l'")
            other_conn.execute("COMMIT")
            written_meanwhile.append(1)
        finally:
            other_conn.close()

    monkeypatch.setattr(results, "_fill_staging", fill_then_write_elsewhere)
    chunks = [[_line(i, 0) for i in range(start, start + 50)] for start in (0, 50)]
    assert await store.write_result_stream("msgbatch_l", _stream(chunks), at=AT) == 100
    assert written_meanwhile == [1, 1]
    assert await store.stored_result_count("msgbatch_l") == 100
