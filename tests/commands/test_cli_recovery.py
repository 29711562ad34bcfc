"""The CLI's wiring of crash recovery (the rules themselves are tested in tests/service): `submit --wait` names its
batch whatever happens, a body identical to an unresolved submission is refused with exit 2 unless --force, and
`sync --json` says what reconcile decided."""

from __future__ import annotations

import asyncio
import functools
import json

import pytest

from batchtui.core.store import Store
from batchtui.service import actions
from tests.commands.test_cli import requests_file, server_ids


@pytest.mark.emulator(batch_seconds=0.5)
def test_submit_wait_rides_out_a_500_and_a_cut_results_stream(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("server_error", route="retrieve", times=3)  # one whole poll (the SDK retries)
    batch_emulator.faults.inject("cut_stream", route="results")
    code, out, err = cli("submit", str(requests_file(tmp_path, 5)), "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["batch_ids"] == server_ids(batch_emulator)  # one batch, whatever was retried
    assert data["batch"]["results_rows"] == 5 and data["submission_state"] == "created"
    assert {k for _, k in batch_emulator.faults.injected} == {"server_error", "cut_stream"}


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.mark.parametrize("as_json", [True, False])
def test_submit_wait_that_gives_up_still_prints_the_batch_and_the_real_cause(
    cli, tmp_path, batch_emulator, monkeypatch, as_json
):
    monkeypatch.setattr(actions, "wait", functools.partial(actions.wait, max_failures=2, sleep=_no_sleep))
    batch_emulator.faults.inject("server_error", route="retrieve", times=1000)
    code, out, err = cli("submit", str(requests_file(tmp_path, 3)), "--wait", *(["--json"] if as_json else []))
    assert code == 1
    (made,) = server_ids(batch_emulator)
    if as_json:
        data = json.loads(out)
        assert data["batch_ids"] == [made] and "500" in data["error"]
    else:
        assert out.strip() == made
    assert made in err and "do not resubmit" in err and "Cannot reach" not in err


def test_an_identical_body_to_an_unresolved_submission_needs_force(cli, tmp_path, batch_emulator):
    path = requests_file(tmp_path, 4)
    batch_emulator.faults.inject("lost_create")
    batch_emulator.faults.inject("server_error", route="list", times=3)  # the look that follows fails too
    code, _, err = cli("submit", str(path))
    assert code == 1 and "Do not resubmit" in err
    code, out, err = cli("submit", str(path), "--json")
    assert code == 2 and "--force" in err and "Nothing was submitted" in err
    error = json.loads(out)["error"]  # --json: the failure as one JSON object on stdout
    assert error["type"] == "duplicate_submission" and error["exit_code"] == 2 and "--force" in error["message"]
    assert len(server_ids(batch_emulator)) == 1
    code, out, _ = cli("submit", str(path), "--json", "--force")
    assert code == 0 and len(server_ids(batch_emulator)) == 2


def test_sync_json_reports_what_reconcile_decided(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("lost_create")
    batch_emulator.faults.inject("server_error", route="list", times=3)
    cli("submit", str(requests_file(tmp_path, 4)))
    (made,) = server_ids(batch_emulator)
    code, out, _ = cli("sync", "--json")
    assert code == 0
    (entry,) = json.loads(out)["reconciled"]
    assert entry["state"] == "probable" and entry["batch_id"] == made and entry["message"]
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("sync", "--json")
    (entry,) = json.loads(out)["reconciled"]
    assert entry["state"] == "created" and entry["batch_id"] == made


def test_delete_saves_the_results_first(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path, 7)), "--json")
    batch_id = json.loads(out)["batch_ids"][0]
    batch_emulator.clock.advance(3600)
    code, out, err = cli("delete", batch_id, "msgbatch_01DoesNotExist0000000000")
    assert (
        code == 1 and "no batch msgbatch_01DoesNotExist" in err
    )  # the unknown id fails, and the other is still deleted
    assert server_ids(batch_emulator) == []

    async def stored() -> int:
        async with await Store.open(tmp_path / "cache.sqlite3") as store:
            return await store.stored_result_count(batch_id)

    assert asyncio.run(stored()) == 7
