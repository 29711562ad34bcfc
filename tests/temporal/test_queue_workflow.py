"""The queue workflow on the real Temporal dev server, against the emulator: adds by signal-with-start, a flush by
size into submission workflows, by age (the workflow's clock fast-forwarded), now (the `flush` signal), a custom_id
used twice, clear, continue-as-new carrying the state, the CLI, and replay of a recorded history."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import TimeSkipper
from temporalio.worker import Replayer

from batchtui.core.inputs import SplitLimits
from batchtui.temporal import ids
from batchtui.temporal.models import Summary
from batchtui.temporal.queue_client import (
    NoAnswer,
    add_to_queue_workflow,
    queue_workflow_state,
    signal_queue_workflow,
)
from batchtui.temporal.queue_workflow import QueueWorkflow
from tests.queue.support import sent_custom_ids
from tests.temporal.conftest import write_requests

pytestmark = pytest.mark.timeout(240)
HISTORIES = Path(__file__).parent / "histories" / "queue"  # apart: test_replay.py replays the submission ones


async def wait_state(engine, predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    state = None
    while True:
        with contextlib.suppress(NoAnswer):  # a worker just killed: its workflows answer once taken over
            state = await queue_workflow_state(engine.options(), wait=timedelta(seconds=3))
            if predicate(state):
                return state
        assert time.monotonic() < deadline, f"stuck at {state}"
        await asyncio.sleep(0.2)


def submission(client, workflow_id: str):  # type: ignore[no-untyped-def]
    return client.get_workflow_handle(workflow_id, result_type=Summary)


def ids_of(n: int, prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


@pytest.mark.emulator(batch_seconds=1)
async def test_adds_flush_by_size_into_a_submission_workflow(engine, batch_emulator, tmp_path, temporal_client):
    async with engine.worker():
        first = await add_to_queue_workflow(
            engine.settings, [write_requests(tmp_path / "a.jsonl", 3, "a")], engine.options(), flush_size=5
        )
        assert first.handle.id == ids.queue_id_for(engine.task_queue) and first.added == 3
        state = await wait_state(engine, lambda s: s.queued == 3)
        assert state.flushes == [] and state.next_flush_reason == "age" and state.flush_size == 5
        await add_to_queue_workflow(engine.settings, [write_requests(tmp_path / "b.jsonl", 4, "b")], engine.options())
        state = await wait_state(engine, lambda s: len(s.flushes) == 1 and not s.flushing)
        (flush,) = state.flushes
        assert (flush.reason, flush.request_count, state.queued) == ("size", 7, 0)
        (workflow_id,) = flush.workflow_ids
        summary = await asyncio.wait_for(submission(temporal_client, workflow_id).result(), 120)
    assert summary.phase == "done" and summary.counts["succeeded"] == 7 == sum(summary.counts.values())
    seen, batches = sent_custom_ids(batch_emulator)
    assert batches == summary.batch_ids and seen == dict.fromkeys(ids_of(3, "a") + ids_of(4, "b"), 1)
    assert not list(engine.spool.glob("queue-*")), "the chunks are dropped once their batch is on its way"
    history = (await first.handle.fetch_history()).to_json()
    assert "question" not in history, "requests never pass through the queue's history"


@pytest.mark.emulator(batch_seconds=1)
async def test_the_age_trigger_is_a_timer(engine, batch_emulator, tmp_path, temporal_client):
    async with engine.worker():
        done = await add_to_queue_workflow(
            engine.settings, [write_requests(tmp_path / "a.jsonl", 2)], engine.options(),
            flush_size=100, flush_age=timedelta(minutes=15),
        )  # fmt: skip
        state = await wait_state(engine, lambda s: s.queued == 2)
        assert state.next_flush_reason == "age" and state.flushes == []
        assert await TimeSkipper(temporal_client).fast_forward(done.handle, timedelta(minutes=16))
        state = await wait_state(engine, lambda s: len(s.flushes) == 1 and not s.flushing)
        assert state.flushes[0].reason == "age" and state.queued == 0
        await asyncio.wait_for(submission(temporal_client, state.flushes[0].workflow_ids[0]).result(), 120)
    seen, _ = sent_custom_ids(batch_emulator)
    assert seen == dict.fromkeys(ids_of(2, "r"), 1)


@pytest.mark.emulator(batch_seconds=1)
async def test_flush_now_and_a_reused_custom_id_goes_in_another_batch(
    engine, batch_emulator, tmp_path, temporal_client
):
    source = write_requests(tmp_path / "a.jsonl", 3)
    async with engine.worker():
        await add_to_queue_workflow(engine.settings, [source], engine.options())
        await add_to_queue_workflow(engine.settings, [source], engine.options())  # the same ids, queued twice
        await wait_state(engine, lambda s: s.queued == 6)
        await signal_queue_workflow(engine.options(), "flush")
        state = await wait_state(engine, lambda s: len(s.flushes) == 1 and not s.flushing)
        (flush,) = state.flushes
        assert flush.reason == "manual" and len(flush.workflow_ids) == 2
        for workflow_id in flush.workflow_ids:
            await asyncio.wait_for(submission(temporal_client, workflow_id).result(), 120)
    seen, batches = sent_custom_ids(batch_emulator)
    assert len(batches) == 2 and seen == dict.fromkeys(ids_of(3, "r"), 2), "each batch holds each id once"


async def test_clear_drops_what_is_queued(engine, tmp_path):
    async with engine.worker():
        done = await add_to_queue_workflow(engine.settings, [write_requests(tmp_path / "a.jsonl", 4)], engine.options())
        await wait_state(engine, lambda s: s.queued == 4)
        await signal_queue_workflow(engine.options(), "clear")
        state = await wait_state(engine, lambda s: s.queued == 0)
        assert state.flushes == []
        deadline = time.monotonic() + 30
        while Path(done.add.chunks[0].path).exists():
            assert time.monotonic() < deadline, "the chunk was never dropped"
            await asyncio.sleep(0.1)


@pytest.mark.emulator(batch_seconds=1)
async def test_continue_as_new_carries_the_queue(engine, batch_emulator, tmp_path, temporal_client):
    limits = SplitLimits(max_requests=3)
    async with engine.worker():
        first = await add_to_queue_workflow(
            engine.settings, [write_requests(tmp_path / "a.jsonl", 4, "a")], engine.options(), flush_size=4,
            limits=limits, max_history=30,
        )  # fmt: skip
        state = await wait_state(engine, lambda s: len(s.flushes) == 1 and not s.flushing)
        assert len(state.flushes[0].workflow_ids) == 2, "4 requests, 3 per batch"
        for i in range(3):  # small adds, each under the size: history grows until the run continues as new
            await add_to_queue_workflow(engine.settings, [write_requests(tmp_path / f"c{i}.jsonl", 1, f"c{i}-")],
                                        engine.options())  # fmt: skip
        await wait_state(engine, lambda s: s.queued == 3)
        description = await temporal_client.get_workflow_handle(first.handle.id).describe()
        assert description.run_id != first.handle.result_run_id, "a new run"
        await signal_queue_workflow(engine.options(), "flush")
        state = await wait_state(engine, lambda s: len(s.flushes) == 2 and not s.flushing)
        assert [f.number for f in state.flushes] == [2, 1], "numbering goes on across runs"
        old, new = state.flushes[1].workflow_ids, state.flushes[0].workflow_ids
        assert not set(old) & set(new) and new[0].endswith("-2-1") and new[0][:-4] == old[0][:-4], "same epoch"
        for workflow_id in old + new:
            await asyncio.wait_for(submission(temporal_client, workflow_id).result(), 120)
    seen, batches = sent_custom_ids(batch_emulator)
    assert len(batches) == 3 and seen == dict.fromkeys([*ids_of(4, "a"), "c0-0", "c1-0", "c2-0"], 1)
    history = await temporal_client.get_workflow_handle(
        first.handle.id, run_id=first.handle.result_run_id
    ).fetch_history()
    await Replayer(workflows=[QueueWorkflow]).replay_workflow(history)
    if os.environ.get("BATCHTUI_RECORD_HISTORIES"):
        HISTORIES.mkdir(parents=True, exist_ok=True)
        (HISTORIES / "flush_then_continue_as_new.json").write_text(history.to_json())


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_queue_histories_replay(path: Path):
    await Replayer(workflows=[QueueWorkflow]).replay_workflow(WorkflowHistory.from_json(path.stem, path.read_text()))


def test_a_queue_history_is_committed():
    assert (HISTORIES / "flush_then_continue_as_new.json").is_file()


def run_cli(engine, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": engine.base_url,
           "BATCHTUI_DB": str(engine.settings.db_path), "TEMPORAL_ADDRESS": engine.address,
           "BATCHTUI_SPOOL_DIR": str(engine.spool)}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "batchtui", "queue", *args, "--engine", "temporal", "--task-queue",
                           engine.task_queue], env=env, capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.emulator(batch_seconds=1)
def test_the_cli_adds_lists_and_flushes(engine, batch_emulator, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "x", "params": {"max_tokens": 5}}\n')
    done = run_cli(engine, "add", str(bad), "--json")
    assert done.returncode == 2 and "bad.jsonl:1" in done.stderr and "nothing was queued" in done.stderr
    assert not list(engine.spool.glob("queue-*")), "nothing spooled for a bad file"
    proc = engine.worker_process()
    try:
        done = run_cli(engine, "add", str(write_requests(tmp_path / "a.jsonl", 3)), "--json")
        assert done.returncode == 0, done.stderr
        added = json.loads(done.stdout)
        assert added["added"] == 3 and added["workflow_id"] == ids.queue_id_for(engine.task_queue)
        deadline = time.monotonic() + 60
        while (listed := run_cli(engine, "list", "--json")).returncode != 0 or json.loads(listed.stdout)["queued"] != 3:
            assert time.monotonic() < deadline, listed.stderr
        assert json.loads(listed.stdout)["settings"] == {"flush_size": 10000, "flush_age_seconds": 900.0}
        assert run_cli(engine, "flush").returncode == 0
        while not (state := json.loads(run_cli(engine, "list", "--json").stdout))["flushes"]:
            assert time.monotonic() < deadline
        assert state["flushes"][0]["reason"] == "manual"
        while len(sent_custom_ids(batch_emulator)[1]) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    seen, _ = sent_custom_ids(batch_emulator)
    assert seen == dict.fromkeys(ids_of(3, "r"), 1)


@pytest.mark.emulator(batch_seconds=1)
async def test_a_worker_killed_mid_flush_loses_and_duplicates_nothing(engine, batch_emulator, tmp_path,
                                                                      temporal_client):  # fmt: skip
    proc = engine.worker_process()
    try:
        await add_to_queue_workflow(engine.settings, [write_requests(tmp_path / "a.jsonl", 3, "a")], engine.options(),
                                    flush_size=5)  # fmt: skip
        await add_to_queue_workflow(engine.settings, [write_requests(tmp_path / "b.jsonl", 4, "b")], engine.options())
        deadline = time.monotonic() + 60
        while not list(engine.spool.glob("q*-1-1.json")):  # the flush is cutting its batch: kill the worker now
            assert time.monotonic() < deadline and proc.poll() is None, "the flush never started"
            await asyncio.sleep(0.02)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    async with engine.worker():
        state = await wait_state(engine, lambda s: len(s.flushes) == 1 and not s.flushing, timeout=120)
        (flush,) = state.flushes
        assert flush.request_count == 7 and len(flush.workflow_ids) == 1
        summary = await asyncio.wait_for(submission(temporal_client, flush.workflow_ids[0]).result(), 120)
    assert summary.phase == "done"
    seen, batches = sent_custom_ids(batch_emulator)
    assert batches == summary.batch_ids and seen == dict.fromkeys(ids_of(3, "a") + ids_of(4, "b"), 1)
