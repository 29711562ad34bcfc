"""The batch list on the real stack: painted from the cache, refreshed through the sync engine, updated in place."""

from __future__ import annotations

from textual.screen import Screen

from batchtui.core.models import RequestCounts
from batchtui.core.sync import ResultsProgress
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.widgets.batch_table import BAR_WIDTH, MARK, bar_widths, count_bar
from batchtui.tui.widgets.detail_pane import DetailPane
from tests.tui.app_support import SIZE, add_batch, cell_text, screen_text, settle, table_of


async def test_paints_from_the_cache_before_any_sync(make_app, engine, batch_emulator, live_api):
    batch_id = await add_batch(batch_emulator, 4, ago=90)
    await engine.refresh()
    calls_before = len(live_api.calls)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert table_of(app).batch_ids == [batch_id]
        assert len(live_api.calls) == calls_before  # shown without asking the API
        assert "not synced yet" in screen_text(app)


async def test_row_shows_counts_bar_total_and_human_times(make_app, batch_emulator):
    running = await add_batch(batch_emulator, 5, ago=3 * 3600 + 30, duration=5 * 3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, running, "name") == running[:25] + "…"  # no label: the id, truncated to fit
        assert cell_text(app, running, "status") == "in progress"
        assert cell_text(app, running, "processing") == "5"
        assert cell_text(app, running, "succeeded") == "0"
        assert cell_text(app, running, "total") == "5"
        assert cell_text(app, running, "bar") == "░" * BAR_WIDTH  # no fake progress: all still processing
        assert cell_text(app, running, "created") == "3 hours ago"
        assert cell_text(app, running, "elapsed") == "3h 00m"
        assert cell_text(app, running, "when") == "in 20 hours"  # expires a day after creation: 20h 59m 30s left
        assert "● synced" in screen_text(app)


def test_bar_is_proportional_to_all_five_counts():
    counts = RequestCounts(processing=0, succeeded=90, errored=5, canceled=0, expired=5)
    assert sum(bar_widths(counts, 20)) == 20
    assert bar_widths(counts, 20) == [18, 1, 0, 1, 0]
    # One error in ten thousand still gets a cell; the total stays exact.
    tiny = RequestCounts(succeeded=9999, errored=1)
    widths = bar_widths(tiny, 14)
    assert widths[1] == 1 and sum(widths) == 14
    assert count_bar(RequestCounts()).plain == "·" * BAR_WIDTH


async def test_batch_end_updates_the_row_in_place_keeps_the_cursor_and_rings(make_app, batch_emulator, monkeypatch):
    older = await add_batch(batch_emulator, 3, ago=600, duration=3600)
    ending = await add_batch(batch_emulator, 4, ago=60, duration=120)
    app = make_app()
    bells: list[bool] = []
    monkeypatch.setattr(app, "bell", lambda: bells.append(True))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        assert table.batch_ids == [ending, older]
        await pilot.press("down")
        assert table.cursor_batch_id == older
        structural: list[str] = []
        monkeypatch.setattr(table, "add_row", lambda *a, **k: structural.append("add"))
        monkeypatch.setattr(table, "remove_row", lambda *a, **k: structural.append("remove"))
        monkeypatch.setattr(table, "clear", lambda *a, **k: structural.append("clear"))

        batch_emulator.clock.advance(120)
        await pilot.press("r")
        await settle(pilot, app)

        assert cell_text(app, ending, "status") == "ended"
        assert cell_text(app, ending, "processing") == "0"
        assert structural == []  # changed cells were updated; no row was removed, added or redrawn
        assert table.cursor_batch_id == older  # the cursor did not move
        assert bells == [True]
        toasts = [n for n in app._notifications if n.title == "Batch ended"]
        assert len(toasts) == 1 and "4 succeeded" in toasts[0].message


async def test_new_batch_goes_on_top_and_the_cursor_stays_on_its_batch(make_app, batch_emulator):
    first = await add_batch(batch_emulator, 2, ago=300)
    second = await add_batch(batch_emulator, 2, ago=200)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("down")
        assert table.cursor_batch_id == first
        newest = await add_batch(batch_emulator, 2, ago=0)
        await pilot.press("r")
        await settle(pilot, app)
        assert table.batch_ids == [newest, second, first]
        assert table.cursor_batch_id == first


async def test_detail_pane_follows_the_cursor(make_app, batch_emulator, cache_store):
    batch_id = await add_batch(batch_emulator, 3, ago=7200, duration=600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await cache_store.set_label(batch_id, "weekly digest")
        await cache_store.set_local(batch_id, source_file="digest.jsonl")
        app.main_screen.reload()
        await settle(pilot, app)
        text = str(app.main_screen.query_one(DetailPane).query_one("#detail-batch").render())
        local = str(app.main_screen.query_one(DetailPane).query_one("#detail-local").render())
        assert "weekly digest" in text and batch_id in text and "ended" in text
        assert "2 hours ago" in text  # created, humanized
        assert "digest.jsonl" in local and "request-id" in local
        assert cell_text(app, batch_id, "name") == "weekly digest"
        assert cell_text(app, batch_id, "mark") == " " and MARK not in cell_text(app, batch_id, "mark")


async def test_download_progress_shows_in_the_detail_pane_and_events_reach_every_screen(make_app, batch_emulator):
    batch_id = await add_batch(batch_emulator, 3, ago=7200, duration=600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)

        class Listener(Screen[None]):
            def __init__(self) -> None:
                super().__init__()
                self.events: list[object] = []

            def on_sync_event_message(self, message: SyncEventMessage) -> None:
                self.events.append(message.event)

        listener = Listener()
        await app.push_screen(listener)
        event = ResultsProgress(batch_id, 1200, 3000)
        app._relay_event(event)  # what the engine calls
        await settle(pilot, app)
        assert listener.events == [event]  # delivered once: the forwarded copy does not bubble back to the app
        app.pop_screen()
        await settle(pilot, app)
        local = str(app.main_screen.query_one(DetailPane).query_one("#detail-local").render())
        assert "downloading 1,200 / 3,000 (40%)" in local
