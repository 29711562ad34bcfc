"""Cancel and delete: offered only where they apply, confirmed in a modal, done through the API in a worker."""

from __future__ import annotations

from textual.widgets import Static

from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, add_batch, cell_text, settle


def confirm_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_cancel_asks_then_the_batch_becomes_canceling(make_app, batch_emulator, cache_store):
    batch_id = await add_batch(batch_emulator, 3, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        assert batch_id in confirm_text(app) and "Cancel 1 batch?" in confirm_text(app)
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert cell_text(app, batch_id, "status") == "canceling"
        assert (await cache_store.get_batch(batch_id)).processing_status == "canceling"
        assert any(n.title == "Canceling 1 batch" for n in app._notifications)


async def test_n_and_escape_back_out(make_app, batch_emulator):
    batch_id = await add_batch(batch_emulator, 3, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        for key in ("n", "escape"):
            await pilot.press("c")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, MainScreen)
        assert cell_text(app, batch_id, "status") == "in progress"
        assert app.activity and not any(call.method == "POST" for call in app.activity)


async def test_cancel_is_not_offered_for_an_ended_batch(make_app, batch_emulator):
    await add_batch(batch_emulator, 2, ago=7200, duration=60)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.check_action("cancel", ()) is None  # greyed out in the footer
        assert app.main_screen.check_action("delete", ()) is True
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_cancel_applies_to_every_marked_batch_that_can_be_canceled(make_app, batch_emulator, cache_store):
    ended = await add_batch(batch_emulator, 2, ago=7200, duration=60)
    first = await add_batch(batch_emulator, 2, ago=120, duration=3600)
    second = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("space", "down", "space", "down", "space")  # all three marked
        assert app.main_screen.marks == {ended, first, second}
        await pilot.press("c")
        text = confirm_text(app)
        assert "Cancel 2 batches?" in text and first in text and second in text and ended not in text
        assert "1 marked batch cannot be canceled and is left alone" in text
        await pilot.press("y")
        await settle(pilot, app)
        for batch_id in (first, second):
            assert (await cache_store.get_batch(batch_id)).processing_status == "canceling"
        assert (await cache_store.get_batch(ended)).processing_status == "ended"
        assert app.main_screen.marks == {ended}  # the canceled ones are unmarked


async def test_a_failing_cancel_is_reported_and_the_app_carries_on(make_app, batch_emulator):
    batch_id = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        batch_emulator.faults.inject("server_error", route="cancel", times=5)  # outlasts the SDK's retries
        await pilot.press("c", "y")
        await settle(pilot, app)
        assert app.is_running
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "API error 500" in errors[0].message
        assert cell_text(app, batch_id, "status") == "in progress"


async def test_delete_an_ended_batch_keeps_it_locally(make_app, batch_emulator, cache_store):
    running = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    ended = await add_batch(batch_emulator, 2, ago=7200, duration=60)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.cursor_batch_id == running
        assert app.main_screen.check_action("delete", ()) is None  # in progress: not deletable
        await pilot.press("d")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("down", "d")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Delete 1 ended batch?" in confirm_text(app)
        await pilot.press("y")
        await settle(pilot, app)
        batch = await cache_store.get_batch(ended)
        assert batch is not None and batch.deleted_remotely
        assert batch.results_state == "complete" and await cache_store.stored_result_count(ended) == 2  # saved first
        assert cell_text(app, ended, "status") == "deleted"
        assert app.main_screen.check_action("delete", ()) is None  # nothing left to delete there
