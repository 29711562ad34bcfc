"""Crash windows of `submit --reuse`. The answers a submission reuses are recorded with it before anything is sent
and copied into its batch's results only once that batch is proven its own, so: killed after recording, nothing
is sent and nothing appears (the next submit decides again); a lost create answer shows the reused answers once
reconcile verifies the batch; the same file submitted again is recognised by what it holds, however much of it the
cache answers now (an unfinished group goes on as planned; an unresolved submission blocks a second send)."""

from __future__ import annotations

from pathlib import Path

import anthropic
import pytest

from batchtui.core.errors import DuplicateSubmission, OutcomeUnknown
from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.reconcile import reconcile
from batchtui.service.reuse import Reuse
from batchtui.service.session import Session
from batchtui.service.submit import SubmitOutcome
from tests.service.reuse_support import ONE, answered, finished, prompts, reused_rows_anywhere, rows_of, write
from tests.service.support import create_other, server_batch_ids

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)

THREE = SplitLimits(max_requests=3)


class Killed(BaseException):
    """The process dying at that point (not an Exception: nothing in batchtui may catch it)."""


def kill_on_call(n: int, real):
    calls = 0

    async def wrapper(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == n:
            raise Killed()
        return await real(*args, **kwargs)

    return wrapper


async def test_killed_after_recording_its_reuses_nothing_is_sent_and_nothing_appears(
    tmp_path: Path,
    session: Session,
    batch_emulator: Emulator,
    other_tool: anthropic.Anthropic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await answered(session, batch_emulator, write(tmp_path / "four.jsonl", prompts(4)))
    path = write(tmp_path / "six.jsonl", {**prompts(4), **prompts(2, prefix="new")})
    store = session.store
    with monkeypatch.context() as m:
        m.setattr(store, "mark_submission_sending", kill_on_call(1, store.mark_submission_sending))
        with pytest.raises(Killed):
            await submit_source(session, path, ONE, reuse=Reuse())
    (dead,) = await store.submissions_in("recorded")
    assert await store._db.scalar("SELECT count(*) FROM reuses WHERE owner = ?", (dead.id,)) == 4
    assert server_batch_ids(other_tool) == [first.id] and await reused_rows_anywhere(session) == 0

    outcome = await submit_source(session, path, ONE, reuse=Reuse())  # reconcile proves the dead one never left
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    assert (await store.get_submission(dead.id)).state == "failed"  # type: ignore[union-attr]
    assert sorted(server_batch_ids(other_tool)) == sorted([first.id, outcome.batch.id])
    assert await reused_rows_anywhere(session) == 4  # once, in the new batch
    batch = await finished(session, batch_emulator, outcome.batch.id)
    assert len(await rows_of(session, batch.id)) == 6 and batch.reused_rows == 4


async def test_a_lost_create_answer_shows_the_reused_answers_once_the_batch_is_verified(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    await answered(session, batch_emulator, write(tmp_path / "four.jsonl", prompts(4)))
    path = write(tmp_path / "six.jsonl", {**prompts(4), **prompts(2, prefix="new")})
    batch_emulator.faults.inject("lost_create", route="create")
    outcome = await submit_source(session, path, ONE, reuse=Reuse())
    assert isinstance(outcome, SubmitOutcome) and outcome.probable and outcome.batch is not None
    assert await reused_rows_anywhere(session) == 0  # probable, not proven: nothing is attached to it yet

    batch_emulator.clock.advance(3600)
    (resolved,) = await reconcile(session)
    assert (resolved.state, resolved.batch_id) == ("created", outcome.batch.id)
    rows = await rows_of(session, outcome.batch.id)
    assert len(rows) == 6 and {cid for cid, r in rows.items() if r.reused} == {f"p-{i}" for i in range(4)}
    assert await reused_rows_anywhere(session) == 4 and len(server_batch_ids(other_tool)) == 2


async def test_an_unresolved_submission_of_the_same_file_blocks_it_however_much_is_now_answered(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    await answered(session, batch_emulator, write(tmp_path / "two.jsonl", prompts(2)))
    path = write(tmp_path / "five.jsonl", {**prompts(2), **prompts(3, prefix="new")})
    create_other(other_tool, 5)  # another batch of its size at the same time: reconcile cannot tell which
    batch_emulator.faults.inject("lost_create", route="create")
    with pytest.raises(OutcomeUnknown):
        await submit_source(session, path, ONE)  # sent whole (no --reuse), answer lost
    before = len(server_batch_ids(other_tool))
    # With --reuse the body would differ (two answered), but it is the same file: refused, nothing sent.
    with pytest.raises(DuplicateSubmission, match="outcome is still unknown"):
        await submit_source(session, path, ONE, reuse=Reuse())
    assert len(server_batch_ids(other_tool)) == before


async def test_an_unfinished_group_goes_on_as_planned_when_the_cache_answers_more_meanwhile(
    tmp_path: Path,
    session: Session,
    batch_emulator: Emulator,
    other_tool: anthropic.Anthropic,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path / "nine.jsonl", prompts(9))
    store = session.store
    with monkeypatch.context() as m:
        m.setattr(store, "record_submission", kill_on_call(2, store.record_submission))
        with pytest.raises(Killed):
            await submit_source(session, path, THREE, reuse=Reuse())  # part 1 sent, then the process died
    (group,) = await store.list_groups()
    part1 = group.parts[0].batch_id
    assert part1 is not None and [p.state for p in group.parts] == ["created", "pending", "pending"]
    # Meanwhile another file answers two requests of part 3: today's cache would plan the file differently.
    await answered(session, batch_emulator, write(tmp_path / "other.jsonl", {k: prompts(9)[k] for k in ("p-7", "p-8")}))

    notes: list[str] = []
    outcome = await submit_source(session, path, THREE, reuse=Reuse(), on_note=notes.append)
    assert isinstance(outcome, GroupOutcome) and outcome.continued and outcome.complete
    assert outcome.group is not None and outcome.group.id == group.group.id
    assert outcome.batch_ids[0] == part1 and outcome.parts[0].earlier
    sent: list[str] = []
    for batch_id in outcome.batch_ids:
        sent += [cid for cid, _ in await batch_emulator.state.request_params(batch_id)]
    assert sent == [f"p-{i}" for i in range(9)]  # each once: part 1 was not sent again
    assert any("goes on as it was planned" in n for n in outcome.notes)
