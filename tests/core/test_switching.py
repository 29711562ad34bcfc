"""A download shortens the GIL switch interval while it runs, and puts it back however it ends."""

from __future__ import annotations

import asyncio
import sys

import anthropic
import pytest

from batchtui.core.switching import DOWNLOAD_SWITCH_INTERVAL, brisk_switching
from batchtui.core.sync import RESULT_CHUNK, ResultsProgress
from tests.core.test_sync import ended_batch


def approx(seconds: float):
    return pytest.approx(seconds, abs=2e-6)  # CPython keeps the interval in whole microseconds


@pytest.fixture(autouse=True)
def default_interval():
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(before)


def test_nested_scopes_restore_the_interval_when_the_last_ends():
    with brisk_switching():
        assert sys.getswitchinterval() == approx(DOWNLOAD_SWITCH_INTERVAL)
        with brisk_switching():
            pass
        assert sys.getswitchinterval() == approx(DOWNLOAD_SWITCH_INTERVAL)
    assert sys.getswitchinterval() == approx(0.005)


def test_a_shorter_interval_set_by_the_user_is_kept():
    sys.setswitchinterval(0.0001)
    with brisk_switching():
        assert sys.getswitchinterval() == approx(0.0001)
    assert sys.getswitchinterval() == approx(0.0001)


async def test_a_download_runs_briskly_and_restores_the_interval(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 2 * RESULT_CHUNK, cache_store, live_api)
    seen: list[float] = []
    engine.add_listener(lambda e: seen.append(sys.getswitchinterval()) if isinstance(e, ResultsProgress) else None)
    assert await engine.download_results(batch_id) == 2 * RESULT_CHUNK
    assert seen and all(s == approx(DOWNLOAD_SWITCH_INTERVAL) for s in seen)
    assert sys.getswitchinterval() == approx(0.005)


async def test_a_failed_or_cancelled_download_restores_the_interval(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 3 * RESULT_CHUNK, cache_store, live_api)
    batch_emulator.faults.inject("cut_stream", route="results")
    with pytest.raises(anthropic.APIConnectionError):
        await engine.download_results(batch_id)
    assert sys.getswitchinterval() == approx(0.005)

    task = asyncio.create_task(engine.download_results(batch_id))
    while sys.getswitchinterval() != approx(DOWNLOAD_SWITCH_INTERVAL):
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sys.getswitchinterval() == approx(0.005)


async def test_two_downloads_at_once_restore_the_interval_when_both_end(batch_emulator, cache_store, live_api):
    first, engine, _ = await ended_batch(batch_emulator, RESULT_CHUNK, cache_store, live_api)
    second, _, _ = await ended_batch(batch_emulator, RESULT_CHUNK, cache_store, live_api)
    await engine.refresh()
    assert await asyncio.gather(engine.ensure_download(first), engine.ensure_download(second)) == [RESULT_CHUNK] * 2
    assert sys.getswitchinterval() == approx(0.005)
