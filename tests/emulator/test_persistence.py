"""State survives a restart on the same state_path: batches, cancels, deletes and results."""

from __future__ import annotations

from pathlib import Path

import anthropic

from batchtui.emulator import emulator_thread

from ._support import make_requests


def _client(base_url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="test", base_url=base_url, timeout=120)


def test_batches_and_results_survive_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "emulator.sqlite3"  # the parent directory is created on demand
    settings = {"state_path": state, "seed": 8, "batch_seconds": 10, "error_rate": 0.2}
    with emulator_thread(**settings) as emu, _client(emu.base_url) as client:
        ended = client.messages.batches.create(requests=make_requests(40))
        deleted = client.messages.batches.create(requests=make_requests(2))
        emu.clock.advance(20)
        canceled = client.messages.batches.create(requests=make_requests(5))
        client.messages.batches.cancel(canceled.id)
        client.messages.batches.delete(deleted.id)
        before = client.messages.batches.with_raw_response.retrieve(ended.id).http_response.json()
        results_before = {r.custom_id: r.to_dict() for r in client.messages.batches.results(ended.id)}
    assert state.exists()

    with emulator_thread(**settings) as emu, _client(emu.base_url) as client:
        emu.clock.advance(20)  # the clock offset belongs to the running instance, not to the state
        after = client.messages.batches.with_raw_response.retrieve(ended.id).http_response.json()
        assert after.pop("results_url") == f"{emu.base_url}/v1/messages/batches/{ended.id}/results"
        before.pop("results_url")
        assert after == before
        results_after = {r.custom_id: r.to_dict() for r in client.messages.batches.results(ended.id)}
        assert results_after == results_before
        assert {r["result"]["type"] for r in results_after.values()} == {"succeeded", "errored"}

        emu.clock.advance(5)
        finished = client.messages.batches.retrieve(canceled.id)
        assert finished.processing_status == "ended" and finished.request_counts.canceled == 5
        assert finished.cancel_initiated_at is not None

        # The same seed replays the same id sequence; ids already taken are skipped, not reused.
        fresh = client.messages.batches.create(requests=make_requests(1))
        assert fresh.id not in {ended.id, deleted.id, canceled.id}
        assert [b.id for b in client.messages.batches.list()] == [fresh.id, canceled.id, ended.id]


def test_without_state_path_nothing_is_kept() -> None:
    with emulator_thread(state_path=None, batch_seconds=1) as emu, _client(emu.base_url) as client:
        client.messages.batches.create(requests=make_requests(1))
        assert len(client.messages.batches.list().data) == 1
    with emulator_thread(state_path=None) as emu, _client(emu.base_url) as client:
        assert client.messages.batches.list().data == []
