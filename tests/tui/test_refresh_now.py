"""`r` refreshes at once, whatever the poll loop's wait: after a long backoff on success, and after an error."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from batchtui.core.schedule import PollSchedule
from batchtui.core.sync import SyncEngine
from batchtui.tui.app import BatchTuiApp
from tests.tui.app_support import add_batch, emulator_clock

LONG = 3600.0  # a wait the test would never sit out
SIZE = (160, 45)


async def until(pilot: Pilot, condition, what: str) -> None:
    """Pause until `condition()` holds; bounded (a failure, not a hang), and no time is asserted."""
    for _ in range(400):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


def list_calls(app: BatchTuiApp) -> int:
    """List calls the app has seen (its activity log)."""
    return sum(1 for c in app.activity if c.method == "GET" and c.path.split("?")[0].endswith("/messages/batches"))


async def test_r_refreshes_at_once_during_a_long_backoff(cache_store, live_api, batch_emulator):
    await add_batch(batch_emulator, ago=10, duration=LONG)  # in flight: the loop keeps going
    schedule = PollSchedule(brisk=LONG, busy_cap=LONG, idle_cap=LONG, jitter=0)
    engine = SyncEngine(cache_store, live_api, schedule=schedule)
    app = BatchTuiApp(store=cache_store, api=live_api, engine=engine, clock=emulator_clock(batch_emulator))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: list_calls(app) >= 1 and app.sync_state.last_ok is not None, "first poll")
        assert schedule.delay == LONG  # the loop now waits an hour
        before = list_calls(app)
        await pilot.press("r")
        await until(pilot, lambda: list_calls(app) > before, "a refresh after r")


async def test_r_refreshes_at_once_after_an_error(cache_store, live_api, batch_emulator):
    schedule = PollSchedule(error_base=LONG, error_cap=LONG, jitter=0)
    engine = SyncEngine(cache_store, live_api, schedule=schedule)
    real_refresh = engine.refresh
    failures = [ConnectionError("the network is down")]

    async def flaky(**kwargs):
        if failures:
            raise failures.pop()
        return await real_refresh(**kwargs)

    engine.refresh = flaky  # type: ignore[method-assign]
    app = BatchTuiApp(store=cache_store, api=live_api, engine=engine, clock=emulator_clock(batch_emulator))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.sync_state.error is not None, "the failed poll")
        assert schedule.errors == 1  # backing off for an hour
        await pilot.press("r")
        await until(pilot, lambda: app.sync_state.last_ok is not None, "a refresh after r")
        assert list_calls(app) >= 1


async def test_the_first_poll_waits_until_the_cached_list_is_on_screen(
    cache_store, live_api, batch_emulator, monkeypatch
):
    """The first poll's API page and reconcile would share the loop with the first paint: they start once the
    cached list is painted (here held back by a slow read of the cache), and at once after it."""
    # The wait's bound (2 s) is a safety net; a loaded machine can spend it starting the app, so it is lifted here.
    monkeypatch.setattr("batchtui.tui.app.FIRST_LIST_WAIT", 60.0)
    await add_batch(batch_emulator, ago=10, duration=LONG)
    engine = SyncEngine(cache_store, live_api)
    shown = asyncio.Event()
    read_list = cache_store.list_batches

    async def held_list(**kwargs):
        await shown.wait()
        return await read_list(**kwargs)

    cache_store.list_batches = held_list  # type: ignore[method-assign]
    app = BatchTuiApp(store=cache_store, api=live_api, engine=engine, clock=emulator_clock(batch_emulator))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        assert list_calls(app) == 0 and not app.first_list_shown.is_set()  # no poll while the list is not shown
        shown.set()
        await until(pilot, lambda: app.first_list_shown.is_set(), "the first list painted")
        await until(pilot, lambda: list_calls(app) >= 1, "the first poll")
