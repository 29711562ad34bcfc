"""What prompt caching saved, in the store: per result from its usage, per batch when its results are complete
(unknown while a succeeded result's saving is), from an index that holds only the rows that matter; and schema
v10 pricing results stored before it from their raw usage."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.store.costs import BATCH_CACHE_SAVED_SQL
from batchtui.core.store.schema import migrate

CREATED = "2026-11-20T10:00:00.000000Z"


def cached_line(custom_id: str, *, write: int = 0, read: int = 0, model: str = "claude-sonnet-4-5") -> str:
    usage = {"input_tokens": 10, "output_tokens": 20, "cache_creation_input_tokens": write,
             "cache_read_input_tokens": read}  # fmt: skip
    message = {"id": "msg_01", "type": "message", "role": "assistant", "model": model, "content": [],
               "stop_reason": "end_turn", "stop_sequence": None, "usage": usage}  # fmt: skip
    return json.dumps({"custom_id": custom_id, "result": {"type": "succeeded", "message": message}})


def saved(write: int, read: int) -> float:
    # Sonnet 4.5 at batch rates: $1.50 input, $1.875 5-minute write, $0.15 read per million tokens.
    return ((write + read) * 1.5 - (write * 1.875 + read * 0.15)) / 1e6


async def test_a_batch_sums_what_caching_saved_and_a_write_alone_is_a_loss(store: Store, make_batch, line) -> None:
    rows = {
        "gain": [cached_line("w", write=2000), cached_line("r1", read=2000), cached_line("r2", read=2000),
                 line("plain"), line("e", "errored")],
        "loss": [cached_line("w", write=2000)],  # written, never read: 25 % more than no caching
        "unknown": [cached_line("w", write=2000, model="claude-fable-5-2"), cached_line("r", read=2000)],
    }  # fmt: skip
    for batch_id, lines in rows.items():
        await store.upsert_batches([make_batch(batch_id, status="ended")], synced_at=datetime.now(UTC))
        await store.write_results(batch_id, [parse_result_line(batch_id, raw) for raw in lines])
        await store.finish_results(batch_id)
    gain = await store.get_batch("gain")
    assert gain is not None and gain.cache_saved_usd == pytest.approx(saved(2000, 0) + 2 * saved(0, 2000))
    assert (await store.get_result("gain", "plain")).cache_saved_usd == 0.0  # type: ignore[union-attr]
    loss = await store.get_batch("loss")
    assert loss is not None and loss.cache_saved_usd == pytest.approx(saved(2000, 0)) and saved(2000, 0) < 0
    assert (await store.get_batch("unknown")).cache_saved_usd is None  # type: ignore[union-attr]
    assert gain.to_json()["cache_saved_usd"] == gain.cache_saved_usd


def test_the_batch_sum_reads_only_the_partial_index(db_path: Path) -> None:
    import asyncio

    async def open_it() -> None:
        async with await Store.open(db_path):
            pass

    asyncio.run(open_it())
    with sqlite3.connect(db_path) as db:
        plan = db.execute(f"EXPLAIN QUERY PLAN SELECT {BATCH_CACHE_SAVED_SQL} FROM batches").fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "COVERING INDEX results_cached" in details  # never the table: its rows carry the raw JSON


async def test_schema_v10_prices_results_stored_before_it(db_path: Path, line) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await migrate(conn, db_path, target=9) == 9
        for batch_id, state, lines in (
            ("old", "complete", [cached_line("w", write=3000), cached_line("r", read=3000), line("p")]),
            ("running", "none", []),
        ):
            await conn.execute(
                "INSERT INTO batches (id, processing_status, created_at, results_state) VALUES (?, 'ended', ?, ?)",
                (batch_id, CREATED, state),
            )
            for raw in lines:
                r = parse_result_line(batch_id, raw)
                await conn.execute(
                    "INSERT INTO results (batch_key, custom_id, result_type, raw, model, cost_usd, "
                    "cache_creation_input_tokens, cache_read_input_tokens) "
                    "VALUES ((SELECT key FROM batches WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)",
                    (batch_id, r.custom_id, r.result_type, r.raw, r.model, r.cost_usd,
                     r.cache_creation_input_tokens, r.cache_read_input_tokens),
                )  # fmt: skip
    async with await Store.open(db_path) as store:
        old, running = await store.get_batch("old"), await store.get_batch("running")
        plain = await store.get_result("old", "p")
    assert old is not None and old.cache_saved_usd == pytest.approx(saved(3000, 0) + saved(0, 3000))
    assert plain is not None and plain.cache_saved_usd == 0.0
    assert running is not None and running.cache_saved_usd is None  # not downloaded: pending, not $0
