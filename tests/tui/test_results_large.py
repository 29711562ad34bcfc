"""A 100,000-result batch: the view opens on its first rows at once and jumps to the end without loading the rest."""

from __future__ import annotations

import time

import pytest

from batchtui.tui.widgets.results_table import MAX_PAGES, PAGE_SIZE, ResultsTable
from tests.tui.results_support import ResultsHostApp, mixed_lines, seed_batch, settle, wait_for

N = 100_000


@pytest.mark.slow
async def test_hundred_thousand_results_open_and_jump_to_end(cache_store):
    await seed_batch(cache_store, mixed_lines(N))
    app = ResultsHostApp(cache_store)
    async with app.run_test(size=(120, 40)) as pilot:
        start = time.perf_counter()
        table = app.screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_at(0) is not None, within=10, what="the first rows")
        first_rows = time.perf_counter() - start
        await pilot.pause()
        assert table.row_count == N
        assert table.render_line(1).text.lstrip().startswith("req-000000")
        assert first_rows < 5  # generous for a loaded CI box; the benchmark measures the real figure

        await pilot.press("end")
        await wait_for(pilot, lambda: table.row_at(N - 1) is not None, within=10, what="the last page")
        await pilot.pause()
        assert table.cursor == N - 1
        last_line = table.render_line(table.size.height - 1).text
        assert last_line.lstrip().startswith(f"req-{N - 1:06d}")
        assert app.screen.query_one("ResultDetail").row.custom_id == f"req-{N - 1:06d}"

        for _ in range(5):  # page up through the end of the batch: pages come and go, the cache stays bounded
            await pilot.press("pageup")
        await settle(pilot, app)
        assert table.row_at(table.cursor) is not None
        assert len(table._pages) <= MAX_PAGES
        assert sum(map(len, table._pages.values())) <= MAX_PAGES * PAGE_SIZE
