"""A file sent as a group of batches, in the batch list on the real stack: one row with its parts summed, expanded
and collapsed (`p`, `right`, `left`), updated in place as its parts end, found by the `/` filter by its name or a
part's id, and marked as a whole."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from batchtui.core import fmt
from batchtui.core.sanitize import clean
from batchtui.core.spend import UNKNOWN
from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.widgets.batch_table import MARK
from batchtui.tui.widgets.group_rows import COLLAPSED, EXPANDED
from tests.tui.app_support import HOSTILE, SIZE, add_batch, cell_text, screen_text, settle, table_of
from tests.tui.group_support import send_group


async def test_a_group_is_one_row_with_its_parts_summed(make_app, cache_store, live_api, batch_emulator, tmp_path):
    outcome = await send_group(cache_store, live_api, tmp_path)  # 10 requests: parts of 4, 4 and 2
    older = await add_batch(batch_emulator, 3, ago=3600)
    group_id = outcome.group.id  # type: ignore[union-attr]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        assert table.batch_ids == [group_id, older]  # the parts are not listed on their own
        name = cell_text(app, group_id, "name")
        assert name.startswith(f"{COLLAPSED} big run") and name.endswith("3 parts")
        assert cell_text(app, group_id, "status") == "in progress"
        assert cell_text(app, group_id, "processing") == "10"
        assert cell_text(app, group_id, "total") == "10"
        assert cell_text(app, group_id, "succeeded") == "0"
        assert cell_text(app, group_id, "cost") == "—"  # not known until every part's is
        assert "4 batches" in screen_text(app)  # the status bar counts batches, the group's parts included
        assert app.main_screen.check_action("toggle_group", ()) is True
        await pilot.press("down")  # a batch that is no part of a group: the group keys are greyed out
        assert app.main_screen.check_action("toggle_group", ()) is None
        assert app.main_screen.check_action("label", ()) is True
        await pilot.press("up")
        assert app.main_screen.check_action("label", ()) is None  # a group has no label of its own to edit


async def test_the_group_keys_are_hidden_when_there_is_no_group(make_app, batch_emulator):
    await add_batch(batch_emulator, 3, ago=60)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.check_action("toggle_group", ()) is False
        assert "Parts" not in screen_text(app).splitlines()[-1]  # not in the footer


async def test_p_right_and_left_show_and_hide_the_parts(make_app, cache_store, live_api, batch_emulator, tmp_path):
    outcome = await send_group(cache_store, live_api, tmp_path)
    older = await add_batch(batch_emulator, 3, ago=3600)
    group_id = outcome.group.id  # type: ignore[union-attr]
    parts = outcome.batch_ids
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("p")
        assert table.batch_ids == [group_id, *parts, older]  # beneath it, in part order
        assert cell_text(app, group_id, "name").startswith(EXPANDED)
        assert cell_text(app, parts[0], "name") == "  ├ part 1 of 3"
        assert cell_text(app, parts[2], "name") == "  └ part 3 of 3"
        assert cell_text(app, parts[1], "total") == "4"  # each part is an ordinary batch row
        assert table.cursor_batch_id == group_id  # the cursor stayed on the group
        await pilot.press("p")
        assert table.batch_ids == [group_id, older]

        await pilot.press("right")
        assert table.batch_ids == [group_id, *parts, older]
        await pilot.press("down", "down")
        assert table.cursor_batch_id == parts[1]
        assert "part 2 of 3" in str(app.main_screen.query_one("#detail-local").render())  # the batch pane names it
        await pilot.press("left")  # from a part: hides them, and the cursor goes up to the group
        assert table.batch_ids == [group_id, older]
        assert table.cursor_batch_id == group_id
        await pilot.press("down", "right", "left")  # not a group: right and left change nothing
        assert table.batch_ids == [group_id, older] and table.cursor_batch_id == older


async def test_the_group_row_updates_in_place_as_its_parts_end(
    make_app, cache_store, live_api, batch_emulator, engine, tmp_path, monkeypatch
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    older = await add_batch(batch_emulator, 3, ago=3600, duration=7200)
    group_id = outcome.group.id  # type: ignore[union-attr]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("down")
        assert table.cursor_batch_id == older
        structural: list[str] = []
        monkeypatch.setattr(table, "add_row", lambda *a, **k: structural.append("add"))
        monkeypatch.setattr(table, "remove_row", lambda *a, **k: structural.append("remove"))
        monkeypatch.setattr(table, "clear", lambda *a, **k: structural.append("clear"))

        batch_emulator.clock.advance(120)  # every part ends (about 30 s each); the other batch still runs
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, group_id, "status") == "ended"
        assert cell_text(app, group_id, "processing") == "0"
        counts = [int(cell_text(app, group_id, k)) for k in ("succeeded", "errored", "canceled", "expired")]
        assert sum(counts) == 10
        assert structural == [] and table.cursor_batch_id == older  # cells changed in place

        for batch_id in outcome.batch_ids:  # their results arrive: the sum of the parts' costs is known
            await engine.ensure_download(batch_id)
        await settle(pilot, app)
        costs = [(await cache_store.get_batch(b)).cost_usd for b in outcome.batch_ids]  # type: ignore[union-attr]
        assert all(c is not None for c in costs)
        assert cell_text(app, group_id, "cost") == fmt.money(sum(costs))  # type: ignore[arg-type]
        assert cell_text(app, group_id, "cost") != UNKNOWN
        assert structural == []


async def test_the_filter_finds_a_group_by_name_and_by_a_parts_id(
    make_app, cache_store, live_api, batch_emulator, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path, label="nightly sweep")
    other = await add_batch(batch_emulator, 3, ago=3600)
    group_id = outcome.group.id  # type: ignore[union-attr]
    part = outcome.batch_ids[1]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("slash", *"SWEEP")
        await settle(pilot, app)
        assert table.batch_ids == [group_id]  # by name, case-insensitive; collapsed
        app.main_screen.query_one("#filter").value = part[-10:]
        await settle(pilot, app)
        assert table.batch_ids == [group_id, part]  # the part that matched, shown beneath its group
        assert cell_text(app, part, "name") == "  └ part 2 of 3"
        app.main_screen.query_one("#filter").value = other[-10:]
        await settle(pilot, app)
        assert table.batch_ids == [other]
        await pilot.press("escape")
        await settle(pilot, app)
        assert table.batch_ids == [group_id, other]


@pytest.mark.parametrize("expanded", [False, True])
async def test_marking_a_group_marks_its_parts(make_app, cache_store, live_api, batch_emulator, tmp_path, expanded):
    outcome = await send_group(cache_store, live_api, tmp_path)
    await add_batch(batch_emulator, 3, ago=3600)
    group_id = outcome.group.id  # type: ignore[union-attr]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        if expanded:
            await pilot.press("p")
        await pilot.press("space")
        assert app.main_screen.marks == set(outcome.batch_ids)
        assert cell_text(app, group_id, "mark") == MARK
        if expanded:
            assert all(cell_text(app, b, "mark") == MARK for b in outcome.batch_ids)
            await pilot.press("down", "space")  # one part unmarked: the group is no longer marked as a whole
            assert cell_text(app, group_id, "mark") == " "
            await pilot.press("up")
        await pilot.press("space")
        if expanded:  # partly marked: space marks every part again
            assert app.main_screen.marks == set(outcome.batch_ids)
            await pilot.press("space")
        assert app.main_screen.marks == set()
        assert cell_text(app, group_id, "mark") == " "


async def test_the_group_keys_are_remapped_by_binding_id(make_app, cache_store, live_api, batch_emulator, tmp_path):
    outcome = await send_group(cache_store, live_api, tmp_path)
    app = make_app(keymap={"group.toggle": "o", "group.expand": "plus", "group.collapse": "minus"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("p")  # no longer bound
        assert len(table.batch_ids) == 1
        await pilot.press("o")
        assert table.batch_ids == [outcome.group.id, *outcome.batch_ids]  # type: ignore[union-attr]
        await pilot.press("minus")
        assert len(table.batch_ids) == 1
        await pilot.press("plus")
        assert len(table.batch_ids) == 4


async def test_a_hostile_group_name_is_shown_literally(make_app, cache_store, live_api, batch_emulator, tmp_path):
    name = " ".join(HOSTILE)
    outcome = await send_group(cache_store, live_api, tmp_path, label=name)
    group_id = outcome.group.id  # type: ignore[union-attr]
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, group_id, "name").startswith(f"{COLLAPSED} {clean(name)[:10]}")
        assert clean(HOSTILE[0]) in str(app.main_screen.query_one("#detail-batch").render())
        await pilot.press("c")  # the confirm dialog names the group
        assert isinstance(app.screen, ConfirmScreen)
        assert clean(name) in "\n".join(str(s.render()) for s in app.screen.query(Static))
        await pilot.press("n", "enter")  # the group's results: its name in the header
        await settle(pilot, app)
        text = screen_text(app)
        assert clean(name)[:40] in text
        assert app.is_running and "\x1b" not in text and "\x1b" not in app.export_screenshot()


async def test_hiding_parts_from_the_last_one_puts_the_cursor_on_its_group(
    make_app, cache_store, live_api, batch_emulator, tmp_path
):
    older = await send_group(cache_store, live_api, tmp_path, label="first run")
    batch_emulator.clock.advance(5)
    newer = await send_group(cache_store, live_api, tmp_path, label="second run")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        assert table.batch_ids == [newer.group.id, older.group.id]  # type: ignore[union-attr]
        await pilot.press("p", "down", "down", "down")
        assert table.cursor_batch_id == newer.batch_ids[2]
        await pilot.press("left")  # the row under the cursor goes: the cursor goes to its group, not the next row
        assert table.cursor_batch_id == newer.group.id  # type: ignore[union-attr]
        await pilot.press("down", "p", "down", "down", "down", "p")  # `p` on a part hides its group's parts too
        assert table.cursor_batch_id == older.group.id  # type: ignore[union-attr]
        assert table.batch_ids == [newer.group.id, older.group.id]  # type: ignore[union-attr]
