"""The emulator at `--fault-rate 0.2` (429, 500, 529, cut result streams, creates stored whose answer is lost):
many `submit --wait` processes at once on one cache all finish, each with exactly one batch at the API, and the
results stored are exactly the API's, each once.

A 500 on the create itself leaves its outcome unknown (the API may have made the batch): by design `submit` then
exits 1 and names the submission, never sending it again; `sync` resolves it once reconcile's grace (2 min for the
list to show a new batch) has passed, and says when it is safe to submit again. The test does exactly that, moving
reconcile's clock past the grace instead of waiting, and submits again only what reconcile proved was never made."""

from __future__ import annotations

import asyncio
import json
import math
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anthropic
import pytest

from batchtui.core.client import BatchApi
from batchtui.core.store import Store
from batchtui.emulator.server import emulator_thread
from batchtui.service.reconcile import RECONCILE_GRACE, reconcile
from batchtui.service.session import Session
from tests.reliability.conftest import scale
from tests.reliability.invariants import check_store
from tests.reliability.rig import Rig, write_requests

pytestmark = pytest.mark.timeout(600)

SUBMISSIONS = max(2, math.ceil(12 * scale()))
AT_ONCE = 4


def test_many_submit_wait_finish_under_a_fault_rate_of_one_in_five(tmp_path, rng):
    # Sizes differ: two answers lost in the same minute for two batches of one size cannot be told apart until
    # they end (reconcile never guesses), which would rightly stop a `--wait` with "unknown".
    files = {f"s{i}": write_requests(tmp_path / f"s{i}.jsonl", 10 + i, prefix=f"s{i}") for i in range(SUBMISSIONS)}
    seed = rng.randrange(1 << 30)
    with emulator_thread(state_path=tmp_path / "emulator.sqlite3", seed=seed, fault_rate=0.2, batch_seconds=1) as emu:
        rig = Rig(tmp_path, emu)
        unknown = run_all(rig, files)
        for name in unknown:  # what a user is told to do: `sync` once the grace has passed, then submit again
            for _ in range(5):
                states = asyncio.run(reconcile_after_grace(rig))
                assert set(states) <= {"failed", "created"}, f"unresolved after the grace: {states}"
                if rig.cli("submit", str(files[name]), "--wait", "--json") == 0:
                    break
            else:
                raise AssertionError(f"{name} never finished")
        served = list(emu.faults.injected)
        emu.faults.rate = 0.0  # reading the API back for the check: no more faults
        remote = check_store(rig)
        print(f"seed {seed}: {len(served)} faults served {sorted({k for _, k in served})}; sent again: {unknown}")
        assert served, "the fault rate served no fault"
        assert len(remote) == SUBMISSIONS, f"{len(remote)} batches for {SUBMISSIONS} submissions"
        for name, path in files.items():
            (batch_id,) = rig.store(
                "SELECT batch_id FROM submissions WHERE source_file = ? AND state = 'created'", (str(path),)
            )[0]
            assert remote[batch_id] == {f"{name}-{i}" for i in range(10 + int(name[1:]))}, f"{name}: not its batch"
            assert stored_results(rig, batch_id) == api_results(emu.base_url, batch_id)


def run_all(rig: Rig, files: dict[str, Path]) -> list[str]:
    """`submit FILE --wait --json` for every file, AT_ONCE processes at a time. Returns the files whose create
    outcome was left unknown (exit 1, `outcome_unknown`); every other one must have finished."""
    pending, running, unknown = list(files), {}, []
    deadline = time.monotonic() + 300
    while pending or running:
        while pending and len(running) < AT_ONCE:
            name = pending.pop(0)
            running[name] = rig.spawn("submit", str(files[name]), "--wait", "--json", log=name)
        for name, proc in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            out = json.loads((rig.root / f"{name}.out").read_text())
            if proc.returncode == 1 and out.get("error", {}).get("type") == "outcome_unknown":
                unknown.append(name)
                continue
            assert proc.returncode == 0, f"{name} exited {proc.returncode}: {rig.output(name)[-3000:]}"
            assert out["submission_state"] == "created" and out["batch"]["results_rows"] == 10 + int(name[1:])
        assert time.monotonic() < deadline, f"still running: {list(running)}"
        time.sleep(0.05)
    return unknown


async def reconcile_after_grace(rig: Rig) -> list[str]:
    """`sync`'s reconcile as it will run once the grace is over (its clock moved, not waited for)."""
    async with await Store.open(rig.db) as store:
        api = BatchApi(api_key="test", base_url=rig.emulator.base_url)
        try:
            later = datetime.now(UTC) + RECONCILE_GRACE + timedelta(seconds=30)
            return [r.state for r in await reconcile(Session(store, api), now=later)]
        finally:
            await api.close()


def stored_results(rig: Rig, batch_id: str) -> dict[str, tuple]:
    rows = rig.store(
        "SELECT custom_id, result_type, text FROM results WHERE batch_key = (SELECT key FROM batches WHERE id = ?)",
        (batch_id,),
    )
    return {custom_id: (kind, text) for custom_id, kind, text in rows}


def api_results(base_url: str, batch_id: str) -> dict[str, tuple]:
    """The batch's results as the API serves them, through the official SDK."""
    with anthropic.Anthropic(api_key="test", base_url=base_url) as client:
        out = {}
        for r in client.messages.batches.results(batch_id):
            text = None
            if r.result.type == "succeeded":
                text = "".join(b.text for b in r.result.message.content if b.type == "text")
            out[r.custom_id] = (r.result.type, text)
        return out
