"""Database.bulk (a download's run of chunks): its commits leave checkpointing to a connection on a thread of its
own, and everything is as before once it ends: autocheckpoint back on, no thread left, the WAL checkpointed into a
sound file that another connection reads whole."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from batchtui.core.store import db
from batchtui.core.store.db import WAL_AUTOCHECKPOINT

B = "msgbatch_bulk"


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "batchtui-checkpoint"]


async def _autocheckpoint(store) -> int:
    return (await store._db.fetchone("PRAGMA wal_autocheckpoint"))[0]


async def _add_batch(store) -> None:
    batch = {
        "id": B, "type": "message_batch", "processing_status": "ended",
        "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
        "created_at": "2026-11-01T10:00:00Z", "expires_at": "2026-11-02T10:00:00Z",
        "ended_at": "2026-11-01T11:00:00Z", "cancel_initiated_at": None, "archived_at": None, "results_url": None,
    }  # fmt: skip
    await store.upsert_batches([batch], synced_at=datetime.now(UTC))


def _lines(start: int, n: int) -> list[bytes]:
    text = "x" * 900  # ~1 KB rows, so a few chunks fill several hundred WAL pages
    return [
        b'{"custom_id":"r-%06d","result":{"type":"succeeded","message":{"model":"claude-sonnet-5","content":'
        b'[{"type":"text","text":"%s"}],"usage":{"input_tokens":3,"output_tokens":4}}}}' % (i, text.encode())
        for i in range(start, start + n)
    ]


async def test_chunks_written_in_bulk_are_all_there_and_checkpointed(cache_store, tmp_path) -> None:
    store = cache_store
    await _add_batch(store)
    assert await _autocheckpoint(store) == WAL_AUTOCHECKPOINT
    async with store.bulk_writes():
        assert await _autocheckpoint(store) == 0  # the commits do not checkpoint themselves
        assert len(_checkpoint_threads()) == 1
        for start in range(0, 4000, 1000):
            await store.write_result_lines(B, _lines(start, 1000))
        # Another connection reads every committed row meanwhile.
        other = sqlite3.connect(store.path)
        assert other.execute("SELECT count(*) FROM results").fetchone()[0] == 4000
        other.close()
    assert await _autocheckpoint(store) == WAL_AUTOCHECKPOINT
    assert _checkpoint_threads() == []
    # Whatever the checkpointer did not reach is checkpointed now, and the file is sound.
    busy, wal_frames, backfilled = (await store._db.fetchone("PRAGMA wal_checkpoint(PASSIVE)"))[:3]
    assert busy == 0 and wal_frames == backfilled
    assert (await store._db.fetchone("PRAGMA integrity_check"))[0] == "ok"
    assert await store.stored_result_count(B) == 4000


async def test_a_long_bulk_run_keeps_the_wal_to_about_one_chunk(cache_store, monkeypatch) -> None:
    """Each commit waits for the checkpointer to reach it, so the next one writes the WAL from its start again."""
    monkeypatch.setattr(db, "CATCH_UP_SECONDS", 30.0)  # however slow the disk: no timing in this test
    store = cache_store
    await _add_batch(store)
    wal = store.path.with_name(store.path.name + "-wal")
    sizes: list[int] = []
    async with store.bulk_writes():
        for start in range(0, 8000, 1000):
            await store.write_result_lines(B, _lines(start, 1000))
            sizes.append(wal.stat().st_size)
    chunk = sizes[0]
    assert chunk > 1_000_000  # a chunk is ~1 MB of rows and their index pages
    assert max(sizes) < 2.5 * chunk, sizes  # not 8 chunks' worth
    assert await store.stored_result_count(B) == 8000


async def test_nested_and_cancelled_bulk_scopes_restore_everything(cache_store) -> None:
    store = cache_store
    await _add_batch(store)
    async with store.bulk_writes():
        async with store.bulk_writes():  # two downloads at once share one checkpointer
            assert len(_checkpoint_threads()) == 1
        assert await _autocheckpoint(store) == 0 and len(_checkpoint_threads()) == 1
    assert await _autocheckpoint(store) == WAL_AUTOCHECKPOINT and _checkpoint_threads() == []

    started = asyncio.Event()

    async def download() -> None:
        async with store.bulk_writes():
            await store.write_result_lines(B, _lines(0, 500))
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(download())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _autocheckpoint(store) == WAL_AUTOCHECKPOINT and _checkpoint_threads() == []
    assert await store.stored_result_count(B) == 500
