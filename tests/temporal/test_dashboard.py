"""The dashboard with a batch a workflow carries, on the real Temporal dev server with a real worker: the phase in
its row, the workflow and its web UI address in the detail pane, and `c` canceling through the workflow's signal
(the worker's activity cancels the batch; the dashboard sends nothing to the API). Both from the worker's own cache
(one machine) and from a cache that never saw the submission (another machine: Temporal visibility tells)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from temporalio.client import Client

from batchtui.core.client import BatchApi
from batchtui.core.config import TemporalSettings
from batchtui.core.store import Store
from batchtui.core.sync import SyncEngine
from batchtui.temporal.client import list_submissions
from batchtui.temporal.names import default_ui_base
from batchtui.temporal.submit import submit_workflow
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.screens.confirm import ConfirmScreen
from tests.temporal.conftest import Engine, write_requests
from tests.tui.app_support import SIZE, cell_text, screen_text, settle
from tests.tui.test_cancel_delete import confirm_text

pytestmark = pytest.mark.timeout(180)


async def tracking(client: Client, workflow_id: str, timeout: float = 60.0) -> str:
    """Wait until visibility shows the workflow tracking its batch; return the batch id."""
    deadline = time.monotonic() + timeout
    while True:
        rows = [r for r in await list_submissions(client) if r.workflow_id == workflow_id]
        if rows and rows[0].phase == "tracking" and rows[0].batch_ids:
            return rows[0].batch_ids[0]
        assert time.monotonic() < deadline, f"workflow {workflow_id} never reached tracking: {rows}"
        await asyncio.sleep(0.2)


async def cancel_from_the_dashboard(engine: Engine, db_path: Path, workflow_id: str, batch_id: str, name: str) -> None:
    """Open the dashboard on `db_path`, check what it shows, and cancel the batch with `c`, `y` (`name`: how the
    toast names the batch: its label where the cache knows it, else its id)."""
    store = await Store.open(db_path)
    api = BatchApi(api_key="test", base_url=engine.base_url)
    app = BatchTuiApp(store=store, api=api, engine=SyncEngine(store, api), poll=False,
                      temporal=TemporalSettings(engine.address))  # fmt: skip
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.press("r")
            await settle(pilot, app)
            assert cell_text(app, batch_id, "workflow") == "tracking"
            text = screen_text(app)
            assert f"workflow     {workflow_id}  ·  tracking  (from Temporal)" in text
            url = f"{default_ui_base(engine.address)}/namespaces/default/workflows/{workflow_id}"
            assert f"Temporal UI  {url}" in text

            await pilot.press("c")
            assert isinstance(app.screen, ConfirmScreen)
            assert "It is carried by a Temporal workflow" in confirm_text(app)
            await pilot.press("y")
            await settle(pilot, app)
            (toast,) = [n for n in app._notifications if n.title == "Canceling 1 batch"]
            assert toast.message == f"{name}: cancel requested through workflow {workflow_id}"
            assert not [n for n in app._notifications if n.severity == "error"]
            assert not [c for c in app.activity if c.method == "POST"], "the dashboard itself canceled nothing"
    finally:
        await store.close()
        await api.close()


@pytest.mark.emulator(batch_seconds=120)
async def test_cancel_from_the_workers_own_cache_goes_through_the_signal(engine, batch_emulator, tmp_path,
                                                                         temporal_client):  # fmt: skip
    source = write_requests(tmp_path / "req.jsonl", 6, prefix="dash-own-")  # a body (and workflow id) of its own
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options(), label="dashboard")
        workflow_id = done.started.handle.id
        batch_id = await tracking(temporal_client, workflow_id)
        await cancel_from_the_dashboard(engine, engine.settings.db_path, workflow_id, batch_id, "dashboard")
        summary = await asyncio.wait_for(done.started.handle.result(), 120)
    assert summary.phase == "canceled" and summary.cancel_requested
    assert summary.batch_ids == [batch_id] and summary.counts.get("canceled") == 6
    assert batch_emulator.faults.calls["cancel"] == 1, "one cancel: the workflow's own"


@pytest.mark.emulator(batch_seconds=120)
async def test_a_workflow_started_elsewhere_is_found_through_visibility(engine, batch_emulator, tmp_path,
                                                                        temporal_client):  # fmt: skip
    source = write_requests(tmp_path / "req.jsonl", 4, prefix="dash-elsewhere-")
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options(), label="dashboard")
        workflow_id = done.started.handle.id
        batch_id = await tracking(temporal_client, workflow_id)
        # This dashboard's cache never saw the submission: only the API listing and Temporal know the batch.
        await cancel_from_the_dashboard(engine, tmp_path / "elsewhere.sqlite3", workflow_id, batch_id, batch_id)
        summary = await asyncio.wait_for(done.started.handle.result(), 120)
    assert summary.phase == "canceled" and summary.counts.get("canceled") == 4
    assert batch_emulator.faults.calls["cancel"] == 1
