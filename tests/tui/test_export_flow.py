"""Export from the results view (`e`) and through `start_export` (the main screen's entry point): save dialog,
format choice, streamed atomic write, and the file's content in each format."""

from __future__ import annotations

import csv
import json

import pytest
from textual.widgets import Input
from textual_fspicker.base_dialog import Dialog

from batchtui.core.client import BatchApi
from batchtui.core.export import CSV_COLUMNS
from batchtui.core.models import ResultFilter
from batchtui.core.sync import SyncEngine
from batchtui.tui.file_dialogs import SaveFile
from batchtui.tui.screens.export import ExportProgress, format_for, start_export
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.results_support import (
    BATCH_ID,
    ResultsHostApp,
    choose_format,
    errored_line,
    finish_export,
    mixed_lines,
    save_as,
    screen_text,
    seed_batch,
    settle,
    succeeded_line,
    wait_for,
)

SIZE = (120, 40)
N = 300


@pytest.fixture
async def lines(cache_store):
    lines = mixed_lines(N)
    # Cells a spreadsheet would run as formulas (CSV injection).
    lines[1] = succeeded_line("req-000001", '=HYPERLINK("http://evil.example","click")')
    lines[3] = errored_line("req-000003", "invalid_request_error", "@SUM(A1:A9) is not a valid request")
    await seed_batch(cache_store, lines)
    return lines


def notifications(app: ResultsHostApp) -> list[str]:
    return app.notified


async def test_export_marked_rows_as_jsonl(cache_store, lines, tmp_path):
    app = ResultsHostApp(cache_store)
    out = tmp_path / "marked.jsonl"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("3")  # the marks survive a filter change, and the export ignores the filter
        await settle(pilot, app)
        await pilot.press("space", "space", "1")
        await settle(pilot, app)
        await pilot.press("down", "down", "space")
        await settle(pilot, app)
        assert app.screen.query_one(ResultsTable).marked == {"req-000003", "req-000007", "req-000002"}
        await pilot.press("e")
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "jsonl"
        await finish_export(pilot, app)
        assert f"Exported 3 results to {out}" in notifications(app)
        assert not isinstance(app.screen, ExportProgress | SaveFile)
    # JSONL is the API's own lines, untouched, in custom_id order.
    assert out.read_text().splitlines() == [lines[2], lines[3], lines[7]]
    assert not list(tmp_path.glob(".*.partial"))


async def test_export_current_filter_as_csv(cache_store, lines, tmp_path):
    app = ResultsHostApp(cache_store)
    out = tmp_path / "errored.csv"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("3", "e")
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app) == "csv"  # from the extension
        await finish_export(pilot, app)
        assert f"Exported {N // 5} results to {out}" in notifications(app)
    with out.open(newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == CSV_COLUMNS
    assert len(table) == 1 + N // 5
    assert {row[1] for row in table[1:]} == {"errored"}
    first = dict(zip(table[0], table[1], strict=True))
    assert first["custom_id"] == "req-000003"
    assert first["error_message"] == "'@SUM(A1:A9) is not a valid request"  # neutralised formula


async def test_export_search_result_as_markdown_with_format_override(cache_store, lines, tmp_path):
    app = ResultsHostApp(cache_store)
    out = tmp_path / "hyperlink.txt"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("c", *"req-00000", "enter")
        await settle(pilot, app)
        await pilot.press("e")
        await save_as(pilot, app, out)
        assert await choose_format(pilot, app, "md") == "jsonl"  # .txt says nothing; the user picks Markdown
        await finish_export(pilot, app)
    text = out.read_text()
    assert text.startswith(f"# Results of `{BATCH_ID}`\n")
    assert text.count("\n## `req-00000") == 10
    assert "## `req-000001` — succeeded" in text and '=HYPERLINK("http://evil.example","click")' in text
    assert "## `req-000003` — errored" in text and "**Error:** `invalid_request_error`" in text


async def test_start_export_of_whole_batches_csv_formula_cells(cache_store, lines, tmp_path):
    other = "msgbatch_01OtherBatch000000000000"
    await seed_batch(cache_store, [succeeded_line("zz-1", "+1 555 0100 is the number")], batch_id=other, label=None)
    app = ResultsHostApp(cache_store, batch_id=None)
    out = tmp_path / "both"  # no extension: the chosen format's is added
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        start_export(app, [BATCH_ID, other], ResultFilter())
        await save_as(pilot, app, out)
        await choose_format(pilot, app, "csv")
        await finish_export(pilot, app)
    with (tmp_path / "both.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == N + 1
    by_id = {r["custom_id"]: r for r in rows}
    assert by_id["req-000001"]["text"] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_id["zz-1"]["text"] == "'+1 555 0100 is the number"


async def test_cancel_in_save_dialog_writes_nothing(cache_store, lines, tmp_path, monkeypatch):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    monkeypatch.chdir(out_dir)
    app = ResultsHostApp(cache_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        from textual_fspicker import FileSave

        await wait_for(pilot, lambda: isinstance(app.screen, FileSave))
        assert app.screen.query_one(Input).value == f"{BATCH_ID}-results.jsonl"  # a default name
        await pilot.press("escape")
        await finish_export(pilot, app)
        assert not notifications(app)
    assert list(out_dir.iterdir()) == []


async def test_nothing_to_export(cache_store, lines):
    app = ResultsHostApp(cache_store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("c", *"no-such-id", "enter")
        await settle(pilot, app)
        await pilot.press("e")
        await finish_export(pilot, app)
        assert notifications(app) == ["Nothing to export."]


async def test_a_path_that_cannot_be_written_is_refused_in_the_dialog_with_why(cache_store, lines, tmp_path):
    app = ResultsHostApp(cache_store)
    out = tmp_path / "no-such-dir" / "x.csv"
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await save_as(pilot, app, out)
        await choose_format(pilot, app)
        await pilot.pause()
        assert isinstance(app.screen, SaveFile)  # still asking: nothing started
        assert "No folder" in screen_text(app)  # why, in the dialog's bottom edge
        assert str(app.screen.query_one(Dialog).border_subtitle).startswith(f"No folder {out.parent}: create it")
        assert not notifications(app)
        assert app.is_running
    assert not out.parent.exists()


async def test_export_failure_is_reported(cache_store, lines, tmp_path, monkeypatch):
    app = ResultsHostApp(cache_store)
    out = tmp_path / "x.csv"

    def broken(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("batchtui.tui.screens.export.export", broken)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await save_as(pilot, app, out)
        await choose_format(pilot, app)
        await finish_export(pilot, app)
        assert notifications(app)[-1] == "Export failed: [Errno 28] No space left on device"
        assert not isinstance(app.screen, ExportProgress)
        assert app.is_running
    assert not out.exists()


def test_format_from_extension():
    from pathlib import Path

    assert [format_for(Path(p)) for p in ("a.JSONL", "b.csv", "c.md", "d.markdown", "e.txt", "f")] == [
        "jsonl",
        "csv",
        "md",
        "md",
        "jsonl",
        "jsonl",
    ]


@pytest.mark.emulator(batch_seconds=1)
async def test_export_downloads_missing_results_first(batch_emulator, cache_store, tmp_path):
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    try:
        requests = [
            {
                "custom_id": f"q-{i:04d}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 64,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            }
            for i in range(50)
        ]
        batch = await api.sdk.messages.batches.create(requests=requests)
        batch_emulator.clock.advance(5)
        engine = SyncEngine(cache_store, api)
        await engine.refresh()
        assert (await cache_store.get_batch(batch.id)).results_state != "complete"
        app = ResultsHostApp(cache_store, batch_id=None, engine=engine, api=api)
        out = tmp_path / "downloaded.jsonl"
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            start_export(app, [batch.id], ResultFilter())
            await save_as(pilot, app, out)
            await choose_format(pilot, app)
            await finish_export(pilot, app)
            assert f"Exported 50 results to {out}" in notifications(app)
        exported = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["custom_id"] for r in exported] == [f"q-{i:04d}" for i in range(50)]
        assert (await cache_store.get_batch(batch.id)).results_state == "complete"
    finally:
        await api.close()
