"""Create (`n`): file dialog → preview (count, size, models, problems by line, cost, label) → submit → listed."""

from __future__ import annotations

from textual.widgets import Button, Input, Static
from textual_fspicker import FileOpen

from batchtui.tui.screens.create import CreateScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, requests, settle, table_of, write_requests


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_pick_preview_submit_and_the_batch_is_listed_and_selected(make_app, tmp_path, cache_store):
    path = write_requests(tmp_path / "questions.jsonl", requests(12))
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FileOpen)
        app.screen.query_one(Input).value = str(path)  # typed into the dialog's file name box
        await pilot.click("#select")
        await settle(pilot, app)

        assert isinstance(app.screen, CreateScreen)
        summary = text_of(app, "#create-summary")
        assert "12 requests" in summary and "claude-haiku-4-5 ×12" in summary and "$" in summary
        assert not app.screen.query_one("#create-submit", Button).disabled
        assert app.screen.query_one("#create-label", Input).value == "questions"
        app.screen.query_one("#create-label", Input).value = "twelve questions"
        await pilot.press("ctrl+s")
        await settle(pilot, app)

        assert isinstance(app.screen, MainScreen)
        batches = await cache_store.list_batches()
        assert len(batches) == 1 and batches[0].label == "twelve questions"
        assert batches[0].request_counts.total == 12 and batches[0].source_file == str(path)
        assert table_of(app).cursor_batch_id == batches[0].id  # listed at once, and selected
        assert any(n.title == "Batch submitted" for n in app._notifications)
        assert sum(1 for c in app.activity if c.method == "POST") == 1


async def test_upload_progress_is_shown_while_submitting(make_app, tmp_path):
    path = write_requests(tmp_path / "big.jsonl", requests(30_000))
    app = make_app()
    seen: list[tuple[str, int, int]] = []

    def hook(message) -> None:
        if isinstance(message, CreateScreen.Progress):
            seen.append((message.phase, message.done, message.total))

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        await pilot.click("#create-submit")
        await settle(pilot, app)
        uploads = [s for s in seen if s[0] == "upload"]
        assert len(uploads) > 1 and uploads[-1][1] == uploads[-1][2]  # several steps, ending at 100 %
        assert isinstance(app.screen, MainScreen)


async def test_a_bad_file_lists_problems_by_line_and_cannot_be_submitted(make_app, tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [r for r in requests(3)]
    lines[1]["custom_id"] = "has space"
    del lines[2]["params"]["max_tokens"]
    write_requests(path, lines)
    with path.open("a") as f:
        f.write('{"custom_id": "x", "params": \n')
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        problems = text_of(app, "#create-problem-list")
        assert "line 2" in problems and "custom_id" in problems
        assert "line 3" in problems and "max_tokens" in problems
        assert "line 4" in problems and "JSON" in problems
        assert app.screen.query_one("#create-submit", Button).disabled
        assert "fix the 3 problems first" in text_of(app, "#create-blocked")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, CreateScreen)  # nothing happened
        assert not any(c.method == "POST" for c in app.activity)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_an_unreadable_file_is_reported_not_raised(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(tmp_path / "does-not-exist.jsonl"))
        await settle(pilot, app)
        assert app.is_running and isinstance(app.screen, CreateScreen)
        assert app.screen.query_one("#create-submit", Button).disabled


async def test_escape_in_the_file_dialog_changes_nothing(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FileOpen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert table_of(app).row_count == 0
