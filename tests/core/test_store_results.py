"""Results: idempotent chunked writes, completion, filters, stable paging and counts."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from pathlib import Path

import pytest

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import NotFoundError, Store

from .conftest import SYNCED

B = "msgbatch_results"


@pytest.fixture
async def batch(store: Store, make_batch) -> str:
    await store.upsert_batches([make_batch(B, status="ended")], synced_at=SYNCED)
    return B


def sample(line) -> list[ResultRow]:
    """30 rows: every type, two error types, mixed-case ids."""
    lines = []
    for i in range(30):
        cid = f"Req-{i:03d}" if i % 2 else f"req-{i:03d}"
        if i % 10 == 3:
            lines.append(line(cid, "errored", error_type="invalid_request_error", message=f"bad field {i}"))
        elif i % 10 == 6:
            lines.append(line(cid, "errored", error_type="overloaded_error", message="Overloaded"))
        elif i % 10 == 8:
            lines.append(line(cid, "canceled"))
        elif i == 29:
            lines.append(line(cid, "expired"))
        else:
            lines.append(line(cid, text=f"answer {i}"))
    return [parse_result_line(B, text) for text in lines]


ALL = ResultFilter()


async def all_ids(store: Store, flt: ResultFilter = ALL) -> list[str]:
    return [r.custom_id async for r in store.iter_results(B, flt)]


async def test_rows_round_trip(store: Store, batch: str, line) -> None:
    rows = sample(line)
    assert await store.write_results(batch, rows) == 30
    by_id = {r.custom_id: r for r in rows}
    for stored in await store.page_results(batch, ResultFilter(), offset=0, limit=100):
        assert stored == by_id[stored.custom_id]
    assert await store.get_result(batch, "Req-003") == by_id["Req-003"]
    assert await store.get_result(batch, "missing") is None


async def test_writing_the_same_rows_twice_keeps_one_each(store: Store, batch: str, line) -> None:
    rows = sample(line)
    await store.write_results(batch, rows)
    await store.write_results(batch, rows)
    assert await store.stored_result_count(batch) == 30
    assert sorted(await all_ids(store)) == sorted(r.custom_id for r in rows)


async def test_a_killed_download_then_a_full_one_ends_with_one_row_each(
    store: Store, batch: str, line, db_path: Path
) -> None:
    rows = sample(line)
    await store.write_results(batch, rows[:10])  # first chunk committed
    # Second chunk dies mid-transaction (a value SQLite cannot bind, after the first rows were inserted).
    broken = [*rows[10:20], dataclasses.replace(rows[20], text=object())]  # type: ignore[arg-type]
    with pytest.raises(sqlite3.Error):
        await store.write_results(batch, broken)
    assert await store.stored_result_count(batch) == 10  # the failed chunk left nothing behind
    # Restarted from the top, in a different order, with a changed answer for one row.
    again = list(reversed(rows))
    again[0] = dataclasses.replace(again[0], text="second try")
    for i in range(0, 30, 7):
        await store.write_results(batch, again[i : i + 7])
    with sqlite3.connect(db_path) as db:
        counts = db.execute("SELECT custom_id, count(*) FROM results GROUP BY custom_id").fetchall()
    assert len(counts) == 30 and {n for _, n in counts} == {1}
    assert (await store.get_result(batch, again[0].custom_id)).text == "second try"  # type: ignore[union-attr]


async def test_a_cancelled_write_rolls_back(store: Store, batch: str, line) -> None:
    rows = [parse_result_line(B, line(f"c{i:05d}")) for i in range(20_000)]
    task = asyncio.create_task(store.write_results(batch, rows))
    await asyncio.sleep(0)  # let it take the lock and begin
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.stored_result_count(batch) in (0, 20_000)  # all or nothing, never part
    await store.write_results(batch, rows[:5])  # and the connection is usable (no transaction left open)
    assert await store.stored_result_count(batch) >= 5


async def test_finish_records_state_rows_and_cost(store: Store, batch: str, line) -> None:
    rows = sample(line)
    priced = [dataclasses.replace(r, cost_usd=0.25) if r.result_type == "succeeded" else r for r in rows]
    await store.set_results_state(batch, "downloading")
    await store.write_results(batch, priced)
    await store.finish_results(batch)
    record = await store.get_batch(batch)
    assert record is not None
    assert (record.results_state, record.results_rows, record.results_error) == ("complete", 30, None)
    succeeded = sum(r.result_type == "succeeded" for r in rows)
    assert record.cost_usd == pytest.approx(0.25 * succeeded)
    assert await store.batches_needing_results() == []


async def test_finish_without_known_prices_leaves_cost_unknown(store: Store, batch: str, line) -> None:
    await store.write_results(batch, [dataclasses.replace(r, cost_usd=None) for r in sample(line)])
    await store.finish_results(batch)
    assert (await store.get_batch(batch)).cost_usd is None  # type: ignore[union-attr]


async def test_writes_for_an_unknown_or_other_batch_are_refused(store: Store, batch: str, line) -> None:
    with pytest.raises(NotFoundError):
        await store.write_results("msgbatch_unknown", [parse_result_line("msgbatch_unknown", line("a"))])
    with pytest.raises(ValueError, match="belongs to"):
        await store.write_results(batch, [parse_result_line("msgbatch_other", line("a"))])
    assert await store.write_results(batch, []) == 0
    assert await store.count_results("msgbatch_unknown") == 0
    assert await store.page_results("msgbatch_unknown", ResultFilter(), offset=0, limit=10) == []


async def test_each_filter_and_combinations(store: Store, batch: str, line) -> None:
    rows = sample(line)
    await store.write_results(batch, rows)

    def expect(pred) -> list[str]:
        return sorted(r.custom_id for r in rows if pred(r))

    cases = {
        ResultFilter(): expect(lambda r: True),
        ResultFilter(types=frozenset({"errored"})): expect(lambda r: r.result_type == "errored"),
        ResultFilter(types=frozenset({"canceled", "expired"})): expect(
            lambda r: r.result_type in ("canceled", "expired")
        ),
        ResultFilter(error_type="overloaded_error"): expect(lambda r: r.error_type == "overloaded_error"),
        ResultFilter(custom_id="REQ-01"): expect(lambda r: r.custom_id.lower().startswith("req-01")),
        ResultFilter(types=frozenset({"errored"}), custom_id="req-0"): expect(
            lambda r: r.result_type == "errored" and r.custom_id.lower().startswith("req-0")
        ),
        ResultFilter(types=frozenset({"succeeded"}), error_type="overloaded_error"): [],
        ResultFilter(types=frozenset({"errored"}), error_type="invalid_request_error", custom_id="2"): expect(
            lambda r: r.error_type == "invalid_request_error" and "2" in r.custom_id
        ),
    }
    for flt, ids in cases.items():
        assert ids or flt.error_type, flt  # each case but the contradictory one selects something
        assert await store.count_results(batch, flt) == len(ids), flt
        assert [r.custom_id for r in await store.page_results(batch, flt, offset=0, limit=100)] == ids, flt
        assert await all_ids(store, flt) == ids, flt


async def test_custom_id_filter_treats_like_wildcards_literally(store: Store, batch: str, line) -> None:
    await store.write_results(batch, [parse_result_line(B, line(cid)) for cid in ("a_b", "axb", "a%b", "ab")])
    assert await all_ids(store, ResultFilter(custom_id="a_b")) == ["a_b"]
    assert await all_ids(store, ResultFilter(custom_id="a%")) == ["a%b"]
    assert await all_ids(store, ResultFilter(custom_id="\\")) == []


async def test_paging_is_stable_and_complete(store: Store, batch: str, line) -> None:
    await store.write_results(batch, sample(line))
    flt = ResultFilter(types=frozenset({"succeeded", "errored"}))
    total = await store.count_results(batch, flt)
    pages = [await store.page_results(batch, flt, offset=o, limit=7) for o in range(0, total + 7, 7)]
    ids = [r.custom_id for page in pages for r in page]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == total
    assert pages[-1] == []
    assert [r.custom_id for r in await store.page_results(batch, flt, offset=7, limit=7)] == ids[7:14]


async def test_iter_results_in_small_chunks_sees_every_row_once(store: Store, batch: str, line) -> None:
    rows = sample(line)
    await store.write_results(batch, rows)
    got = [r.custom_id async for r in store.iter_results(batch, ResultFilter(), chunk=4)]
    assert got == sorted(r.custom_id for r in rows)


async def test_counts_by_type_and_error_type(store: Store, batch: str, line) -> None:
    assert await store.result_type_counts(batch) == {"succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    await store.write_results(batch, sample(line))
    assert await store.result_type_counts(batch) == {"succeeded": 20, "errored": 6, "canceled": 3, "expired": 1}
    assert await store.error_type_counts(batch) == {"invalid_request_error": 3, "overloaded_error": 3}
    assert await store.error_type_counts("msgbatch_unknown") == {}


async def test_a_result_type_the_api_does_not_send_is_counted_too(store: Store, batch: str, line) -> None:
    """A type the API does not send (a cache edited by hand, a future API) is counted as itself, and the succeeded
    (counted as what the others leave of the total) stay right as rows change type."""
    from batchtui.core.store.db import execute

    await store.write_results(batch, sample(line))
    async with store._db.transaction() as conn:
        await execute(conn, "UPDATE results SET result_type = 'paused' WHERE result_type = 'canceled'")
    counts = await store.result_type_counts(batch)
    assert counts == {"succeeded": 20, "errored": 6, "canceled": 0, "expired": 1, "paused": 3}
    async with store._db.transaction() as conn:
        await execute(conn, "UPDATE results SET result_type = 'succeeded' WHERE result_type IN ('paused', 'errored')")
    counts = await store.result_type_counts(batch)
    assert counts == {"succeeded": 29, "errored": 0, "canceled": 0, "expired": 1}


async def test_results_of_two_batches_stay_apart(store: Store, batch: str, make_batch, line) -> None:
    await store.upsert_batches([make_batch("msgbatch_two", status="ended")], synced_at=SYNCED)
    await store.write_results(batch, [parse_result_line(B, line("same-id", text="one"))])
    await store.write_results("msgbatch_two", [parse_result_line("msgbatch_two", line("same-id", text="two"))])
    assert (await store.get_result(batch, "same-id")).text == "one"  # type: ignore[union-attr]
    assert (await store.get_result("msgbatch_two", "same-id")).text == "two"  # type: ignore[union-attr]
    assert await store.count_results(batch) == await store.count_results("msgbatch_two") == 1


async def test_a_deleted_batch_keeps_its_results(store: Store, batch: str, line) -> None:
    await store.write_results(batch, sample(line))
    await store.mark_deleted(batch)
    assert await store.count_results(batch) == 30


async def test_error_types_are_read_off_the_errored_results_index(store: Store, batch: str, line) -> None:
    """A batch's error types (each results view open) and the stats screen's (every batch) read only the errored
    results, from their partial index (the queries name it: SQLite refuses a query that cannot use it)."""
    from datetime import UTC, datetime

    await store.write_results(batch, sample(line))
    expected = {"invalid_request_error": 3, "overloaded_error": 3}
    assert await store.error_type_counts(batch) == expected
    assert await store.stats_error_types() == expected
    assert await store.stats_error_types(datetime(2000, 1, 1, tzinfo=UTC)) == expected
    index = "results INDEXED BY results_errored"
    rows = await store._db.fetchall(f"SELECT count(*) FROM {index} WHERE result_type = 'errored'")
    assert rows[0][0] == 6  # the errored rows only
