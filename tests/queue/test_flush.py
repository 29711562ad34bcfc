"""Flushing the queue against the emulator (the real SDK over loopback): by size, by age on an injected clock, now,
cut into batches by the limits, with the API out of reach, with a lost create answer, and from the crash windows a
killed flusher leaves. What the emulator received is read back every time: each request exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from batchtui.core.inputs import RequestDefaults, SplitLimits
from batchtui.core.queue import QueueSettings
from batchtui.service.queue_add import add_to_queue
from batchtui.service.queue_flush import flush_queue, queue_status
from batchtui.service.reconcile import reconcile
from tests.queue.support import ids, sent_custom_ids, write_requests

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SMALL = QueueSettings(flush_size=5, flush_age=timedelta(minutes=15))


async def test_it_flushes_by_size(session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 3)], now=T0)
    assert await flush_queue(session, config=SMALL, now=T0) == [], "3 of 5, and young"
    await add_to_queue(session, [write_requests(tmp_path / "b.jsonl", 4, start=3)], now=T0)
    (outcome,) = await flush_queue(session, config=SMALL, now=T0)
    assert outcome.sent and outcome.flush.reason == "size" and outcome.flush.state == "sent"
    assert outcome.batch.label == "queue flush #1" and outcome.batch.request_counts.total == 7
    seen, batches = sent_custom_ids(batch_emulator)
    assert batches == [outcome.batch.id] and seen == dict.fromkeys(ids(7), 1)
    status = await queue_status(session, SMALL)
    assert (status.queued, status.taken) == (0, 0)


async def test_it_flushes_by_age_on_the_injected_clock(session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 3)], now=T0)
    status = await queue_status(session, SMALL)
    assert status.next_flush(T0) == (T0 + timedelta(minutes=15), "age")
    assert await flush_queue(session, config=SMALL, now=T0 + timedelta(minutes=14, seconds=59)) == []
    assert sent_custom_ids(batch_emulator)[1] == [], "nothing was sent before its age"
    (outcome,) = await flush_queue(session, config=SMALL, now=T0 + timedelta(minutes=15))
    assert outcome.flush.reason == "age" and outcome.sent
    assert sent_custom_ids(batch_emulator)[0] == dict.fromkeys(ids(3), 1)


async def test_the_stored_triggers_beat_the_config(session, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 3)], now=T0)
    await session.store.set_queue_settings(flush_size=3)
    status = await queue_status(session, SMALL)
    assert status.settings.flush_size == 3 and status.settings.flush_age == SMALL.flush_age
    assert status.due_reason(T0) == "size"


async def test_a_flush_now_cuts_batches_at_the_limits_in_queue_order(session, batch_emulator, tmp_path):
    csv = tmp_path / "rows.csv"
    csv.write_text("id,prompt,team\n" + "".join(f"c-{i},question {i},t{i % 2}\n" for i in range(10)))
    defaults = RequestDefaults(model="claude-haiku-4-5", max_tokens=20)
    added = await add_to_queue(session, [csv], defaults=defaults, now=T0)
    assert added.added == 10
    outcomes = await flush_queue(session, force=True, limits=SplitLimits(max_requests=4), now=T0)
    assert [o.flush.request_count for o in outcomes] == [4, 4, 2] and all(o.sent for o in outcomes)
    assert {o.flush.reason for o in outcomes} == {"manual"}
    first = [cid async for cid, _ in session.store.iter_batch_requests(outcomes[0].batch.id)]
    assert sorted(first) == ["c-0", "c-1", "c-2", "c-3"]
    metadata = await session.store.request_metadata(outcomes[2].batch.id, ["c-8", "c-9"])
    assert metadata == {"c-8": {"team": "t0"}, "c-9": {"team": "t1"}}, "CSV extra columns travel with the request"
    seen, batches = sent_custom_ids(batch_emulator)
    assert len(batches) == 3 and seen == dict.fromkeys(ids(10, "c"), 1)


async def test_an_unreachable_api_sends_nothing_and_the_requests_wait(offline_session, tmp_path):
    session = offline_session
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 6)], now=T0)
    now = datetime.now(UTC)
    (outcome,) = await flush_queue(session, config=SMALL, now=now)
    assert not outcome.sent and outcome.flush.state == "failed" and "safe to submit again" in outcome.flush.error
    status = await queue_status(session, SMALL)
    assert (status.queued, status.taken) == (6, 0)


async def test_a_lost_create_answer_is_found_not_sent_again(session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 5)], now=T0)
    batch_emulator.faults.inject("lost_create")
    (outcome,) = await flush_queue(session, force=True)
    assert outcome.sent and outcome.probable and outcome.flush.state == "sending"
    assert (await queue_status(session, SMALL)).taken == 5, "taken until the custom_ids prove it"
    batch_emulator.clock.advance(3600)
    await reconcile(session)
    assert await flush_queue(session, force=True) == [], "nothing left to send"
    (flush,) = await session.store.flushes()
    assert flush.state == "sent" and flush.batch_id == outcome.batch.id
    seen, batches = sent_custom_ids(batch_emulator)
    assert batches == [outcome.batch.id] and seen == dict.fromkeys(ids(5), 1)
    assert batch_emulator.faults.calls["create"] == 1


async def test_two_flushers_on_one_cache_send_each_request_once(session, other_session, batch_emulator, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 60)])
    limits = SplitLimits(max_requests=7)

    async def flusher(s) -> list:
        done = []
        for _ in range(6):
            done += await flush_queue(s, force=True, limits=limits)
        return done

    both = await asyncio.gather(flusher(session), flusher(other_session))
    assert all(o.sent for o in both[0] + both[1]) and both[0] and both[1], "both took part"
    seen, batches = sent_custom_ids(batch_emulator)
    assert seen == dict.fromkeys(ids(60), 1) and len(batches) == 9


# -- the crash windows of a flusher killed part-way (the process is played by a second store) ----------------------


async def test_killed_after_linking_before_sending_the_requests_go_out_again(session, other_session, tmp_path):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 4)], now=T0)
    dead = other_session.store
    claim = await dead.claim_flush(lambda c, o: "size", max_requests=10, max_body_bytes=10**6)
    sub = await dead.record_submission(source_file=None, label=None, request_count=4, body_bytes=1, params_digest="d")
    assert await dead.link_flush(claim.id, sub.id)
    await dead.close()  # its leases end: the submission is `recorded`, never sent
    (outcome,) = await flush_queue(session, force=True)
    assert outcome.sent and outcome.flush.id != claim.id
    assert (await session.store.get_flush(claim.id)).state == "failed"
    assert (await session.store.get_submission(sub.id)).state == "failed"


async def test_killed_while_sending_with_no_batch_made_the_requests_go_out_after_the_grace(
    session, other_session, batch_emulator, tmp_path
):
    await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", 4)], now=T0)
    dead = other_session.store
    claim = await dead.claim_flush(lambda c, o: "size", max_requests=10, max_body_bytes=10**6)
    sub = await dead.record_submission(source_file=None, label=None, request_count=4, body_bytes=1, params_digest="d")
    assert await dead.link_flush(claim.id, sub.id)
    await dead.mark_submission_sending(sub.id)
    await dead.close()
    assert await flush_queue(session, force=True) == [], "its outcome is unknown: nothing is sent again yet"
    assert (await queue_status(session, SMALL)).taken == 4
    (judged,) = await reconcile(session, now=datetime.now(UTC) + timedelta(minutes=3))
    assert judged.state == "failed", "no batch of its size appeared in its window"
    (outcome,) = await flush_queue(session, force=True)
    assert outcome.sent
    seen, _ = sent_custom_ids(batch_emulator)
    assert seen == dict.fromkeys(ids(4), 1)


@pytest.mark.parametrize("size", [0, 1])
async def test_nothing_queued_nothing_sent(session, batch_emulator, tmp_path, size):
    if size:
        await add_to_queue(session, [write_requests(tmp_path / "a.jsonl", size)], now=T0)
        await session.store.queue_clear()
    assert await flush_queue(session, force=True) == []
    assert batch_emulator.faults.calls["create"] == 0
