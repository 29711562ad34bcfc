"""A group larger than the workspace's processing queue (the emulator's `queue_limit`) is fed part by part as the
queue drains; a part larger than the queue fails clearly and nothing more is sent; an ordinary rate limit is
retried a bounded number of times. Waiting moves the emulator's clock instead of sleeping."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import anthropic
import pytest

from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.queue import QueuePolicy
from batchtui.service.session import Session
from tests.service.support import create_other, server_batch_ids, write_requests

FOUR = SplitLimits(max_requests=4)


def clock_sleep(emu: Emulator, slept: list[float], on_sleep=None):
    """A `sleep` for QueuePolicy that moves the emulator's time instead of waiting."""

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if on_sleep is not None:
            await on_sleep()
        emu.clock.advance(seconds)
        await asyncio.sleep(0)

    return sleep


@pytest.mark.emulator(queue_limit=5, batch_seconds=30)
async def test_a_group_bigger_than_the_queue_is_created_as_it_drains(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    slept: list[float] = []
    states: list[list[str]] = []

    async def look() -> None:  # what another process (or a crash) would find while a part waits
        (group,) = await session.store.list_groups()
        states.append([p.state for p in group.parts])

    notes: list[str] = []
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 12), FOUR, on_note=notes.append,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, slept, look)),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.complete and outcome.error is None
    assert sorted(server_batch_ids(other_tool)) == sorted(outcome.batch_ids) and len(outcome.batch_ids) == 3
    # Parts 2 and 3 were each refused once (4 + 4 > 5), then sent when the part before had ended: no blind retries.
    assert batch_emulator.faults.calls["create"] == 5
    assert "part 2 of 3 waits for the queue: 4 requests processing" in notes
    assert "part 3 of 3 waits for the queue: 4 requests processing" in notes
    batches = [other_tool.messages.batches.retrieve(b) for b in outcome.batch_ids]
    for before, after in itertools.pairwise(batches):
        assert before.ended_at is not None and after.created_at >= before.ended_at  # never over the queue
    # While waiting, a refused part is `failed` (nothing was created): safe for anyone to find, never resent blindly.
    assert ["created", "failed", "pending"] in states and ["created", "created", "failed"] in states
    assert slept and slept[0] >= 2.0


@pytest.mark.emulator(queue_limit=6, batch_seconds=30)
async def test_the_queue_filled_by_another_tool_is_waited_out_too(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    theirs_id = create_other(other_tool, 5)
    slept: list[float] = []
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 6), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, slept)),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    first = other_tool.messages.batches.retrieve(outcome.batch_ids[0])
    ended = other_tool.messages.batches.retrieve(theirs_id).ended_at
    assert ended is not None and first.created_at >= ended


@pytest.mark.emulator(queue_limit=3, batch_seconds=30)
async def test_a_part_larger_than_the_queue_fails_clearly_and_nothing_more_is_sent(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 10), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, [])),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and not outcome.complete
    assert outcome.error is not None and "larger than this workspace's processing queue" in outcome.error
    assert outcome.error.startswith("part 1 of 3: a part of 4 requests")
    assert [p.state for p in outcome.parts] == ["failed", "pending", "pending"]
    assert batch_emulator.faults.calls["create"] == 2  # refused, looked again once, refused: then stopped
    assert server_batch_ids(other_tool) == []
    (group,) = await session.store.list_groups()
    assert group.parts[0].submission.state == "failed"  # type: ignore[union-attr]
    assert "nothing was created" in group.parts[0].submission.error  # type: ignore[union-attr, operator]


async def test_an_ordinary_rate_limit_is_retried_then_sent_once(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    batch_emulator.faults.inject("rate_limit", route="create", times=2)  # per-minute limit, nothing processing
    slept: list[float] = []
    notes: list[str] = []
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 6), FOUR, on_note=notes.append,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, slept)),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    assert len(server_batch_ids(other_tool)) == 2 and batch_emulator.faults.calls["create"] == 4
    assert slept == [0.2, 0.2]  # the server's retry-after-ms, not a queue wait
    assert not any("waits for the queue" in n for n in notes)


async def test_a_rate_limit_to_the_end_stops_the_group_saying_nothing_was_created(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    batch_emulator.faults.inject("rate_limit", route="create", times=100)
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 6), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, [])),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.error is not None
    assert "busy on every attempt" in outcome.error and "nothing was created" in outcome.error
    assert batch_emulator.faults.calls["create"] == 6 and server_batch_ids(other_tool) == []


@pytest.mark.emulator(queue_limit=5, batch_seconds=30)
async def test_created_times_follow_the_queue(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    """The cache sees what the queue did too: each part's batch, as stored, starts after the one before ended."""
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 8), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, [])),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    await session.engine.refresh()
    stored = [await session.store.get_batch(b) for b in outcome.batch_ids]
    assert stored[0] is not None and stored[1] is not None and stored[0].ended_at is not None
    assert stored[1].created_at >= stored[0].ended_at
    assert other_tool.messages.batches.retrieve(stored[1].id).created_at == stored[1].created_at


@pytest.mark.emulator(batch_seconds=600)
async def test_a_429_not_naming_the_queue_while_requests_run_is_retried_after_its_retry_after(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    """It may be a per-minute limit: seconds, not the ten minutes the running batch needs to end."""
    create_other(other_tool, 5)
    batch_emulator.faults.inject("rate_limit", route="create")
    slept: list[float] = []
    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 6), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, slept)),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    assert slept == [2.0]  # one look at the queue (poll_start), then sent again: the batch still runs
    assert batch_emulator.faults.calls["create"] == 4  # theirs, the refused one, and our two parts


@pytest.mark.emulator(queue_limit=5, batch_seconds=30)
async def test_a_part_another_process_took_over_while_waiting_is_not_sent_twice(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    """The same file submitted in a second terminal while the first waits: the submission log lets one send."""

    async def other_process_sends_it() -> None:
        (group,) = await session.store.list_groups()
        waiting = group.parts[1].submission
        if waiting is not None and waiting.state == "failed":
            await session.store.reopen_submission(waiting.id)
            await session.store.mark_submission_sending(waiting.id)

    outcome = await submit_source(
        session, write_requests(tmp_path / "big.jsonl", 8), FOUR,
        policy=QueuePolicy(sleep=clock_sleep(batch_emulator, [], other_process_sends_it)),
    )  # fmt: skip
    assert isinstance(outcome, GroupOutcome) and not outcome.complete
    assert outcome.error is not None and "another process moved this part on" in outcome.error
    assert batch_emulator.faults.calls["create"] == 2  # part 1, and part 2's refused try: never sent again from here
