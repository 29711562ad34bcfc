"""Several batches' results read as one list (a group's parts, in part order): counted, filtered and paged on the
real store, a page straddling two batches included, and at 120,000 rows off the covering index."""

from __future__ import annotations

import time

import pytest

from batchtui.core.models import ResultFilter
from batchtui.core.result_lines import parse_result_line
from batchtui.core.spans import page_span, slices, span_counts, span_error_type_counts, span_type_counts
from batchtui.core.store import Store

from .conftest import SYNCED

PARTS = ("msgbatch_part1", "msgbatch_part2", "msgbatch_part3")
ERRORED = ResultFilter(types=frozenset({"errored"}))


async def seed(store: Store, make_batch, line, sizes: tuple[int, ...]) -> list[str]:
    """Part k holds custom_ids q-… in file order, every 5th errored; returns every custom_id in order."""
    ids: list[str] = []
    start = 0
    for batch_id, size in zip(PARTS, sizes, strict=True):
        await store.upsert_batches([make_batch(batch_id, status="ended")], synced_at=SYNCED)
        lines = []
        for i in range(start, start + size):
            cid = f"q-{i:07d}"
            ids.append(cid)
            lines.append(line(cid, "errored", error_type="overloaded_error") if i % 5 == 0 else line(cid))
        for at in range(0, size, 20_000):
            await store.write_results(batch_id, [parse_result_line(batch_id, t) for t in lines[at : at + 20_000]])
        await store.finish_results(batch_id)
        start += size
    return ids


def test_slices_place_a_page_across_batches() -> None:
    assert slices((4, 4, 2), 0, 3) == [(0, 0, 3)]
    assert slices((4, 4, 2), 3, 3) == [(0, 3, 1), (1, 0, 2)]  # straddles parts 1 and 2
    assert slices((4, 0, 2), 2, 10) == [(0, 2, 2), (2, 0, 2)]  # an empty batch is skipped
    assert slices((4, 4, 2), 10, 5) == []
    assert slices((), 0, 5) == []


async def test_a_span_counts_filters_and_pages_every_row_once_in_part_order(store: Store, make_batch, line) -> None:
    ids = await seed(store, make_batch, line, (7, 5, 3))
    counts = await span_counts(store, PARTS, ResultFilter())
    assert counts == (7, 5, 3)
    rows = []
    for offset in range(0, 15, 4):  # pages of 4: three of them straddle two parts
        rows += await page_span(store, PARTS, counts, ResultFilter(), offset=offset, limit=4)
    assert [r.custom_id for r in rows] == ids
    assert [r.batch_id for r in rows] == [PARTS[0]] * 7 + [PARTS[1]] * 5 + [PARTS[2]] * 3

    errored = await span_counts(store, PARTS, ERRORED)
    assert errored == (2, 1, 0)  # q-0, q-5 | q-10 | none
    page = await page_span(store, PARTS, errored, ERRORED, offset=1, limit=10)
    assert [(r.custom_id, r.batch_id) for r in page] == [("q-0000005", PARTS[0]), ("q-0000010", PARTS[1])]
    assert (await span_type_counts(store, PARTS))["errored"] == 3
    assert await span_error_type_counts(store, PARTS) == {"overloaded_error": 3}


@pytest.mark.slow
async def test_a_120k_group_pages_as_fast_as_one_batch(store: Store, make_batch, line) -> None:
    sizes = (50_000, 50_000, 20_000)
    await seed(store, make_batch, line, sizes)
    n = sum(sizes)
    start = time.perf_counter()
    counts = await span_counts(store, PARTS, ResultFilter())
    boundary = await page_span(store, PARTS, counts, ResultFilter(), offset=49_900, limit=200)
    last = await page_span(store, PARTS, counts, ResultFilter(), offset=n - 200, limit=200)
    elapsed = time.perf_counter() - start
    assert sum(counts) == n
    assert [r.custom_id for r in boundary] == [f"q-{i:07d}" for i in range(49_900, 50_100)]
    assert {r.batch_id for r in boundary} == {PARTS[0], PARTS[1]}
    assert [r.custom_id for r in last] == [f"q-{i:07d}" for i in range(n - 200, n)]
    assert elapsed < 5  # generous for a loaded box (milliseconds here); the benchmark measures the real figure
    # Each part is paged on the covering index, never sorted: the plan of one part's deep page.
    plan = await store._db.fetchall(
        "EXPLAIN QUERY PLAN SELECT r.custom_id FROM results AS r INDEXED BY results_scan "
        "WHERE r.batch_key = ? AND r.result_type IN ('errored') ORDER BY r.custom_id LIMIT 200 OFFSET 9000",
        (1,),
    )
    steps = [row[3] for row in plan]
    assert not any("TEMP B-TREE" in s for s in steps) and any("COVERING INDEX results_scan" in s for s in steps)
