"""`l`: a small dialog prefilled with the label; Enter saves it through the service (any batch, one created
elsewhere too) and the row and the detail pane show it at once; hostile text is shown literally, never as markup
and never as a terminal escape."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input

from batchtui.core.sanitize import clean
from batchtui.tui.screens.label import LabelScreen
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.widgets.detail_pane import DetailPane
from tests.tui.app_support import HOSTILE, SIZE, add_batch, cell_text, screen_text, settle


def detail_text(app) -> str:
    return str(app.main_screen.query_one("#detail-batch").render())


async def type_label(pilot, app, text: str) -> None:
    await pilot.press("l")
    await settle(pilot, app)
    assert isinstance(app.screen, LabelScreen)
    box = app.screen.query_one(Input)
    box.value = text
    await pilot.press("enter")
    await settle(pilot, app)


async def test_label_a_batch_created_elsewhere(make_app, batch_emulator, cache_store):
    theirs = await add_batch(batch_emulator, 3, ago=60, duration=3600)  # made by another tool
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, theirs, "name") == theirs[:25] + "…"  # no label: the id, cut
        await type_label(pilot, app, "  weekly   digest ")
        assert isinstance(app.screen, MainScreen)
        assert cell_text(app, theirs, "name") == "weekly digest"  # at once, without a sync
        assert "weekly digest" in detail_text(app)
        assert (await cache_store.get_batch(theirs)).label == "weekly digest"  # type: ignore[union-attr]
        await pilot.press("l")
        await settle(pilot, app)
        assert app.screen.query_one(Input).value == "weekly digest"  # prefilled with the current label
        await pilot.press("escape")  # backs out: nothing changes
        await settle(pilot, app)
        assert (await cache_store.get_batch(theirs)).label == "weekly digest"  # type: ignore[union-attr]
        await type_label(pilot, app, "")  # empty removes it
        assert (await cache_store.get_batch(theirs)).label is None  # type: ignore[union-attr]
        assert cell_text(app, theirs, "name").startswith("msgbatch_")


async def test_hostile_labels_are_shown_literally(make_app, batch_emulator, cache_store):
    batch_id = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    hostile = " ".join(HOSTILE)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await type_label(pilot, app, hostile)
        assert app.is_running  # no `[/` crash, no click-to-quit action
        stored = (await cache_store.get_batch(batch_id)).label  # type: ignore[union-attr]
        assert stored == " ".join(clean(hostile).split())
        assert "\x1b" not in stored and "[@click=app.quit]x[/]" in stored
        pane = str(app.main_screen.query_one(DetailPane).query_one("#detail-batch").render())
        assert "[@click=app.quit]x[/] [/ [TODO]" in pane  # markup-looking text stays as typed
        assert "\x1b" not in screen_text(app)
        await pilot.press("l")
        await settle(pilot, app)
        assert app.screen.query_one(Input).value == stored  # the dialog shows it literally too
        await pilot.press("escape")


async def test_a_label_that_cannot_be_saved_is_said_in_the_dialog(make_app, batch_emulator, cache_store):
    await add_batch(batch_emulator, 2, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        batch = app.main_screen.cursor_batch
        assert batch is not None
        # A batch neither the cache nor the API knows (gone meanwhile): the save fails, the dialog stays, says why.
        screen = LabelScreen(dataclasses.replace(batch, id="msgbatch_01GoneGoneGoneGoneGoneGone"))
        await app.push_screen(screen)
        screen.query_one(Input).value = "late"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.screen is screen
        hint = str(screen.query_one("#label-hint").render())
        assert "Not saved: No batch msgbatch_01GoneGoneGoneGoneGoneGone" in hint
        assert (await cache_store.get_batch(batch.id)).label is None  # type: ignore[union-attr]
