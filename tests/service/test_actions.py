"""Per-batch actions on the real emulator: wait rides out transient failures and names the batch when it gives up;
delete saves results first and never stops at one bad id."""

from __future__ import annotations

import asyncio

import pytest

from batchtui.service.actions import WaitGaveUp, cancel, delete, ensure_results, wait
from batchtui.service.submit import submit
from tests.service.support import create_other, server_batch_ids, write_requests


async def no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


async def test_wait_rides_out_a_500_and_a_cut_results_stream(tmp_path, session, batch_emulator):
    outcome = await submit(session, write_requests(tmp_path / "in.jsonl", 30))
    batch_id = outcome.batch.id
    batch_emulator.faults.inject("server_error", route="retrieve", times=3)  # one whole poll fails (SDK retries too)
    batch_emulator.faults.inject("cut_stream", route="results")
    polls = []

    def on_poll(batch):
        polls.append(batch.processing_status)
        batch_emulator.clock.advance(3600)  # it ends after the first poll that got through

    done = await wait(session, batch_id, on_poll=on_poll, sleep=no_sleep)
    kinds = [k for _, k in batch_emulator.faults.injected]
    assert kinds.count("server_error") == 3 and kinds.count("cut_stream") == 1
    assert done.processing_status == "ended" and done.results_state == "complete"
    assert await session.store.stored_result_count(batch_id) == 30
    assert polls[0] == "in_progress"


async def test_wait_gives_up_naming_the_batch_and_its_real_cause(tmp_path, session, batch_emulator):
    outcome = await submit(session, write_requests(tmp_path / "in.jsonl", 3))
    batch_emulator.faults.inject("server_error", route="retrieve", times=100)
    with pytest.raises(WaitGaveUp) as info:
        await wait(session, outcome.batch.id, max_failures=2, sleep=no_sleep)
    message = str(info.value)
    assert info.value.batch_id == outcome.batch.id and outcome.batch.id in message
    assert "500" in message and "do not resubmit" in message
    assert "Cannot reach" not in message


async def test_delete_downloads_the_results_first(tmp_path, session, batch_emulator, other_tool):
    outcome = await submit(session, write_requests(tmp_path / "in.jsonl", 12))
    batch_emulator.clock.advance(3600)
    (result,) = await delete(session, [outcome.batch.id])
    assert result.ok and result.status == "deleted"
    assert await session.store.stored_result_count(outcome.batch.id) == 12  # the only copy was saved first
    assert server_batch_ids(other_tool) == []
    batch = await session.store.get_batch(outcome.batch.id)
    assert batch.deleted_remotely and batch.results_state == "complete"


async def test_delete_refuses_when_results_cannot_be_saved_unless_forced(tmp_path, session, batch_emulator,
                                                                         other_tool):  # fmt: skip
    outcome = await submit(session, write_requests(tmp_path / "in.jsonl", 5))
    batch_emulator.clock.advance(3600)
    batch_emulator.faults.inject("cut_stream", route="results", times=100)
    (refused,) = await delete(session, [outcome.batch.id])
    assert not refused.ok and refused.status == "results not saved" and "--force" in refused.message
    assert server_batch_ids(other_tool) == [outcome.batch.id]
    (forced,) = await delete(session, [outcome.batch.id], force=True)
    assert forced.ok and server_batch_ids(other_tool) == []


async def test_delete_handles_uncached_and_unknown_ids_and_goes_on(session, batch_emulator, other_tool):
    uncached = create_other(other_tool, 4)  # never listed by batchtui
    running = create_other(other_tool, 2)
    batch_emulator.clock.advance(3600)
    late = create_other(other_tool, 2)  # still in progress
    results = await delete(session, ["msgbatch_01DoesNotExist0000000000", uncached, late, running])
    by_id = {r.batch_id: r for r in results}
    assert [r.batch_id for r in results] == ["msgbatch_01DoesNotExist0000000000", uncached, late, running]
    assert by_id["msgbatch_01DoesNotExist0000000000"].status == "not found"
    assert by_id[uncached].ok and await session.store.stored_result_count(uncached) == 4
    assert not by_id[late].ok and by_id[late].status == "not ended"
    assert by_id[running].ok
    assert server_batch_ids(other_tool) == [late]


async def test_cancel_reports_each_id(session, other_tool):
    mine = create_other(other_tool, 3)
    results = await cancel(session, [mine, "msgbatch_01DoesNotExist0000000000"])
    assert results[0].ok and results[0].status == "canceling"
    assert not results[1].ok and "404" in results[1].message


async def test_ensure_results_downloads_once_and_explains_a_running_batch(session, batch_emulator, other_tool):
    from batchtui.core.errors import BatchtuiError

    running = create_other(other_tool, 3)
    with pytest.raises(BatchtuiError, match="in_progress"):
        await ensure_results(session, running)
    batch_emulator.clock.advance(3600)
    batch = await ensure_results(session, running)
    assert batch.results_state == "complete" and batch.results_rows == 3
