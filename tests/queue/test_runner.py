"""The triggers' task (what `sync --watch` and the dashboard run): it flushes when the injected clock says the
oldest request is old enough, says so through the engine's events, and sleeps until the next flush is due."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from batchtui.core.events import QueueFlushed
from batchtui.core.queue import QueueSettings
from batchtui.service.queue_add import add_to_queue
from batchtui.service.queue_runner import QueueFlusher
from tests.queue.support import ids, sent_custom_ids, write_requests

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SETTINGS = QueueSettings(flush_size=100, flush_age=timedelta(minutes=15))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_one_look_flushes_only_when_due_and_tells_the_engine(session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 3)], now=T0)
    clock = Clock(T0 + timedelta(minutes=1))
    flusher = QueueFlusher(session, SETTINGS, clock=clock)
    events: list[QueueFlushed] = []
    session.engine.add_listener(lambda e: events.append(e) if isinstance(e, QueueFlushed) else None)
    assert await flusher.run_once() == []
    assert await flusher.seconds_to_next() == 30.0, "capped: another process may add meanwhile"
    assert await QueueFlusher(session, SETTINGS, clock=clock, idle=3600).seconds_to_next() == 14 * 60
    clock.now = T0 + timedelta(minutes=15)
    (outcome,) = await flusher.run_once()
    assert events == [QueueFlushed(outcome.flush.id, "age", 3, outcome.batch.id, None)]
    assert sent_custom_ids(batch_emulator)[0] == dict.fromkeys(ids(3), 1)


async def test_the_task_sleeps_until_poked_past_the_age(session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 4)], now=T0)
    clock = Clock(T0 + timedelta(minutes=5))
    flusher = QueueFlusher(session, SETTINGS, clock=clock, idle=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(flusher.run(stop))

    try:
        await asyncio.sleep(0.3)  # several idle rounds at 5 minutes old
        assert (await session.store.queue_status(SETTINGS)).queued == 4
        clock.now = T0 + timedelta(minutes=16)
        flusher.poke()

        async def sent() -> bool:
            return any(f.state == "sent" for f in await session.store.flushes())

        await wait_until(sent)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    (flush,) = await session.store.flushes()
    assert flush.reason == "age" and flush.request_count == 4
    assert sent_custom_ids(batch_emulator)[0] == dict.fromkeys(ids(4), 1)


async def test_a_flusher_that_could_not_send_backs_off(offline_session, tmp_path):
    session = offline_session
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 6)], now=T0)
    clock = Clock(T0 + timedelta(minutes=20))
    flusher = QueueFlusher(session, SETTINGS, clock=clock, idle=3600)
    (failed,) = await flusher.run_once()
    assert not failed.sent and failed.flush.state == "failed"
    assert flusher.backoff_until == clock.now + timedelta(minutes=1)
    assert await flusher.seconds_to_next() == 60.0
    clock.now += timedelta(seconds=30)
    assert await flusher.run_once() == [], "not before its backoff"
    clock.now += timedelta(seconds=31)
    assert len(await flusher.run_once()) == 1 and flusher.failures == 2
    assert flusher.backoff_until == clock.now + timedelta(minutes=2)
    assert [f.state for f in await session.store.flushes()] == ["failed", "failed"]
    assert (await session.store.queue_status(SETTINGS)).queued == 6, "they wait in the queue"
