"""The results view and export inside the real dashboard (BatchTuiApp on the emulator): `enter` opens the view,
which downloads the results through the app's sync engine; `e` exports from both screens; `escape` goes back."""

from __future__ import annotations

import csv
import io
import json

from batchtui.tui.screens.main import MainScreen
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.app_support import SIZE, add_batch
from tests.tui.app_support import settle as settle_app
from tests.tui.results_support import choose_format, save_as, wait_for


async def test_open_results_download_export_and_back(make_app, batch_emulator, tmp_path):
    batch_id = await add_batch(batch_emulator, 12, ago=3600, duration=60)  # ended an hour ago
    app = make_app()
    out = tmp_path / "from-results.csv"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle_app(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), what="the results view")
        screen = app.screen
        assert screen.batch_id == batch_id
        table = screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_count == 12, within=30, what="the downloaded rows")
        await wait_for(pilot, lambda: table.row_at(0) is not None)
        assert table.row_at(0).custom_id == "req-0000"

        await pilot.press("e")
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "csv"
        await wait_for(pilot, out.exists, within=30, what="the export")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="the main screen")
    rows = list(csv.reader(io.StringIO(out.read_text(), newline="")))  # a reply may hold newlines
    assert ",".join(rows[0]).startswith("custom_id,type,text") and len(rows) == 13


async def test_export_from_the_main_screen(make_app, batch_emulator, tmp_path):
    await add_batch(batch_emulator, 7, ago=3600, duration=60)
    app = make_app()
    out = tmp_path / "from-main.jsonl"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle_app(pilot, app)
        await pilot.press("e")  # results not downloaded yet: the export downloads them first
        await save_as(pilot, app, out)
        await choose_format(pilot, app)
        await wait_for(pilot, out.exists, within=30, what="the export")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["custom_id"] for r in rows] == [f"req-{i:04d}" for i in range(7)]
    assert all(r["result"]["type"] in ("succeeded", "errored", "canceled", "expired") for r in rows)
