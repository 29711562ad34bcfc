"""A submit run again after one killed (or cut off) mid-create: when its own reconcile finds that the earlier send
of exactly these requests did create a batch, it says so and sends nothing, rather than a second, billed batch.
Found by the reliability suite (tests/reliability/test_kill_trials.py)."""

from __future__ import annotations

import pytest

from batchtui.core.errors import DuplicateSubmission, OutcomeUnknown
from batchtui.service.submit import submit
from tests.service.support import server_batch_ids, write_requests


async def test_the_same_file_is_not_sent_again_once_its_lost_batch_is_found(
    tmp_path, session, batch_emulator, other_tool
):
    path = write_requests(tmp_path / "in.jsonl", 7)
    batch_emulator.faults.inject("lost_create")
    batch_emulator.faults.inject("server_error", route="list", times=3)  # the look that follows fails too
    with pytest.raises(OutcomeUnknown):
        await submit(session, path)
    (made,) = server_batch_ids(other_tool)
    batch_emulator.clock.advance(3600)  # it ended meanwhile: the next reconcile proves it is this submission's
    with pytest.raises(DuplicateSubmission, match=made) as info:
        await submit(session, path)
    assert info.value.exit_code == 2 and "--force" in str(info.value)
    assert server_batch_ids(other_tool) == [made]
    (sub,) = await session.store.list_submissions()
    assert sub.state == "created" and sub.batch_id == made
    forced = await submit(session, path, force=True)  # asked for: a second batch
    assert sorted(server_batch_ids(other_tool)) == sorted([made, forced.batch.id])
