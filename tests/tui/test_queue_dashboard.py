"""The request queue in the dashboard: the status bar says what is queued, how old the oldest is and when it
flushes; with polling on, the dashboard's own flusher sends the queue when a trigger is due and a toast names the
batch; a flush that could not be sent is a warning; a bad `[queue]` table is said and never stops the dashboard."""

from __future__ import annotations

import asyncio
import os

from batchtui.core.events import QueueFlushed
from batchtui.service.queue_add import add_to_queue
from batchtui.service.session import Session
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.status_bar import StatusBar
from tests.queue.support import ids, sent_custom_ids, write_requests
from tests.tui.app_support import SIZE, settle


def status_text(app: BatchTuiApp) -> str:
    return str(app.main_screen.query_one(StatusBar).render())


async def wait_until(pilot, predicate, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.1)


async def test_the_status_bar_shows_the_queue(make_app, cache_store, live_api, tmp_path):
    await add_to_queue(Session(cache_store, live_api), [write_requests(tmp_path / "a.jsonl", 3)])
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await wait_until(pilot, lambda: "queue 3 · oldest" in status_text(app))
        assert "flush in 1" in status_text(app), status_text(app)  # 15 minutes, the default age, less a moment
        await cache_store.queue_clear()
        app.refresh_queue()
        await wait_until(pilot, lambda: "queue" not in status_text(app))


async def test_with_polling_on_the_dashboard_flushes_and_says_so(make_app, cache_store, live_api, batch_emulator,
                                                                 tmp_path):  # fmt: skip
    session = Session(cache_store, live_api)
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 4)])
    await cache_store.set_queue_settings(flush_size=4)  # due by size at once
    app = make_app(poll=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: any(n.title == "Queue flushed" for n in app._notifications))
        toast = next(n for n in app._notifications if n.title == "Queue flushed")
        (flush,) = await cache_store.flushes()
        assert toast.message == f"flush #{flush.id} (size): 4 requests sent as {flush.batch_id}"
        await wait_until(pilot, lambda: "queue" not in status_text(app))
    seen, batches = sent_custom_ids(batch_emulator)
    assert batches == [flush.batch_id] and seen == dict.fromkeys(ids(4), 1)


async def test_a_flush_not_sent_is_a_warning(make_app):
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.engine.emit(QueueFlushed(3, "age", 12, None, "Not sent: connection refused. Nothing was created"))
        await settle(pilot, app)
        (toast,) = [n for n in app._notifications if n.title == "Queue flush not sent"]
        assert toast.severity == "warning"
        assert toast.message == "flush #3 (age): 12 requests: Not sent: connection refused. Nothing was created"


async def test_a_bad_queue_table_is_said_and_the_dashboard_runs(make_app):
    config = os.path.join(os.environ["XDG_CONFIG_HOME"], "batchtui", "config.toml")
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write("[queue]\nflush_size = -3\n")
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert any("queue.flush_size" in n.message and "default triggers" in n.message for n in app._notifications)
        assert app.is_running and app.queue_config is None


async def test_a_hidden_status_bar_is_brought_up_to_date_when_shown_again(make_app, cache_store, live_api, tmp_path):
    """While the stats screen covers the list, the queue's refresh does not redraw the hidden status bar; back on
    the list, the bar says what changed meanwhile."""
    session = Session(cache_store, live_api)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert "queue" not in status_text(app)
        await pilot.press("s")
        await settle(pilot, app)
        bar = app.main_screen.query_one(StatusBar)
        drawn = bar.render()
        await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 2)])
        app.refresh_queue()
        await pilot.pause(0.3)
        assert app.queue is not None and bar.render() == drawn  # read, not drawn behind the stats
        await pilot.press("escape")
        await wait_until(pilot, lambda: "queue 2 · oldest" in status_text(app))
