"""Workers SIGKILLed at the worst moments: the submission still ends with exactly one batch, and its results."""

from __future__ import annotations

import asyncio
import time

import pytest

from batchtui.core.store import Store
from batchtui.temporal.submit import submit_workflow
from tests.temporal.conftest import kill9, write_requests
from tests.temporal.test_workflow import listed_batches, wait_phase

pytestmark = pytest.mark.timeout(240)


async def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


@pytest.mark.emulator(batch_seconds=2)
async def test_killed_right_after_the_api_accepted_the_create(engine, batch_emulator, tmp_path):
    """The API stores the batch and holds its answer back; the worker is SIGKILLed while it waits. The next
    worker's create attempt reconciles first: it adopts that batch and sends nothing."""
    batch_emulator.faults.inject("held_create", route="create")
    source = write_requests(tmp_path / "req.jsonl", 12)
    proc = engine.worker_process()
    try:
        done = await submit_workflow(engine.settings, source, engine.options())
        await wait_for(lambda: len(listed_batches(engine.base_url)) == 1, what="the create to reach the API")
    finally:
        kill9(proc)
    async with engine.worker():
        summary = await asyncio.wait_for(done.started.handle.result(), 120)
    batches = listed_batches(engine.base_url)
    assert len(batches) == 1 and summary.batch_ids == [batches[0].id]
    assert batch_emulator.faults.calls["create"] == 1, "nothing was sent again"
    # Adopted as probable, or (when it had already ended) verified by its custom_ids at once: either way, verified.
    assert summary.counts["succeeded"] == 12
    async with await Store.open(engine.settings.db_path) as store:
        sub = await store.get_submission(done.submission_id)
        assert sub is not None and sub.state == "created" and sub.batch_id == batches[0].id, sub


@pytest.mark.emulator(batch_seconds=8)
async def test_killed_while_tracking_another_worker_finishes(engine, batch_emulator, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 7)
    proc = engine.worker_process()
    try:
        done = await submit_workflow(engine.settings, source, engine.options())
        await wait_phase(done.started.handle, "tracking", timeout=60)
        await asyncio.sleep(1.0)  # mid-poll: the poller activity is running on this worker
    finally:
        kill9(proc)
    async with engine.worker():
        summary = await asyncio.wait_for(done.started.handle.result(), 120)
    assert len(listed_batches(engine.base_url)) == 1 and batch_emulator.faults.calls["create"] == 1
    assert summary.phase == "done" and summary.counts["succeeded"] == 7


@pytest.mark.emulator(batch_seconds=1)
async def test_two_workers_share_one_queue_and_one_poller(engine, batch_emulator, tmp_path, temporal_client):
    sources = [write_requests(tmp_path / f"req{i}.jsonl", 3 + i, prefix=f"f{i}-") for i in range(6)]
    proc = engine.worker_process()
    try:
        async with engine.worker():
            started = [await submit_workflow(engine.settings, s, engine.options()) for s in sources]
            summaries = [await asyncio.wait_for(d.started.handle.result(), 120) for d in started]
    finally:
        kill9(proc)
    assert all(s.phase == "done" for s in summaries)
    assert len(listed_batches(engine.base_url)) == 6 and batch_emulator.faults.calls["create"] == 6
    pollers = [wf async for wf in temporal_client.list_workflows(f"WorkflowId = 'batchtui-poller-{engine.task_queue}'")]
    assert len({wf.run_id for wf in pollers if wf.status and wf.status.name == "RUNNING"}) <= 1
