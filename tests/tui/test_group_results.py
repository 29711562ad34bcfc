"""Results and export spanning a group: `enter` on a group row opens every part's results as one list (part order,
filters over all of them, each row saying which part it came from), downloading what is missing; `e` there, or on
the group row, exports every part through one Selection."""

from __future__ import annotations

import csv
import io
import json

from batchtui.core.models import ResultFilter
from batchtui.tui.screens.export import default_file_name
from batchtui.tui.screens.group_results import GroupResultsScreen
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.widgets.result_detail import ResultDetail
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.app_support import SIZE, add_batch, screen_text, settle
from tests.tui.group_support import ended_and_downloaded, send_group, settle_but_export
from tests.tui.results_support import choose_format, finish_export, save_as, wait_for


async def test_enter_on_a_group_opens_every_parts_results_in_part_order(
    make_app, cache_store, live_api, batch_emulator, engine, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    parts = outcome.batch_ids
    await ended_and_downloaded(batch_emulator, engine, parts)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, GroupResultsScreen)
        table = screen.query_one(ResultsTable)
        assert table.batch_ids == tuple(parts) and table.row_count == 10
        rows = [table.row_at(i) for i in range(10)]
        assert [r.custom_id for r in rows] == [f"q-{i:04d}" for i in range(10)]  # type: ignore[union-attr]
        assert [r.batch_id for r in rows] == [parts[0]] * 4 + [parts[1]] * 4 + [parts[2]] * 2  # type: ignore[union-attr]
        text = screen_text(app)
        assert "big run  group of 3 batches" in text and "parts 3 of 3" in text and "10 results" in text
        for _ in range(5):
            await pilot.press("down")
        await settle(pilot, app)
        detail = screen.query_one(ResultDetail)
        assert "q-0005" in screen_text(app) and f"from part 2 of 3 · {parts[1]}" in screen_text(app)
        assert detail.params is not None and "Question 5?" in detail.params  # part 2's own submitted request
        await pilot.press("4")  # the outcome filters count every part (no canceled here)
        await settle(pilot, app)
        assert table.row_count == 0
        await pilot.press("1", "c", *"q-0009", "enter")
        await settle(pilot, app)
        assert table.row_count == 1 and table.row_at(0).batch_id == parts[2]  # type: ignore[union-attr]
        assert screen.check_action("toggle_merged", ()) is False and screen.check_action("retry", ()) is False
        await pilot.press("escape")
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_the_group_view_downloads_what_is_missing_and_says_what_still_runs(
    make_app, cache_store, live_api, batch_emulator, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        table = app.screen.query_one(ResultsTable)
        assert table.row_count == 0
        assert "3 of 3 parts still running: their results come when they end." in screen_text(app)
        batch_emulator.clock.advance(120)
        app.refresh_now()  # the poll: the parts ended, and the open view downloads their results
        await settle(pilot, app)
        await wait_for(pilot, lambda: table.row_count == 10, what="every part's results")
        stored = [await cache_store.get_batch(b) for b in outcome.batch_ids]
        assert all(b is not None and b.results_state == "complete" for b in stored)
        assert "still running" not in screen_text(app)


async def test_export_from_the_group_view_writes_every_part(
    make_app, cache_store, live_api, batch_emulator, engine, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    await ended_and_downloaded(batch_emulator, engine, outcome.batch_ids)
    out = tmp_path / "all.jsonl"
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("e")
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "jsonl"
        await finish_export(pilot, app)
        assert any(f"Exported 10 results to {out}" in n.message for n in app._notifications)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [item["custom_id"] for item in lines] == [f"q-{i:04d}" for i in range(10)]


async def test_e_on_a_group_row_exports_every_part(
    make_app, cache_store, live_api, batch_emulator, engine, tmp_path, monkeypatch
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    await add_batch(batch_emulator, 3, ago=7200, duration=60)  # ended, not in the group: not exported
    await ended_and_downloaded(batch_emulator, engine, outcome.batch_ids)
    from batchtui.tui.screens import export

    selections: list[tuple[list[str], ResultFilter, str | None]] = []
    real = export.start_export

    def spy(app, batch_ids, flt, custom_ids=None, *, name=None):
        selections.append((list(batch_ids), flt, name))
        return real(app, batch_ids, flt, custom_ids, name=name)

    monkeypatch.setattr(export, "start_export", spy)
    out = tmp_path / "group.csv"
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert app.main_screen.cursor_group is not None
        await pilot.press("e")
        await settle_but_export(pilot, app)
        assert selections == [(outcome.batch_ids, ResultFilter(), "big run")]
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "csv"
        await finish_export(pilot, app)
    rows = list(csv.reader(io.StringIO(out.read_text(), newline="")))  # a reply may hold newlines
    assert len(rows) == 11 and all(f"q-{i:04d}" in out.read_text() for i in range(10))  # a header and 10 rows
    assert default_file_name(outcome.batch_ids, False, "big run") == "big_run-results.jsonl"
