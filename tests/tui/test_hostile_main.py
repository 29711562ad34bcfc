"""Untrusted text is inert on the main screen and its dialogs: labels, file names, model names, custom_ids, error
messages and API paths with markup (`[@click=app.quit]`, `[/`, `[TODO]`) or terminal escapes are shown literally,
run nothing, crash nothing, and no ESC reaches the terminal."""

from __future__ import annotations

import json

from textual.widgets import Static

from batchtui.core.activity import ApiCall
from batchtui.core.sanitize import clean
from batchtui.core.sync import BatchEnded, SyncFailed
from batchtui.tui.messages import ApiCallMessage, SyncEventMessage
from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.screens.create import CreateScreen
from batchtui.tui.widgets.activity_panel import ActivityPanel
from batchtui.tui.widgets.batch_table import BatchTable
from batchtui.tui.widgets.detail_pane import DetailPane
from batchtui.tui.widgets.status_bar import StatusBar
from tests.tui.app_support import HOSTILE, SIZE, screen_text, settle, table_of
from tests.tui.snapshot_apps.fixed import FIXED_NOW, PLAN, FixedApp

CANCELABLE = [PLAN[0][0], PLAN[1][0], PLAN[3][0]]  # in progress: their labels reach the confirm dialog
ENDED = PLAN[4][0]
LABELS = dict(zip(CANCELABLE, HOSTILE[:3], strict=True)) | {PLAN[2][0]: HOSTILE[3], ENDED: HOSTILE[4]}
SHOWN = [clean(h) for h in HOSTILE]  # what a user must see: the text itself, controls made visible


def assert_inert(app, text: str) -> None:
    assert app.is_running and app.return_code is None
    assert "\x1b" not in text and "\x07" not in text
    assert "\x1b" not in app.export_screenshot()


async def test_labels_in_the_list_detail_and_confirm_dialog():
    app = FixedApp(labels=LABELS)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        for batch_id, label in LABELS.items():
            assert str(table.get_cell(batch_id, "name")) == clean(label)
        text = screen_text(app)
        for shown in SHOWN:
            assert shown in text
        # Clicking the would-be link runs nothing (it only moves the cursor there).
        await pilot.click(BatchTable, offset=(8, 2))
        await pilot.pause()
        assert app.is_running and table.cursor_batch_id == CANCELABLE[1]
        await pilot.press("up")
        detail = str(app.main_screen.query_one(DetailPane).query_one("#detail-batch").render())
        assert clean(HOSTILE[0]) in detail

        await pilot.press("space", "down", "space", "down", "space", "down", "space", "c")
        assert isinstance(app.screen, ConfirmScreen)
        dialog = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "Cancel 3 batches?" in dialog
        for shown in SHOWN[:3]:
            assert shown in dialog
        assert_inert(app, screen_text(app))
        await pilot.press("n")
        assert_inert(app, screen_text(app))


async def test_source_file_results_error_and_ended_toast(monkeypatch):
    app = FixedApp(labels=LABELS)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await app.store.set_local(ENDED, source_file="/tmp/[@click=app.quit]x[/]\x1b[2J.jsonl")
        await app.store.set_results_state(ENDED, "failed", error="[/ boom \x1b]52;c;evil\x07 [TODO]")
        app.main_screen.reload()
        await settle(pilot, app)
        table_of(app).select_batch(ENDED)
        await settle(pilot, app)
        local = str(app.main_screen.query_one(DetailPane).query_one("#detail-local").render())
        assert "/tmp/[@click=app.quit]x[/]␛[2J.jsonl" in local
        assert "failed: [/ boom ␛]52;c;evil␇ [TODO]" in local
        app.post_message(SyncEventMessage(BatchEnded(ENDED)))  # the toast names the batch by its label
        await settle(pilot, app)
        toast = next(n for n in app._notifications if n.title == "Batch ended")
        assert clean(HOSTILE[4]) in toast.message and not toast.markup
        assert_inert(app, screen_text(app))


async def test_sync_errors_and_api_calls(monkeypatch):
    app = FixedApp()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        message = "API error 500: [@click=app.quit]x[/] [/ \x1b[2J [TODO]"
        app.post_message(SyncEventMessage(SyncFailed(message, transient=True, retry_in=30)))
        call = ApiCall(FIXED_NOW, "GET", "/v1/messages/batches/[/x]\x1b[2J", None, 12.0, "req_[TODO]", message)
        app.post_message(ApiCallMessage(call))
        await settle(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        status = str(app.main_screen.query_one(StatusBar).render())
        assert clean(message) in status
        assert any(clean(message) == n.message and not n.markup for n in app._notifications)
        logged = [line.text for line in app.main_screen.query_one(ActivityPanel).lines]
        assert any("/v1/messages/batches/[/x]␛[2J" in line and "req_[TODO]" in line for line in logged)
        await pilot.click(StatusBar, offset=(40, 0))
        assert_inert(app, screen_text(app))


async def test_file_name_models_and_custom_ids_in_the_create_preview(tmp_path):
    path = tmp_path / "[@click=app.quit]x[TODO]\x1b]52;c;evil\x07.jsonl"
    params = {"model": "[@click=app.quit]m[/]", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    lines = [
        {"custom_id": "ok-1", "params": params},
        {"custom_id": "[/\x1b[2J", "params": params},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    app = FixedApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        text = screen_text(app)
        title = str(app.screen.query_one("#create-title", Static).render())
        assert title.endswith("/[@click=app.quit]x[TODO]␛]52;c;evil␇.jsonl")  # the file name, literally
        summary = str(app.screen.query_one("#create-summary", Static).render())
        assert "[@click=app.quit]m[/] ×2" in summary  # a model name from the file
        problems = str(app.screen.query_one("#create-problem-list", Static).render())
        assert "line 2" in problems and '"[/\\u001b[2J"' in problems  # the bad custom_id, quoted as JSON
        assert app.screen.query_one("#create-label").value == "[@click=app.quit]x[TODO]␛]52;c;evil␇"
        await pilot.click("#create-problem-list")
        assert_inert(app, text)


async def test_a_filter_that_looks_like_markup(monkeypatch):
    app = FixedApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"[/x", "[")
        await pilot.pause()
        assert table_of(app).row_count == 0
        assert "No batch matches “[/x[”" in screen_text(app)
        assert_inert(app, screen_text(app))
