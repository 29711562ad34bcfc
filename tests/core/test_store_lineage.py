"""Retry lineage in the store: the chain of batches retried from one (by parent_batch_id), and the final results
merged across it (per custom_id, the outcome of the latest batch that holds it), counted, filtered and paged like a
single batch's, at 100k rows too."""

from __future__ import annotations

import pytest

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.store.lineage import merged_chunk_sql

from .conftest import SYNCED

ROOT, RETRY, RETRY2, SIBLING, OTHER = "msgbatch_root", "msgbatch_retry", "msgbatch_retry2", "msgbatch_sib", "msgbatch_x"


async def add(store: Store, make_batch, batch_id: str, hour: int, parent: str | None = None) -> None:
    await store.upsert_batches(
        [make_batch(batch_id, status="ended", created_at=f"2026-09-30T{hour:02d}:00:00.000000Z")], synced_at=SYNCED
    )
    if parent is not None:
        await store.set_local(batch_id, parent_batch_id=parent)


async def write(store: Store, batch_id: str, lines: list[str]) -> None:
    await store.write_results(batch_id, [parse_result_line(batch_id, text) for text in lines])
    await store.finish_results(batch_id)


def outcomes(rows: list[ResultRow]) -> dict[str, tuple[str, str]]:
    return {r.custom_id: (r.batch_id, r.result_type) for r in rows}


@pytest.fixture
async def chain_store(store: Store, make_batch, line) -> Store:
    """root: a-0..a-9, a-2/a-5/a-8 errored, a-9 expired. retry (of root): a-2 ok, a-5 errored again, a-9 ok.
    retry2 (of retry): a-5 ok. sibling (a second retry of root, later): a-8 errored. other: unrelated."""
    await add(store, make_batch, ROOT, 1)
    await add(store, make_batch, RETRY, 2, parent=ROOT)
    await add(store, make_batch, RETRY2, 3, parent=RETRY)
    await add(store, make_batch, SIBLING, 4, parent=ROOT)
    await add(store, make_batch, OTHER, 5)
    root = []
    for i in range(10):
        if i in (2, 5, 8):
            root.append(line(f"a-{i}", "errored", error_type="overloaded_error", message="Overloaded"))
        elif i == 9:
            root.append(line(f"a-{i}", "expired"))
        else:
            root.append(line(f"a-{i}", text=f"first {i}"))
    await write(store, ROOT, root)
    await write(store, RETRY, [line("a-2", text="again 2"), line("a-5", "errored"), line("a-9", text="again 9")])
    await write(store, RETRY2, [line("a-5", text="third 5")])
    await write(store, SIBLING, [line("a-8", "errored", error_type="invalid_request_error", message="bad")])
    await write(store, OTHER, [line("a-2", "errored")])  # same custom_id, not in the chain: ignored
    return store


async def test_the_chain_is_the_batch_and_its_descendants_oldest_first(chain_store: Store) -> None:
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None and chain.ids == (ROOT, RETRY, RETRY2, SIBLING) and chain.retries == 3
    sub = await chain_store.retry_chain(RETRY)
    assert sub is not None and sub.ids == (RETRY, RETRY2)
    lone = await chain_store.retry_chain(OTHER)
    assert lone is not None and lone.ids == (OTHER,) and lone.retries == 0
    assert await chain_store.retry_chain("msgbatch_missing") is None


async def test_each_custom_id_takes_the_outcome_of_the_latest_batch_that_holds_it(chain_store: Store) -> None:
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None
    rows = await chain_store.page_merged_results(chain, ResultFilter(), offset=0, limit=100)
    assert [r.custom_id for r in rows] == [f"a-{i}" for i in range(10)]
    got = outcomes(rows)
    assert got["a-0"] == (ROOT, "succeeded")
    assert got["a-2"] == (RETRY, "succeeded")
    assert got["a-5"] == (RETRY2, "succeeded")  # the grandchild beats the child
    assert got["a-8"] == (SIBLING, "errored")
    assert got["a-9"] == (RETRY, "succeeded")
    assert next(r for r in rows if r.custom_id == "a-5").text == "third 5"  # the winner's whole row
    assert await chain_store.count_merged_results(chain) == 10
    assert await chain_store.merged_type_counts(chain) == {"succeeded": 9, "errored": 1, "canceled": 0, "expired": 0}
    assert await chain_store.merged_error_type_counts(chain) == {"invalid_request_error": 1}


async def test_filters_apply_to_the_final_outcome(chain_store: Store) -> None:
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None
    errored = ResultFilter(types=frozenset({"errored"}))
    assert await chain_store.count_merged_results(chain, errored) == 1
    (row,) = await chain_store.page_merged_results(chain, errored, offset=0, limit=10)
    assert (row.custom_id, row.batch_id, row.error_type) == ("a-8", SIBLING, "invalid_request_error")
    assert await chain_store.count_merged_results(chain, ResultFilter(error_type="overloaded_error")) == 0
    by_id = ResultFilter(custom_id="A-")  # case-insensitive substring, as in a single batch
    assert await chain_store.count_merged_results(chain, by_id) == 10
    found = await chain_store.page_merged_results(chain, ResultFilter(search="third"), offset=0, limit=10)
    assert outcomes(found) == {"a-5": (RETRY2, "succeeded")}  # searched in whichever batch holds the outcome
    assert await chain_store.page_merged_results(chain, ResultFilter(search="first 5"), offset=0, limit=10) == []


async def test_pages_cover_every_row_once_in_order(chain_store: Store) -> None:
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None
    pages = [await chain_store.page_merged_results(chain, ResultFilter(), offset=o, limit=3) for o in (0, 3, 6, 9)]
    ids = [r.custom_id for page in pages for r in page]
    assert ids == [f"a-{i}" for i in range(10)]


@pytest.mark.slow
async def test_a_100k_chain_pages_off_the_covering_index(store: Store, make_batch, line) -> None:
    n = 100_000
    await add(store, make_batch, ROOT, 1)
    await add(store, make_batch, RETRY, 2, parent=ROOT)
    await add(store, make_batch, RETRY2, 3, parent=RETRY)
    failed = {f"r-{i:06d}" for i in range(0, n, 7)}
    root = [line(f"r-{i:06d}", "errored") if f"r-{i:06d}" in failed else line(f"r-{i:06d}") for i in range(n)]
    for start in range(0, n, 10_000):
        await store.write_results(ROOT, [parse_result_line(ROOT, t) for t in root[start : start + 10_000]])
    await store.finish_results(ROOT)
    again = sorted(failed)
    await write(store, RETRY, [line(c, "errored") if i % 2 else line(c) for i, c in enumerate(again)])
    await write(store, RETRY2, [line(c) for c in again[1::2]])
    chain = await store.retry_chain(ROOT)
    assert chain is not None

    assert await store.count_merged_results(chain) == n
    assert await store.count_merged_results(chain, ResultFilter(types=frozenset({"errored"}))) == 0
    last = await store.page_merged_results(chain, ResultFilter(), offset=n - 200, limit=200)
    assert [r.custom_id for r in last] == [f"r-{i:06d}" for i in range(n - 200, n)]
    winner = {c: RETRY2 if i % 2 else RETRY for i, c in enumerate(again)}
    assert [r.batch_id for r in last] == [winner.get(r.custom_id, ROOT) for r in last]
    assert {r.batch_id for r in last} == {ROOT, RETRY, RETRY2}

    # Fast at any depth because nothing is sorted and no table row is read to filter: every step is an index
    # search (the root's rows in custom_id order, one unique lookup per later batch, the winner's covering row).
    source, where, params = await store._merged(chain, ResultFilter(types=frozenset({"succeeded"})))
    plan = await store._db.fetchall(
        f"EXPLAIN QUERY PLAN SELECT w.custom_id {source} WHERE {where} ORDER BY b.custom_id LIMIT 200 OFFSET 99000",
        params,
    )
    steps = [row[3] for row in plan]
    assert not any("TEMP B-TREE" in s for s in steps), steps  # no sort
    assert not any(s.startswith("SCAN") for s in steps), steps  # no full scan
    assert sum("COVERING INDEX results_scan" in s for s in steps) == 4, steps  # b, w, and two probes


async def test_any_batch_of_a_chain_leads_back_to_its_original(chain_store: Store) -> None:
    for batch_id in (ROOT, RETRY, RETRY2, SIBLING):
        assert await chain_store.original_batch(batch_id) == ROOT
        chain = await chain_store.whole_chain(batch_id)
        assert chain is not None and chain.ids == (ROOT, RETRY, RETRY2, SIBLING)
    assert await chain_store.original_batch(OTHER) == OTHER
    assert await chain_store.original_batch("msgbatch_missing") is None
    assert await chain_store.whole_chain("msgbatch_missing") is None


async def test_a_parent_missing_from_the_store_ends_the_walk(store: Store, make_batch) -> None:
    await add(store, make_batch, RETRY, 2, parent="msgbatch_forgotten")
    await add(store, make_batch, RETRY2, 3, parent=RETRY)
    assert await store.original_batch(RETRY2) == RETRY


async def test_a_cycle_in_a_corrupt_cache_ends(store: Store, make_batch) -> None:
    await add(store, make_batch, ROOT, 1, parent=RETRY)
    await add(store, make_batch, RETRY, 2, parent=ROOT)
    assert await store.original_batch(RETRY) in (ROOT, RETRY)


@pytest.mark.parametrize("chunk", [1, 3, 1000])
async def test_iterating_the_final_results_gives_what_the_pages_give(chain_store: Store, chunk: int) -> None:
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None
    for flt in (ResultFilter(), ResultFilter(types=frozenset({"succeeded"})), ResultFilter(search="again")):
        rows = [r async for r in chain_store.iter_merged_results(chain, flt, chunk=chunk)]
        assert rows == await chain_store.page_merged_results(chain, flt, offset=0, limit=100)
    rows = [r async for r in chain_store.iter_merged_results(chain, chunk=chunk)]
    assert [r.custom_id for r in rows] == [f"a-{i}" for i in range(10)]  # each once, in order
    assert outcomes(rows)["a-5"] == (RETRY2, "succeeded") and outcomes(rows)["a-8"] == (SIBLING, "errored")
    found = [r async for r in chain_store.iter_merged_results(chain, ResultFilter(search="again"), chunk=chunk)]
    assert outcomes(found) == {"a-2": (RETRY, "succeeded"), "a-9": (RETRY, "succeeded")}


async def test_a_chunk_looks_the_winner_up_by_equality_not_a_range(chain_store: Store) -> None:
    """Without it a chunked walk of 100k final results took minutes: `b.custom_id > ?` became a range on `w`."""
    chain = await chain_store.retry_chain(ROOT)
    assert chain is not None
    source, where, params = await chain_store._merged(chain, ResultFilter(types=frozenset({"succeeded"})))
    plan = await chain_store._db.fetchall(
        "EXPLAIN QUERY PLAN " + merged_chunk_sql(source, where), (*params, "a-3", 1000)
    )
    steps = [row[3] for row in plan]
    assert "SEARCH b USING COVERING INDEX results_scan (batch_key=? AND custom_id>?)" in steps, steps
    (winner,) = [s for s in steps if s.startswith("SEARCH w ")]
    assert "(batch_key=? AND custom_id=?" in winner and "custom_id>" not in winner, steps
    assert not any("TEMP B-TREE" in s or s.startswith("SCAN") for s in steps), steps


async def test_a_chain_finds_each_batchs_retries_by_index(chain_store: Store) -> None:
    """Without the index SQLite built one over every batch on each walk (6 ms at 10,000 batches, on every open of
    a results view)."""
    from batchtui.core.store.lineage import _CHAIN

    plan = [row[3] for row in await chain_store._db.fetchall("EXPLAIN QUERY PLAN " + _CHAIN, (ROOT,))]
    assert "SEARCH b USING INDEX batches_by_parent (parent_batch_id=?)" in plan, plan
    assert not any("AUTOMATIC" in step for step in plan), plan
