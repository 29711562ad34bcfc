"""A batch's total is never a partial sum passed off as the whole; the cache's totals say what they leave out."""

from __future__ import annotations

import pytest

from batchtui.core.result_lines import parse_result_line
from batchtui.core.spend import batch_cost_status, batch_cost_text, totals_of, totals_text
from batchtui.core.store import Store
from batchtui.core.store.costs import UNPRICED_ROWS

from .conftest import SYNCED

# Each priced line (the `line` fixture): Sonnet 4.5, 10 in and 20 out at batch rates $1.50 and $7.50 per MTok.
PER_ROW = (10 * 1.5 + 20 * 7.5) / 1e6  # $0.000165


async def stored(store: Store, make_batch, line, batch_id: str, kinds: list[str], *, finish: bool = True) -> None:
    await store.upsert_batches([make_batch(batch_id, status="ended")], synced_at=SYNCED)
    rows = []
    for i, kind in enumerate(kinds):
        if kind == "unpriced":
            rows.append(parse_result_line(batch_id, line(f"r{i}", model="claude-fable-5-2")))
        else:
            rows.append(parse_result_line(batch_id, line(f"r{i}", kind)))
    await store.write_results(batch_id, rows)
    if finish:
        await store.finish_results(batch_id)


async def test_all_priced_is_the_sum_and_unbilled_rows_cost_nothing(store: Store, make_batch, line) -> None:
    await stored(store, make_batch, line, "b1", ["succeeded", "succeeded", "errored", "canceled", "expired"])
    batch = await store.get_batch("b1")
    assert batch is not None and batch.cost_usd == pytest.approx(2 * PER_ROW)
    assert batch_cost_status(batch) == "known"
    # 2 x $0.000165 = $0.00033 at batch rates; $0.00066 on the standard API; $0.00033 saved.
    assert batch_cost_text(batch) == "$0.0003 at batch rates ($0.0007 on the standard API, saved $0.0003)"
    json = batch.to_json()
    assert json["cost_usd"] == pytest.approx(0.00033)
    assert (json["standard_cost_usd"], json["saved_usd"]) == (pytest.approx(0.00066), pytest.approx(0.00033))


async def test_a_batch_that_billed_nothing_cost_zero_not_unknown(store: Store, make_batch, line) -> None:
    await stored(store, make_batch, line, "b0", ["errored", "canceled"])
    batch = await store.get_batch("b0")
    assert batch is not None and batch.cost_usd == 0.0 and batch_cost_status(batch) == "known"


async def test_one_unpriced_result_makes_the_total_unknown(store: Store, make_batch, line) -> None:
    await stored(store, make_batch, line, "b2", ["succeeded", "unpriced", "succeeded", "errored"])
    batch = await store.get_batch("b2")
    assert batch is not None and batch.cost_usd is None and batch_cost_status(batch) == "unknown"
    assert batch.to_json()["cost_usd"] is None and batch.to_json()["saved_usd"] is None
    split = await store.batch_cost("b2")
    assert split is not None and split.unpriced_results == 1 and split.priced_usd == pytest.approx(2 * PER_ROW)
    assert batch_cost_text(batch, split) == (
        "unknown: 1 result has no known price; the others cost $0.0003 ($0.0007 on the standard API, saved $0.0003)"
    )
    assert await store.batch_cost("nope") is None


async def test_totals_over_the_cache_call_out_unknown_and_pending(store: Store, make_batch, line) -> None:
    await stored(store, make_batch, line, "b1", ["succeeded"] * 10)  # 10 x $0.000165 = $0.00165
    await stored(store, make_batch, line, "b2", ["succeeded"] * 20)  # $0.0033
    await stored(store, make_batch, line, "b3", ["succeeded", "unpriced"])
    await stored(store, make_batch, line, "b4", ["succeeded"], finish=False)  # still downloading
    await store.upsert_batches([make_batch("b5")], synced_at=SYNCED)  # in progress
    totals = totals_of(await store.list_batches())
    assert totals.spent_usd == pytest.approx(30 * PER_ROW)
    assert (totals.known_batches, totals.unknown_batches, totals.pending_batches) == (2, 1, 2)
    assert totals.standard_usd == pytest.approx(60 * PER_ROW) and totals.saved_usd == pytest.approx(30 * PER_ROW)
    assert totals_text(totals) == "spent $0.0050 · saved $0.0050 · + unknown for 1 batch · 2 pending"


async def test_totals_of_an_empty_cache(store: Store) -> None:
    totals = totals_of(await store.list_batches())
    assert (totals.spent_usd, totals.known_batches, totals.unknown_batches, totals.pending_batches) == (0, 0, 0, 0)
    assert totals_text(totals) == "spent $0.00 · saved $0.00"


async def test_the_unpriced_index_follows_rewrites_of_a_result(store: Store, make_batch, line) -> None:
    """The total asks the unpriced rows' partial index (a query naming it fails if SQLite cannot use it): it holds
    exactly the billed rows with no price, and loses one when a later download prices it."""
    await stored(store, make_batch, line, "b6", ["unpriced", "errored", "succeeded", "unpriced"])
    query = "SELECT custom_id FROM results INDEXED BY results_unpriced WHERE batch_key = ? AND " + UNPRICED_ROWS
    key = await store._batch_key("b6")
    assert sorted(r[0] for r in await store._db.fetchall(query, (key,))) == ["r0", "r3"]
    assert (await store.get_batch("b6")).cost_usd is None
    await store.write_results("b6", [parse_result_line("b6", line(f"r{i}", "succeeded")) for i in (0, 3)])
    await store.finish_results("b6")
    assert await store._db.fetchall(query, (key,)) == []
    assert (await store.get_batch("b6")).cost_usd == pytest.approx(3 * PER_ROW)
