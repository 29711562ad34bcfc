"""A file over one batch's limits, submitted on the emulator: a group of batches in file order, each part through
the crash-safe submission path, and a second submit of the same file continuing an unfinished group without ever
sending a created (or possibly created) part again. Small limits are injected so a few requests make a group."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from batchtui.core.errors import DuplicateSubmission
from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.session import Session
from batchtui.service.submit import SubmitOutcome
from tests.service.support import create_other, server_batch_ids, write_requests

FOUR = SplitLimits(max_requests=4)


class Killed(BaseException):
    """The process dying at that point (not an Exception: nothing in batchtui may catch it)."""


def _server_ids(client: anthropic.Anthropic, emu: Emulator, batch_id: str) -> list[str]:
    emu.clock.advance(3600)  # every batch so far has ended
    return sorted((r.custom_id for r in client.messages.batches.results(batch_id)), key=lambda c: int(c[2:]))


def _kill_on_call(n: int, real):
    calls = []

    async def wrapper(*args, **kwargs):
        calls.append(args)
        if len(calls) == n:
            raise Killed()
        return await real(*args, **kwargs)

    return wrapper


async def test_a_file_over_the_limits_becomes_a_group_of_batches_in_file_order(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    path = write_requests(tmp_path / "big.jsonl", 10)
    notes: list[str] = []
    outcome = await submit_source(session, path, FOUR, label="big run", on_note=notes.append)
    assert isinstance(outcome, GroupOutcome) and outcome.complete and outcome.error is None
    assert not outcome.continued and len(outcome.batch_ids) == 3
    assert sorted(server_batch_ids(other_tool)) == sorted(outcome.batch_ids)  # nothing else was created
    got = [_server_ids(other_tool, batch_emulator, b) for b in outcome.batch_ids]
    assert got == [[f"q-{i}" for i in range(0, 4)], [f"q-{i}" for i in range(4, 8)], ["q-8", "q-9"]]
    group = await session.store.get_group(outcome.group.id)  # type: ignore[union-attr]
    assert group is not None and group.complete and group.group.name == "big run"
    assert group.group.source_file == str(path.resolve()) and group.group.request_count == 10
    for number, batch_id in enumerate(outcome.batch_ids, 1):
        batch = await session.store.get_batch(batch_id)
        assert batch is not None and (batch.group_id, batch.group_part) == (group.id, number)
        assert batch.label == f"big run (part {number}/3)" and batch.submission_id is not None
    assert "part 2 of 3: created " + outcome.batch_ids[1] in notes
    assert not list(session.spool_dir.glob("*"))  # every part's spool went once its batch existed


async def test_a_file_within_the_limits_is_one_batch_and_no_group(
    tmp_path: Path, session: Session, other_tool: anthropic.Anthropic
) -> None:
    outcome = await submit_source(session, write_requests(tmp_path / "small.jsonl", 4), FOUR)
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    assert outcome.batch.group_id is None and outcome.submission.group_id is None  # type: ignore[union-attr]
    assert await session.store.list_groups() == []
    assert server_batch_ids(other_tool) == [outcome.batch.id]


async def test_a_dry_run_plans_the_parts_and_sends_nothing(
    tmp_path: Path, session: Session, other_tool: anthropic.Anthropic
) -> None:
    outcome = await submit_source(session, write_requests(tmp_path / "big.jsonl", 9), FOUR, dry_run=True)
    assert isinstance(outcome, GroupOutcome) and outcome.group is None
    assert [p.request_count for p in outcome.report.parts] == [4, 4, 1]
    assert server_batch_ids(other_tool) == [] and await session.store.list_groups() == []
    assert not list(session.spool_dir.glob("*"))


async def test_a_group_cut_short_before_part_2_was_recorded_is_continued(
    tmp_path: Path, session: Session, other_tool: anthropic.Anthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_requests(tmp_path / "big.jsonl", 10)
    store = session.store
    with monkeypatch.context() as m:
        m.setattr(store, "record_submission", _kill_on_call(2, store.record_submission))
        with pytest.raises(Killed):
            await submit_source(session, path, FOUR)
    first = server_batch_ids(other_tool)
    assert len(first) == 1  # part 1 was created, then the process died
    (group,) = await store.list_groups()
    assert [p.state for p in group.parts] == ["created", "pending", "pending"]

    notes: list[str] = []
    outcome = await submit_source(session, path, FOUR, on_note=notes.append)
    assert isinstance(outcome, GroupOutcome) and outcome.continued and outcome.complete
    assert outcome.group.id == group.id and outcome.batch_ids[0] == first[0]  # type: ignore[union-attr]
    assert [p.earlier for p in outcome.parts] == [True, False, False]
    assert sorted(server_batch_ids(other_tool)) == sorted(outcome.batch_ids)  # part 1 was not sent again
    assert any(n.startswith(f"continuing group {group.id}") for n in notes)


async def test_a_part_recorded_but_never_sent_is_sent_on_continue(
    tmp_path: Path, session: Session, other_tool: anthropic.Anthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_requests(tmp_path / "big.jsonl", 10)
    store = session.store
    with monkeypatch.context() as m:
        m.setattr(store, "add_requests", _kill_on_call(2, store.add_requests))  # part 2: recorded, not sent
        with pytest.raises(Killed):
            await submit_source(session, path, FOUR)
    (group,) = await store.list_groups()
    assert [p.state for p in group.parts] == ["created", "sending", "pending"]  # recorded: not provably anything
    stale = group.parts[1].submission
    outcome = await submit_source(session, path, FOUR)
    # Reconcile first proves the recorded part never left (failed), then it is reopened and sent: one per part.
    assert isinstance(outcome, GroupOutcome) and outcome.complete and outcome.continued
    assert outcome.parts[1].submission.id == stale.id  # type: ignore[union-attr]
    assert len(server_batch_ids(other_tool)) == 3


async def test_a_lost_answer_on_a_part_is_held_probable_and_never_resent(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    batch_emulator.faults.inject("lost_create", route="create")  # part 1's batch is made; its answer is lost
    outcome = await submit_source(session, write_requests(tmp_path / "big.jsonl", 10), FOUR)
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    assert [p.state for p in outcome.parts] == ["probable", "created", "created"]
    assert sorted(server_batch_ids(other_tool)) == sorted(outcome.batch_ids)  # three batches, no duplicate


async def test_a_part_whose_outcome_stays_unknown_stops_the_group_and_blocks_continuing(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    path = write_requests(tmp_path / "big.jsonl", 12)
    create_other(other_tool, 4)  # another tool's batch of the same size, at the same time: reconcile cannot tell
    batch_emulator.faults.inject("lost_create", route="create")
    outcome = await submit_source(session, path, FOUR)
    assert isinstance(outcome, GroupOutcome) and not outcome.complete
    assert outcome.error is not None and outcome.error.startswith("part 1 of 3:")
    assert [p.state for p in outcome.parts] == ["unknown", "pending", "pending"]  # nothing more was sent
    assert len(server_batch_ids(other_tool)) == 2  # theirs, and our part 1 (whose answer was lost)

    with pytest.raises(DuplicateSubmission, match=r"part 1 \(submission"):
        await submit_source(session, path, FOUR)
    assert len(server_batch_ids(other_tool)) == 2  # refused: nothing was sent
    (group,) = await session.store.list_groups()
    assert [p.state for p in group.parts] == ["unknown", "pending", "pending"]


async def test_force_starts_a_new_group(tmp_path: Path, session: Session, other_tool: anthropic.Anthropic) -> None:
    path = write_requests(tmp_path / "big.jsonl", 6)
    first = await submit_source(session, path, FOUR)
    second = await submit_source(session, path, FOUR, force=True)
    assert isinstance(first, GroupOutcome) and isinstance(second, GroupOutcome)
    assert first.group.id != second.group.id and not second.continued  # type: ignore[union-attr]
    assert len(server_batch_ids(other_tool)) == 4
