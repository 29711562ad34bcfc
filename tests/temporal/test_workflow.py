"""The submission workflow on the real Temporal dev server, against the emulator: the whole path, joining a
running submission, status, cancel, the retry chain, a spool no worker can read, and bounded history."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from pathlib import Path

import anthropic
import pytest
from temporalio.client import WorkflowFailureError

from batchtui.core.store import Store
from batchtui.temporal.submit import submit_workflow
from batchtui.temporal.workflow import SubmissionWorkflow
from tests.temporal.conftest import write_requests

pytestmark = pytest.mark.timeout(180)


def listed_batches(base_url: str) -> list:
    with anthropic.Anthropic(api_key="test", base_url=base_url) as client:
        return list(client.messages.batches.list(limit=100))


async def wait_phase(handle, phase: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        status = await handle.query(SubmissionWorkflow.status)
        if status.phase == phase:
            return status
        assert time.monotonic() < deadline, f"phase stayed {status.phase}, wanted {phase}"
        await asyncio.sleep(0.1)


@pytest.mark.emulator(batch_seconds=1)
async def test_a_submission_runs_to_its_results(engine, batch_emulator, tmp_path, temporal_client):
    source = write_requests(tmp_path / "req.jsonl", 25)
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options(), label="nightly")
        summary = await done.started.handle.result()
    assert summary.phase == "done" and len(summary.batch_ids) == 1
    assert sum(summary.counts.values()) == 25 and summary.counts["succeeded"] == 25
    (path,) = summary.results_files
    lines = Path(path).read_text().splitlines()
    assert sorted(json.loads(line)["custom_id"] for line in lines) == sorted(f"r{i}" for i in range(25))
    assert [b.id for b in listed_batches(engine.base_url)] == summary.batch_ids
    async with await Store.open(engine.settings.db_path) as store:
        sub = await store.get_submission(done.submission_id)
        assert sub is not None and sub.state == "created" and sub.batch_id == summary.batch_ids[0]
        assert sub.workflow_id == done.started.handle.id and sub.workflow_phase == "done"
        batch = await store.get_batch(sub.batch_id)
        assert batch is not None and batch.label == "nightly" and batch.results_state == "complete"
    assert not done.prepared.spool.exists(), "the spool is removed when the workflow ends"
    history = await done.started.handle.fetch_history()
    assert len(history.events) < 60
    # The poller listed; the batch is retrieved only by the download step, never once per poll.
    assert batch_emulator.faults.calls["retrieve"] <= 2 and batch_emulator.faults.calls["create"] == 1


@pytest.mark.emulator(batch_seconds=30)
async def test_the_same_file_joins_its_workflow_and_status_answers(engine, batch_emulator, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 10)
    async with engine.worker():
        first = await submit_workflow(engine.settings, source, engine.options())
        status = await wait_phase(first.started.handle, "tracking")
        again = await submit_workflow(engine.settings, source, engine.options())
        assert again.started.existing and again.started.handle.id == first.started.handle.id
        assert status.submission_id == first.submission_id and len(status.batch_ids) == 1
        assert status.batch_statuses[status.batch_ids[0]] == "in_progress"
        await first.started.handle.signal(SubmissionWorkflow.cancel)
        summary = await first.started.handle.result()
    assert len(listed_batches(engine.base_url)) == 1, "joining must not create a second batch"
    assert summary.phase == "canceled" and summary.cancel_requested
    assert summary.counts["canceled"] == 10


@pytest.mark.emulator(batch_seconds=1, error_rate=0.4, seed=7)
async def test_retryable_failures_go_out_again_as_linked_child_batches(engine, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 40)
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options(retries=3))
        summary = await done.started.handle.result()
    assert len(summary.batch_ids) >= 2, summary
    assert sum(summary.counts.values()) == 40, "each request is counted once, with its final outcome"
    async with await Store.open(engine.settings.db_path) as store:
        chain = [await store.get_batch(b) for b in summary.batch_ids]
        for parent, child in itertools.pairwise(chain):
            assert child is not None and parent is not None and child.parent_batch_id == parent.id
            assert child.request_counts.total == parent.request_counts.errored + parent.request_counts.expired


@pytest.mark.emulator(batch_seconds=1)
async def test_a_spool_the_worker_cannot_read_fails_the_workflow_saying_so(engine, tmp_path):
    source = write_requests(tmp_path / "req.jsonl", 5, prefix="unread-")  # a body (and workflow id) of its own
    done = await submit_workflow(engine.settings, source, engine.options())
    done.prepared.spool.unlink()  # as if it were on a disk this worker cannot see
    async with engine.worker():
        with pytest.raises(WorkflowFailureError) as failure:
            await done.started.handle.result()
    assert "cannot read the spool" in str(failure.value.cause) and "--spool-dir" in str(failure.value.cause)
    assert listed_batches(engine.base_url) == []


@pytest.mark.emulator(batch_seconds=6)
async def test_history_does_not_grow_with_polls(engine, batch_emulator, tmp_path):
    """About 30 poll cycles while the batch runs: the tracking workflow's history is what one batch costs."""
    engine.poll_interval = 0.2
    source = write_requests(tmp_path / "req.jsonl", 5, prefix="polls-")  # test_history.py submits 5 "r" requests
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options())
        await done.started.handle.result()
    events = len((await done.started.handle.fetch_history()).events)
    assert batch_emulator.faults.calls["list"] >= 15, "the poller polled many times"
    assert batch_emulator.faults.calls["retrieve"] <= 2, "no per-workflow polling"
    assert events < 45, f"{events} events"
