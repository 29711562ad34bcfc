"""Untrusted text is inert: markup in model output, error messages, prompts, labels, ids and file names is shown
literally (never run, never a crash, never swallowed) and no control character reaches the terminal."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from batchtui.core.client import BatchApi
from batchtui.core.sync import SyncEngine
from batchtui.tui.screens.export import ExportProgress
from batchtui.tui.widgets.filter_bar import FilterBar
from batchtui.tui.widgets.result_detail import ResultDetail
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.results_support import (
    BATCH_ID,
    HOSTILE,
    HOSTILE_TEXT,
    ResultsHostApp,
    choose_format,
    control_chars_on_screen,
    errored_line,
    finish_export,
    request_params,
    save_as,
    screen_text,
    seed_batch,
    settle,
    succeeded_line,
    wait_for,
)

SIZE = (160, 50)
ODD_ID = "odd[@click=app.quit]id[/]\x1b[2J"  # the API forbids such ids; a hostile server could still send one
HOSTILE_LABEL = "[@click=app.quit]label[/] [TODO] \x1b]0;title\x07"


@pytest.fixture
async def store(cache_store):
    lines = [
        succeeded_line("a-answer", HOSTILE_TEXT),
        errored_line("b-error", "[/", "Bad request: [@click=app.quit]x[/] [TODO] \x1b[2J \x1b]52;c;ZXZpbA==\x07"),
        succeeded_line(ODD_ID, "fine"),
    ]
    prompts = {
        "a-answer": request_params(
            "Please repeat: [@click=app.quit]x[/] [/ [TODO] \x1b[2J", system="[b]sys[/b] \x9b2J"
        ),
        "b-error": request_params("x"),
    }
    await seed_batch(cache_store, lines, prompts=prompts, label=HOSTILE_LABEL)
    await cache_store.set_label(BATCH_ID, HOSTILE_LABEL)
    return cache_store


def assert_inert(app: ResultsHostApp) -> None:
    assert app.is_running and app.return_code is None
    assert control_chars_on_screen(app) == set()


async def test_table_detail_and_header_show_hostile_text_literally(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert_inert(app)
        text = screen_text(app)
        assert "[@click=app.quit]label[/] [TODO] ␛]0;title␇" in text  # the header's label
        table = app.screen.query_one(ResultsTable)
        assert "Answer: [@click=app.quit]x[/] | [/ | [TODO] | ␛]52;c;ZXZpbA==␇ | ␛[2J" in table.render_line(1).text
        assert " [/ " in table.render_line(2).text  # the error type column
        assert table.render_line(3).text.lstrip().startswith("odd[@click=app.quit]id[…")  # cut to its column

        detail = app.screen.query_one(ResultDetail)
        assert detail.response_text == HOSTILE_TEXT.replace("\x1b", "␛").replace("\x07", "␇")
        prompt = str(detail.query_one("#detail-prompt", Static).content)
        assert "[b]sys[/b] \ufffd2" in prompt and "Please repeat: [@click=app.quit]x[/] [/ [TODO] ␛[2J" in prompt
        # Clicking where the would-be links are runs nothing.
        await pilot.click("#detail-response", offset=(12, 0))
        await pilot.click(ResultsTable, offset=(80, 1))
        await pilot.pause()
        assert_inert(app)

        await pilot.press("down")
        await settle(pilot, app)
        error = str(detail.query_one("#detail-error", Static).content)
        assert error == "error [/\nBad request: [@click=app.quit]x[/] [TODO] ␛[2J ␛]52;c;ZXZpbA==␇"
        assert_inert(app)

        await pilot.press("down", "y")  # copy the odd id: exact on the clipboard, cleaned in the toast
        await settle(pilot, app)
        assert app.clipboard == ODD_ID
        assert "Copied odd[@click=app.quit]id[/]␛[2J" in screen_text(app)
        assert_inert(app)


async def test_hostile_error_type_in_filter_choices_and_search(store):
    app = ResultsHostApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        select = await app.screen.query_one(FilterBar).error_type()
        select.value = "[/"
        await settle(pilot, app)
        table = app.screen.query_one(ResultsTable)
        assert table.row_count == 1 and table.cursor_row.custom_id == "b-error"
        assert "[/ (1)" in screen_text(app)
        await pilot.press("slash", *"[/ [TODO] @click", "enter")  # query syntax is searched as words, not parsed
        await settle(pilot, app)
        assert table.row_count == 1
        assert_inert(app)


async def test_export_dialogs_and_notifications_with_hostile_file_name(store, tmp_path):
    app = ResultsHostApp(store)
    out = tmp_path / "out [@click=app.quit]x[TODO] [ \x1b[2J.md"  # no "/": that would be a directory
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await save_as(pilot, app, out)
        await pilot.pause()
        assert_inert(app)  # the path box shows the name as typed, nothing parsed, no escape reaching the terminal
        assert await choose_format(pilot, app) == "md"
        await finish_export(pilot, app)
        assert not isinstance(app.screen, ExportProgress)
        assert app.notified[-1] == "Exported 3 results to " + str(out).replace("\x1b", "␛")
        assert all(not n.markup for n in app._notifications)  # toasts show the text as it is
        assert "Exported 3 results to" in screen_text(app)
        assert_inert(app)
    content = out.read_text()
    assert "[@click=app.quit]x[/]" in content  # the file holds the data as it is


@pytest.mark.emulator(batch_seconds=1)
async def test_hostile_prompts_through_the_emulator(batch_emulator, cache_store):
    """The emulator's replies quote the prompt: hostile prompts become hostile model output, end to end."""
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    try:
        requests = [
            {
                "custom_id": f"h-{i}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 512,
                    "messages": [{"role": "user", "content": s}],
                },
            }
            for i, s in enumerate(HOSTILE)
        ]
        batch = await api.sdk.messages.batches.create(requests=requests)
        batch_emulator.clock.advance(5)
        engine = SyncEngine(cache_store, api)
        await engine.refresh()
        app = ResultsHostApp(cache_store, batch_id=batch.id, engine=engine, api=api)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ResultsTable)
            await wait_for(pilot, lambda: table.row_count == len(HOSTILE), within=30)
            await settle(pilot, app)
            assert "[@click=app.quit]x[/]" in app.screen.query_one(ResultDetail).response_text
            for _ in HOSTILE:
                await pilot.press("down")
                await settle(pilot, app)
                assert_inert(app)
            replies = [table.row_at(i).text for i in range(len(HOSTILE))]
            assert any("␛]52;c;ZXZpbA==␇" in r for r in replies) and any("[TODO]" in r for r in replies)
    finally:
        await api.close()
