"""Replay: today's workflow code must reproduce the commands of histories recorded by earlier code (committed
under histories/), and of histories made just now. A change that would break running workflows fails here;
gate such a change with `workflow.patched(...)`.

Record new fixtures with `BATCHTUI_RECORD_HISTORIES=1 pytest tests/temporal/test_replay.py`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from batchtui.temporal.poller_workflow import PollerWorkflow
from batchtui.temporal.submit import submit_workflow
from batchtui.temporal.workflow import SubmissionWorkflow
from tests.temporal.conftest import write_requests
from tests.temporal.test_workflow import wait_phase

HISTORIES = Path(__file__).parent / "histories"
REPLAYER = Replayer(workflows=[SubmissionWorkflow, PollerWorkflow])

pytestmark = pytest.mark.timeout(180)


def committed() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", committed(), ids=lambda p: p.stem)
async def test_recorded_histories_replay(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await REPLAYER.replay_workflow(history)


def test_histories_are_committed():
    names = {p.stem for p in committed()}
    assert {"retry_round", "canceled"} <= names, names


@pytest.mark.emulator(batch_seconds=3, error_rate=0.4, seed=3)
async def test_fresh_histories_replay(engine, tmp_path):
    async with engine.worker():
        retried = await submit_workflow(
            engine.settings, write_requests(tmp_path / "a.jsonl", 20), engine.options(retries=1)
        )
        await retried.started.handle.result()
        canceled = await submit_workflow(
            engine.settings, write_requests(tmp_path / "b.jsonl", 5, "b"), engine.options(safety_check_seconds=0.5)
        )
        await wait_phase(canceled.started.handle, "tracking")
        await canceled.started.handle.signal(SubmissionWorkflow.cancel)
        await canceled.started.handle.result()
    for name, done in (("retry_round", retried), ("canceled", canceled)):
        history = await done.started.handle.fetch_history()
        await REPLAYER.replay_workflow(history)
        if os.environ.get("BATCHTUI_RECORD_HISTORIES"):
            HISTORIES.mkdir(exist_ok=True)
            (HISTORIES / f"{name}.json").write_text(history.to_json())
