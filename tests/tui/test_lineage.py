"""Retry lineage in the dashboard: the detail pane names a batch's parent and its retries, and a parent's results view
shows, with `m`, the final results merged across its retry chain (each request's latest outcome), paged, filtered
and counted like its own."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from textual.widgets import Input

from batchtui.core.models import ResultFilter
from batchtui.tui.file_dialogs import SaveFile
from batchtui.tui.widgets.results_table import PAGE_SIZE, ResultsTable
from tests.tui.app_support import SIZE, add_batch, settle
from tests.tui.results_support import (
    BATCH_ID,
    FIXED_NOW,
    ResultsHostApp,
    batch_wire,
    choose_format,
    counts_of,
    errored_line,
    finish_export,
    mixed_lines,
    save_as,
    screen_text,
    seed_batch,
    succeeded_line,
    wait_for,
)
from tests.tui.results_support import settle as settle_results

RETRY = "msgbatch_01RetryRetryRetryRetryRetry1"
RETRY2 = "msgbatch_01RetryRetryRetryRetryRetry2"


def local_column(app) -> str:
    return str(app.main_screen.query_one("#detail-local").render())


async def test_the_detail_pane_names_the_parent_and_the_retries(make_app, batch_emulator, cache_store):
    parent = await add_batch(batch_emulator, 4, ago=7200, duration=60)
    first = await add_batch(batch_emulator, 2, ago=3600, duration=60)
    second = await add_batch(batch_emulator, 1, ago=600, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await cache_store.set_label(parent, "weekly digest")
        await cache_store.set_local(first, parent_batch_id=parent)
        await cache_store.set_local(second, parent_batch_id=parent)
        app.main_screen.reload()
        await settle(pilot, app)
        app.main_screen.table.select_batch(parent)
        await settle(pilot, app)
        text = local_column(app)
        assert "parent batch —" in text
        assert f"retries      {first[:9]}" in text and "· ended · 2 req." in text
        assert f"{second}" in text and "· in progress · 1 req." in text
        app.main_screen.table.select_batch(first)
        await settle(pilot, app)
        assert "parent batch weekly digest · ended" in local_column(app)
        assert "retries" not in local_column(app)


@pytest.fixture
async def chain_store(cache_store):
    """The batch (400 mixed results), a retry of its failures an hour later (half succeed now), and a retry of that
    retry an hour after (all succeed)."""
    await seed_batch(cache_store, mixed_lines(400))
    failed = [f"req-{i:06d}" for i in range(400) if i % 10 in (3, 7) or i % 20 in (9, 19)]
    again = [succeeded_line(c, f"second try {c}") if i % 2 else errored_line(c, "api_error", "x") for i, c in
             enumerate(failed)]  # fmt: skip
    third = [succeeded_line(c, f"third try {c}") for c in failed[::2]]
    for batch_id, lines, parent, hours in ((RETRY, again, BATCH_ID, 4), (RETRY2, third, RETRY, 3)):
        await seed_batch(cache_store, lines, batch_id=batch_id, label=None)
        created = FIXED_NOW - timedelta(hours=hours)
        wire = batch_wire(batch_id, counts=counts_of(lines), created_at=created)
        await cache_store.upsert_batches([wire], synced_at=FIXED_NOW)
        await cache_store.set_local(batch_id, parent_batch_id=parent)
    return cache_store


async def test_m_merges_the_retry_chain_and_back(chain_store):
    store = chain_store
    app = ResultsHostApp(store)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle_results(pilot, app)
        screen = app.screen
        table = screen.query_one(ResultsTable)
        assert screen.chain is not None and screen.chain.ids == (BATCH_ID, RETRY, RETRY2)
        await pilot.press("3")  # errored only
        await settle_results(pilot, app)
        assert table.row_count == 80  # this batch's own errors
        await pilot.press("m")
        await settle_results(pilot, app)
        assert table.chain == screen.chain
        assert table.row_count == 0  # every error of the batch succeeded in a retry
        assert "Final results across 2 retries" in screen_text(app)
        await pilot.press("1")  # all
        await settle_results(pilot, app)
        assert table.row_count == 400
        assert "1 all 400" in screen_text(app) and "2 succeeded 400" in screen_text(app)  # final outcomes counted
        await pilot.press("down", "down", "down")  # req-000003: errored here, retried twice
        await settle_results(pilot, app)
        row = table.cursor_row
        assert row is not None and (row.custom_id, row.batch_id) == ("req-000003", RETRY2)
        assert row.text == "third try req-000003"
        assert f"from retry 2 of 2 · {RETRY2}" in str(screen.query_one("#detail-title").render())
        await pilot.press("m")
        await settle_results(pilot, app)
        assert table.chain is None and table.cursor == 3  # its place kept
        own = table.cursor_row
        assert own is not None and (own.batch_id, own.result_type) == (BATCH_ID, "errored")


async def test_e_in_the_merged_view_exports_the_final_outcomes_shown(chain_store, tmp_path):
    out = tmp_path / "final.csv"
    app = ResultsHostApp(chain_store)
    async with app.run_test(size=(130, 40), notifications=True) as pilot:
        await settle_results(pilot, app)
        await pilot.press("m", "2")  # the final outcomes that succeeded: all 400, 120 of them in a retry
        await settle_results(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveFile), what="the save dialog")
        await pilot.pause()
        assert app.screen.query_one(Input).value.endswith(f"{BATCH_ID}-merged.jsonl")  # the default file
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "csv"
        await finish_export(pilot, app)
        assert "Exported 400 results to" in " ".join(app.notified)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["custom_id"] for r in rows] == [f"req-{i:06d}" for i in range(400)]  # each request once
    by_id = {r["custom_id"]: r for r in rows}
    assert {r["type"] for r in rows} == {"succeeded"}
    assert by_id["req-000003"]["batch_id"] == RETRY2 and by_id["req-000003"]["text"] == "third try req-000003"
    assert by_id["req-000000"]["batch_id"] == BATCH_ID
    from_batch = [r["batch_id"] for r in rows]  # the 120 failures: half succeeded in each retry
    assert (from_batch.count(BATCH_ID), from_batch.count(RETRY), from_batch.count(RETRY2)) == (280, 60, 60)


async def test_the_merged_view_pages_like_the_batch(chain_store):
    store = chain_store
    app = ResultsHostApp(store)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle_results(pilot, app)
        await pilot.press("m", "end")
        await settle_results(pilot, app)
        table = app.screen.query_one(ResultsTable)
        assert table.cursor == 399 and table.cursor_row is not None
        assert table.cursor_row.custom_id == "req-000399"
        assert table.cursor_row.batch_id in (RETRY, RETRY2)  # expired here (i % 20 == 19), retried
        chain = app.screen.chain
        assert chain is not None
        whole = await store.page_merged_results(chain, ResultFilter(), offset=0, limit=400)
        assert [table.row_at(i) for i in range(400 - PAGE_SIZE, 400)] == whole[400 - PAGE_SIZE :]


async def test_a_batch_without_retries_offers_no_merge(cache_store):
    await seed_batch(cache_store, mixed_lines(20))
    app = ResultsHostApp(cache_store)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle_results(pilot, app)
        assert app.screen.check_action("toggle_merged", ()) is None
        await pilot.press("m")
        await settle_results(pilot, app)
        assert app.screen.query_one(ResultsTable).chain is None
