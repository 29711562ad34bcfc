"""The batch list is not redrawn while a screen covers it whole (the results, the stats): its clock ticks and status
changes are caught up when it is shown again. Beneath a dialog, whose backdrop shows it, it keeps ticking."""

from __future__ import annotations

from datetime import UTC, datetime

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.screens.help import HelpScreen
from batchtui.tui.screens.stats import StatsScreen
from tests.tui.app_support import settle
from tests.tui.test_batch_table_scale import wire

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def calls_of(monkeypatch, app: BatchTuiApp, method: str) -> list[str]:
    """The main screen's `method`, noting for each call which screen was on top."""
    calls: list[str] = []
    cls = type(app.main_screen)
    real = getattr(cls, method)

    def noted(screen, *args, **kwargs):
        calls.append(type(app.screen).__name__)
        return real(screen, *args, **kwargs)

    monkeypatch.setattr(cls, method, noted)
    return calls


async def test_ticks_wait_while_covered_and_go_on_beneath_a_dialog(cache_store, monkeypatch):
    await cache_store.upsert_batches([wire(i) for i in range(20)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        drawn = calls_of(monkeypatch, app, "render_list")
        main.tick()
        assert drawn == ["MainScreen"]
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, StatsScreen) and not main.shown
        main.tick()
        main.tick()
        assert drawn == ["MainScreen"]  # covered: not redrawn
        await pilot.press("escape")
        await settle(pilot, app)
        assert drawn == ["MainScreen", "MainScreen"]  # caught up once, on being shown again
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen) and main.shown  # the dialog's backdrop shows it
        main.tick()
        assert drawn[-1] == "HelpScreen"


async def test_the_list_is_read_again_once_when_shown_not_at_each_poll_while_covered(cache_store, monkeypatch):
    from batchtui.core.events import BatchEnded, BatchesUpdated
    from batchtui.tui.messages import SyncEventMessage

    await cache_store.upsert_batches([wire(i) for i in range(20)], synced_at=START)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: START, poll=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        reads = calls_of(monkeypatch, app, "reload")
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, StatsScreen) and not main.shown
        for _ in range(3):  # polls while the stats cover the list; one of them sees a new batch
            app.post_message(SyncEventMessage(BatchesUpdated((), True)))
        await cache_store.upsert_batches([wire(20)], synced_at=START)
        app.post_message(SyncEventMessage(BatchEnded(wire(20)["id"])))
        await settle(pilot, app)
        assert reads == []  # covered: not read at each poll
        await pilot.press("escape")
        await settle(pilot, app)
        assert reads == ["MainScreen"]  # read once, on being shown again
        assert wire(20)["id"] in main.by_id
        app.post_message(SyncEventMessage(BatchesUpdated((), True)))
        await settle(pilot, app)
        assert reads == ["MainScreen", "MainScreen"]  # shown: read at once, as before
