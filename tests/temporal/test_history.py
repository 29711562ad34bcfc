"""History of a long batch: 24 hours of workflow time (per-workflow time skipping on the real dev server), the
safety check firing every 6 hours while the batch runs, then the poller's word that it ended. The seed design
(a retrieve every 10 s inside the workflow) writes ~95,000 events for the same day; the issue's bound is 200."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.testing import TimeSkipper

from batchtui.temporal.submit import submit_workflow
from batchtui.temporal.workflow import SubmissionWorkflow
from tests.temporal.conftest import write_requests

pytestmark = pytest.mark.timeout(180)
DAY = timedelta(hours=24)


async def wait_phase(handle, phase: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while (await handle.query(SubmissionWorkflow.status)).phase != phase:
        assert time.monotonic() < deadline, f"never reached {phase}"
        await asyncio.sleep(0.1)


@pytest.mark.emulator(batch_seconds=18 * 3600)  # ends 12.6–23.4 h after it is created (the emulator's jitter)
async def test_a_day_long_batch_stays_far_under_the_history_budget(engine, batch_emulator, tmp_path, temporal_client):
    source = write_requests(tmp_path / "req.jsonl", 5)
    skipper = TimeSkipper(temporal_client)
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options())  # 6 h safety check, the default
        handle = done.started.handle
        await wait_phase(handle, "tracking")
        # A day of workflow time: the batch is still running all along, so only the safety timer wakes the workflow.
        assert await skipper.fast_forward(handle, DAY)
        assert (await handle.query(SubmissionWorkflow.status)).phase == "tracking"
        batch_emulator.clock.advance(DAY.total_seconds())  # the API's day passes too: the batch has ended
        summary = await asyncio.wait_for(handle.result(), 60)
    history = (await handle.fetch_history()).events
    checks = sum(
        1
        for e in history
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "check_batch"
    )
    print(f"24 h batch: {len(history)} events, {checks} safety checks")
    assert summary.phase == "done" and summary.counts["succeeded"] == 5
    assert 3 <= checks <= 4, "one safety check per 6 h of a day-long wait"
    assert len(history) < 200, f"{len(history)} events"
    assert batch_emulator.faults.calls["retrieve"] <= 4 + 2, "retrieves: the safety checks and the download only"
