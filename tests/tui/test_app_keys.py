"""Keys of the main screen: marks, filter, refresh, open, export, activity, help, the command palette and remaps."""

from __future__ import annotations

import sys
import types
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from batchtui.core.models import ResultFilter
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.commands import BatchCommands
from batchtui.tui.keymap import load_keymap
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.widgets.activity_panel import ActivityPanel
from batchtui.tui.widgets.batch_table import MARK, BatchTable
from batchtui.tui.widgets.key_footer import KeyFooter
from tests.tui.app_support import SIZE, add_batch, cell_text, screen_text, settle, table_of


async def three_batches(emu) -> list[str]:
    ids = [await add_batch(emu, 2, ago=ago) for ago in (300, 200, 100)]
    return ids[::-1]  # newest first, as listed


async def test_space_marks_and_escape_clears(make_app, batch_emulator):
    newest, middle, _ = await three_batches(batch_emulator)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("space", "down", "space")
        assert app.main_screen.marks == {newest, middle}
        assert cell_text(app, newest, "mark") == MARK and cell_text(app, middle, "mark") == MARK
        assert "2 marked" in screen_text(app)
        await pilot.press("space")  # again: unmark
        assert app.main_screen.marks == {newest}
        await pilot.press("escape")
        assert app.main_screen.marks == set()
        assert cell_text(app, newest, "mark") == " "


async def test_filter_by_label_id_or_status_and_escape_clears(make_app, batch_emulator, cache_store):
    newest, middle, oldest = await three_batches(batch_emulator)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await cache_store.set_label(middle, "Weekly Digest")
        app.main_screen.reload()
        await settle(pilot, app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"digest")
        assert table_of(app).batch_ids == [middle]  # case-insensitive, by label
        await pilot.press("enter")
        assert isinstance(app.focused, BatchTable)  # the filter stays, the list has the keys again
        assert table_of(app).batch_ids == [middle]
        assert "1 of 3 shown" in screen_text(app)
        await pilot.press("escape")  # clears the filter
        assert table_of(app).batch_ids == [newest, middle, oldest]
        await pilot.press("slash", *oldest[-6:])
        assert table_of(app).batch_ids == [oldest]  # by id
        await pilot.press("escape")
        assert table_of(app).batch_ids == [newest, middle, oldest]
        assert not app.main_screen.query_one("#filter").display
        await pilot.press("slash", *"nothing-like-this")
        assert table_of(app).row_count == 0
        assert "No batch matches" in screen_text(app)


async def test_r_refreshes_through_the_engine(make_app, batch_emulator):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert table_of(app).row_count == 0
        assert "No batches yet" in screen_text(app)
        batch_id = await add_batch(batch_emulator, 2)
        await pilot.press("r")
        await settle(pilot, app)
        assert table_of(app).batch_ids == [batch_id]
        assert app.sync_state.last_ok is not None and app.sync_state.error is None


async def test_enter_and_click_open_the_results_of_the_cursor_batch(make_app, batch_emulator, monkeypatch):
    newest, middle, _ = await three_batches(batch_emulator)
    app = make_app()
    opened: list[str] = []
    monkeypatch.setattr(app, "open_results", opened.append)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("down", "enter")
        assert opened == [middle]
        # Mouse: a click selects a row, a second click on the selected row opens it.
        await pilot.click(BatchTable, offset=(8, 1))
        await pilot.click(BatchTable, offset=(8, 1))
        await pilot.pause()
        assert opened == [middle, newest]


async def test_e_exports_the_marked_batches(make_app, batch_emulator, monkeypatch):
    newest, _, oldest = await three_batches(batch_emulator)
    calls = []
    fake = types.ModuleType("batchtui.tui.screens.export")
    fake.start_export = lambda app, ids, flt, custom_ids=None, name=None: calls.append((app, ids, flt))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "batchtui.tui.screens.export", fake)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("e")
        assert calls == [(app, [newest], ResultFilter())]  # nothing marked: the cursor's batch
        await pilot.press("space", "down", "down", "space", "e")
        assert calls[-1] == (app, [newest, oldest], ResultFilter())


async def test_activity_panel_lists_api_calls(make_app, batch_emulator):
    await add_batch(batch_emulator, 2)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = app.main_screen.query_one(ActivityPanel)
        assert not panel.display
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("a")
        await pilot.pause()
        assert panel.display
        lines = [str(line.text) for line in panel.lines]
        assert any("GET" in line and "/v1/messages/batches" in line and " 200 " in line for line in lines)
        assert any("req_" in line for line in lines)  # the request-id
        await pilot.press("a")
        assert not panel.display


async def test_help_lists_every_binding_and_the_config_file(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-keys").render())
        for binding in [*MainScreen.BINDINGS, *BatchTuiApp.BINDINGS]:
            assert binding.id in text and binding.description in text  # type: ignore[union-attr]
        assert "config.toml" in text and "[keymap]" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_help_over_help_is_not_stacked_and_the_footer_beneath_stays(make_app):
    """With help.close moved off `?`, the app's `?` reaches the open help: it opens no second one. The footer of
    the screen beneath keeps its keys while help is up (hiding `?` there redrew the dimmed backdrop)."""
    app = make_app(keymap={"help.close": "escape"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        footer = app.main_screen.query_one(KeyFooter)
        before = footer.plan()
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        assert footer.plan() == before and "help" in {spec.action for spec in before}
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert sum(isinstance(s, HelpScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_keymap_remaps_by_binding_id(make_app, batch_emulator):
    await add_batch(batch_emulator, 2)
    app = make_app(keymap={"batch.mark": "m", "app.help": "f1"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("space")
        assert app.main_screen.marks == set()  # the old key no longer marks
        await pilot.press("m")
        assert len(app.main_screen.marks) == 1
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert " m " in str(app.screen.query_one("#help-keys").render())


def test_load_keymap(tmp_path: Path):
    assert load_keymap(tmp_path / "missing.toml") == ({}, [])
    good = tmp_path / "config.toml"
    good.write_text('[keymap]\n"batch.new" = "ctrl+n"\n"batch.cancel" = "x, delete"\n"batch.mark" = 3\n')
    keymap, problems = load_keymap(good)
    assert keymap == {"batch.new": "ctrl+n", "batch.cancel": "x,delete"}
    assert len(problems) == 1 and "batch.mark" in problems[0]
    broken = tmp_path / "broken.toml"
    broken.write_text("[keymap\n")
    keymap, problems = load_keymap(broken)
    assert keymap == {} and "default keys" in problems[0]


async def test_command_palette_offers_only_what_applies(make_app, batch_emulator):
    running = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    ended = await add_batch(batch_emulator, 2, ago=7200, duration=60)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)

        async def names() -> list[str]:
            provider = BatchCommands(app.screen)
            return [str(hit.text) async for hit in provider.discover()]

        assert table_of(app).cursor_batch_id == running
        offered = await names()
        assert "batch: cancel" in offered and "batch: delete" not in offered
        assert "batch: new from a file" in offered and "help: keys" in offered
        await pilot.press("down")
        assert table_of(app).cursor_batch_id == ended
        offered = await names()
        assert "batch: delete" in offered and "batch: cancel" not in offered
        # Run one through the palette itself.
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"view: show or hide", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.main_screen.query_one(ActivityPanel).display
