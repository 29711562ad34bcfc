"""Cancel on a group row: its in-flight parts, named in the confirmation, each canceled through the API; parts
already canceling or ended, and batches outside the group, are left alone."""

from __future__ import annotations

from textual.widgets import Static

from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, add_batch, cell_text, settle
from tests.tui.group_support import send_group


def confirm_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_cancel_on_a_group_cancels_its_running_parts(make_app, cache_store, live_api, batch_emulator, tmp_path):
    outcome = await send_group(cache_store, live_api, tmp_path)
    first, second, third = outcome.batch_ids
    await live_api.cancel(first)  # someone canceled part 1 already: it is canceling, not cancelable again
    other = await add_batch(batch_emulator, 3, ago=3600, duration=7200)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.cursor_group is not None
        assert cell_text(app, outcome.group.id, "status") == "in progress"  # type: ignore[union-attr]
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmScreen)
        text = confirm_text(app)
        assert "Cancel 2 running parts of big run?" in text
        assert f"big run (part 2/3)  ({second}, 4 requests)" in text and third in text
        assert first not in text and other not in text
        posts_before = [c.path for c in app.activity if c.method == "POST"]
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        cancels = [c.path for c in app.activity if c.method == "POST"][len(posts_before) :]
        assert sorted(cancels) == sorted(f"/v1/messages/batches/{b}/cancel" for b in (second, third))
        for batch_id in (second, third):
            assert (await cache_store.get_batch(batch_id)).processing_status == "canceling"  # type: ignore[union-attr]
        assert (await cache_store.get_batch(other)).processing_status == "in_progress"  # type: ignore[union-attr]
        assert any(n.title == "Canceling 2 batches" for n in app._notifications)
        assert app.main_screen.check_action("cancel", ()) is None  # nothing of the group left to cancel


async def test_a_marked_group_and_a_marked_batch_are_canceled_together(
    make_app, cache_store, live_api, batch_emulator, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    other = await add_batch(batch_emulator, 3, ago=3600, duration=7200)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("space", "down", "space", "c")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Cancel 4 batches?" in confirm_text(app)
        await pilot.press("y")
        await settle(pilot, app)
        for batch_id in [*outcome.batch_ids, other]:
            assert (await cache_store.get_batch(batch_id)).processing_status == "canceling"  # type: ignore[union-attr]
        assert app.main_screen.marks == set()
