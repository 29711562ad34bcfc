"""Reconcile on the real emulator: a submission whose create outcome is unknown is attached to a batch only when
that is proven (its results hold exactly its custom_ids), held as *probable* only when a single unclaimed batch
fits, and declared "safe to submit again" only when every batch that could be it has ended and been ruled out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batchtui.core.errors import OutcomeUnknown
from batchtui.service.reconcile import reconcile
from batchtui.service.submit import NotCreated, submit
from batchtui.service.sync import reconcile_and_report, sync_once
from tests.service.support import create_other, open_submission, server_batch_ids, write_requests

LATER = timedelta(minutes=10)  # past the grace period a new batch gets to appear in the list


def end_everything(emulator) -> None:
    emulator.clock.advance(3600)


async def test_another_tools_batch_is_never_attached_to_a_submission_that_was_not_sent(
    tmp_path, session, offline_session, other_tool
):
    # The reproduction: 137 requests against a closed port, then someone else's 137-request batch.
    with pytest.raises(NotCreated):
        await submit(offline_session, write_requests(tmp_path / "mine.jsonl", 137))
    theirs = create_other(other_tool, 137)
    report = await sync_once(session)
    (sub,) = await session.store.list_submissions()
    assert sub.state == "failed" and sub.batch_id is None and sub.candidate_batch_id is None
    assert report.reconciled == []
    batch = await session.store.get_batch(theirs)
    assert batch is not None and batch.source_file is None and batch.label is None


async def test_offline_then_lost_answer_never_swaps_or_duplicates(tmp_path, session, offline_session, batch_emulator,
                                                                   other_tool):  # fmt: skip
    # With batchtui alone: s1 made offline, s2's create answer lost. s1 must not take s2's batch, and s2 must
    # never be called safe to submit again.
    with pytest.raises(NotCreated):
        await submit(offline_session, write_requests(tmp_path / "s1.jsonl", 20, prefix="one"), label="s1")
    batch_emulator.faults.inject("lost_create")
    s2 = await submit(session, write_requests(tmp_path / "s2.jsonl", 20, prefix="two"), label="s2")
    (made,) = server_batch_ids(other_tool)
    assert s2.probable and s2.batch.id == made
    end_everything(batch_emulator)
    report = await sync_once(session)
    states = {s.label: s for s in await session.store.list_submissions()}
    assert states["s1"].state == "failed" and states["s1"].batch_id is None
    assert states["s2"].state == "created" and states["s2"].batch_id == made
    assert [(r.state, r.batch_id) for r in report.reconciled] == [("created", made)]
    batch = await session.store.get_batch(made)
    assert batch.label == "s2" and batch.source_file.endswith("s2.jsonl")
    assert server_batch_ids(other_tool) == [made]


async def test_a_lost_answer_beside_a_same_size_batch_is_not_guessed_but_verified(
    tmp_path, session, batch_emulator, other_tool
):
    theirs = create_other(other_tool, 15)
    batch_emulator.faults.inject("lost_create")
    with pytest.raises(OutcomeUnknown):  # two batches of its size at that time: batchtui does not pick one
        await submit(session, write_requests(tmp_path / "mine.jsonl", 15, prefix="mine"), label="mine")
    (mine,) = set(server_batch_ids(other_tool)) - {theirs}
    (sub,) = await session.store.list_submissions()
    assert sub.state == "unknown" and sub.candidate_batch_id is None
    (still,) = await reconcile(session)
    assert still.state == "unknown" and theirs in still.message and mine in still.message

    end_everything(batch_emulator)
    (done,) = await reconcile(session)
    assert done.state == "created" and done.batch_id == mine
    assert (await session.store.get_batch(mine)).label == "mine"
    assert (await session.store.get_batch(theirs)).label is None
    assert theirs not in {s.batch_id for s in await session.store.list_submissions()}


async def test_a_probable_batch_that_turns_out_to_be_another_is_let_go(session, batch_emulator, other_tool):
    sub = await open_submission(session.store, 8, prefix="mine")
    theirs = create_other(other_tool, 8)
    (first,) = await reconcile(session)
    assert first.state == "probable" and first.batch_id == theirs
    assert (await session.store.get_submission(sub.id)).candidate_batch_id == theirs
    assert (await session.store.get_batch(theirs)).label is None  # claimed, not attached

    end_everything(batch_emulator)
    (checked,) = await reconcile(session)
    assert checked.state == "unknown" and "ruled out" in checked.message
    assert (await session.store.get_submission(sub.id)).candidate_batch_id is None
    (final,) = await reconcile(session, now=datetime.now(UTC) + LATER)
    assert final.state == "failed" and "safe to submit again" in final.message
    assert (await session.store.get_batch(theirs)).label is None


async def test_not_safe_to_resubmit_while_a_candidate_is_still_running(session, other_tool):
    await open_submission(session.store, 6, prefix="mine")
    create_other(other_tool, 6)
    await open_submission(session.store, 6, prefix="also-mine")  # two claimants: neither is probable
    results = await reconcile(session, now=datetime.now(UTC) + LATER)
    assert [r.state for r in results] == ["unknown", "unknown"]
    assert all("does not guess" in r.message for r in results)
    assert all(r.pending for r in results)  # the candidate's custom_ids will tell once it ends


async def test_a_batch_is_given_to_the_submission_whose_custom_ids_it_holds(session, batch_emulator, other_tool):
    first = await open_submission(session.store, 3, prefix="first")
    second = await open_submission(session.store, 3, prefix="theirs")  # the batch below holds these ids
    made = create_other(other_tool, 3, prefix="theirs")
    before = {r.submission_id: r.state for r in await reconcile(session)}
    assert before == {first.id: "unknown", second.id: "unknown"}
    end_everything(batch_emulator)
    after = {r.submission_id: (r.state, r.batch_id) for r in await reconcile(session, now=datetime.now(UTC) + LATER)}
    assert after[second.id] == ("created", made)
    assert after[first.id] == ("failed", None)


async def test_the_same_requests_sent_twice_are_never_guessed_between(session, batch_emulator, other_tool):
    a = await open_submission(session.store, 4, prefix="theirs", digest="a" * 64)
    b = await open_submission(session.store, 4, prefix="theirs", digest="b" * 64)
    create_other(other_tool, 4, prefix="theirs")
    end_everything(batch_emulator)
    results = await reconcile(session, now=datetime.now(UTC) + LATER)
    assert {r.submission_id: r.state for r in results} == {a.id: "unknown", b.id: "unknown"}
    assert any("sent twice" in r.message for r in results)
    assert not any(r.pending for r in results)  # only a person can tell them apart: a waiting submit stops


async def test_a_crash_before_sending_is_failed_and_safe(session):
    sub = await open_submission(session.store, 3, state="recorded")
    (result,) = await reconcile(session)
    assert result.state == "failed" and "safe to submit again" in result.message
    assert (await session.store.get_submission(sub.id)).state == "failed"


async def test_a_crash_after_sending_finds_the_batch_that_exists(session, batch_emulator, other_tool):
    sub = await open_submission(session.store, 7, state="sending", prefix="c")
    create_other(other_tool, 1)
    mine = create_other(other_tool, 7, prefix="c")
    (probable,) = await reconcile(session)
    assert probable.state == "probable" and probable.batch_id == mine
    end_everything(batch_emulator)
    (result,) = await reconcile(session)
    assert result.state == "created" and result.batch_id == mine
    assert (await session.store.get_submission(sub.id)).batch_id == mine


async def test_unknown_with_no_batch_fails_only_after_the_grace_period(session):
    sub = await open_submission(session.store, 5)
    (early,) = await reconcile(session)
    assert early.state == "unknown" and early.pending  # a new batch can take a while to be listed
    (result,) = await reconcile(session, now=datetime.now(UTC) + LATER)
    assert result.state == "failed"
    assert "safe to submit again" in (await session.store.get_submission(sub.id)).error


async def test_sync_reports_each_move_once_through_the_event_sink(session, batch_emulator, other_tool):
    from batchtui.core.events import SubmissionResolved

    await open_submission(session.store, 2, prefix="c")
    made = create_other(other_tool, 2, prefix="c")
    events: list = []
    session.events_to(events.append)
    await reconcile_and_report(session)
    await reconcile_and_report(session)  # nothing new: nothing said
    end_everything(batch_emulator)
    await sync_once(session)
    moved = [(e.state, e.batch_id) for e in events if isinstance(e, SubmissionResolved)]
    assert moved == [("probable", made), ("created", made)]


async def test_a_submission_settled_by_another_process_meanwhile_is_reported_not_failed(
    session, batch_emulator, other_tool, monkeypatch
):
    """Two processes reconcile one submission: the other proves its batch after this one listed the open
    submissions and before it built its view. This one then finds no candidate left (the batch is proven), and
    must report what the other decided, not call the submission failed (the store refuses: it crashed `submit`)."""
    import batchtui.service.reconcile as reconcile_module

    sub = await open_submission(session.store, 7, state="sending", prefix="c")
    mine = create_other(other_tool, 7, prefix="c")
    end_everything(batch_emulator)
    await session.engine.refresh()  # the batch is in the cache (no reconcile yet)
    build = reconcile_module._View.build

    async def other_process_first(session_, unsure):
        await session_.store.mark_submission_created(sub.id, mine)  # the other process's reconcile
        return await build(session_, unsure)

    monkeypatch.setattr(reconcile_module._View, "build", other_process_first)
    (result,) = await reconcile(session, only=sub.id, now=datetime.now(UTC) + LATER)
    assert (result.state, result.batch_id, result.changed) == ("created", mine, False)
    assert (await session.store.get_submission(sub.id)).state == "created"


async def test_a_crash_before_sending_settled_by_another_process_meanwhile_is_reported(session, monkeypatch):
    sub = await open_submission(session.store, 3, state="recorded")
    store = session.store
    listed = await store.submissions_in("recorded", "sending", "unknown")  # what this process saw
    await store.mark_submission_failed(sub.id, "settled by the other process")

    async def stale(*states):
        return listed

    monkeypatch.setattr(store, "submissions_in", stale)
    (result,) = await reconcile(session)
    assert (result.state, result.changed) == ("failed", False)
    assert (await store.get_submission(sub.id)).error == "settled by the other process"
