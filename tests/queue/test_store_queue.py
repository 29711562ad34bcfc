"""The queue in the store (real SQLite): adds all or nothing, custom_id clashes named, exclusive claims cut to a
batch's limits, and settling: a dead claim goes back, a linked flush follows its submission's outcome."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from batchtui.core.inputs.split import BODY_HEAD, BODY_SEP, BODY_TAIL
from batchtui.core.queue import QueueSettings
from batchtui.core.store import Store
from batchtui.core.store.batches import wire_time
from batchtui.core.store.queue import QueueClash, QueuedRequest

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def rows(n: int, prefix: str = "q", source: str = "a.jsonl", start: int = 0) -> list[QueuedRequest]:
    out = []
    for i in range(start, start + n):
        params = json.dumps({"n": i}, separators=(",", ":"))
        item = len(f'{{"custom_id":"{prefix}-{i}","params":{params}}}')
        out.append(QueuedRequest(f"{prefix}-{i}", params, f"h{i}", item, i + 1, None, source))
    return out


def manual(_count: int, _oldest: datetime | None) -> str:
    return "manual"


async def test_an_add_is_queued_in_order_with_its_age(store: Store):
    assert await store.queue_add(rows(5), add_id="a1", added_at=T0) == 5
    status = await store.queue_status(QueueSettings())
    assert (status.queued, status.taken, status.oldest_added_at) == (5, 0, T0)
    assert status.queued_bytes == sum(r.item_bytes for r in rows(5))
    claim = await store.claim_flush(manual, max_requests=2, max_body_bytes=10**6)
    assert claim is not None and claim.request_count == 2
    taken = [cid for chunk in [c async for c in store.iter_flush_items(claim.id)] for cid, _ in chunk]
    assert taken == ["q-0", "q-1"], "the oldest go first"


async def test_a_clash_adds_nothing_and_names_both_sources(store: Store):
    await store.queue_add(rows(3, source="first.jsonl"), add_id="a1")
    incoming = [*rows(1, prefix="new", source="second.csv"), *rows(1, source="second.csv", start=2)]
    with pytest.raises(QueueClash) as caught:
        await store.queue_add(incoming, add_id="a2")
    message = str(caught.value)
    assert 'second.csv:3: custom_id "q-2" is already queued from first.jsonl:3' in message
    assert "Nothing was added" in message and caught.value.exit_code == 2
    status = await store.queue_status(QueueSettings())
    assert status.queued == 3, "the request before the clash was rolled back too"


async def test_two_files_of_one_add_may_not_share_an_id(store: Store):
    both = [*rows(2, source="x.jsonl"), *rows(1, source="y.jsonl", start=1)]
    with pytest.raises(QueueClash, match=r"y.jsonl:2: custom_id \"q-1\" is already queued from x.jsonl:2"):
        await store.queue_add(both, add_id="a1")
    assert (await store.queue_status(QueueSettings())).queued == 0


async def test_a_sent_custom_id_may_be_queued_again(store: Store):
    await store.queue_add(rows(2), add_id="a1")
    claim = await store.claim_flush(manual, max_requests=10, max_body_bytes=10**6)
    sub = await store.record_submission(source_file=None, label=None, request_count=2, body_bytes=1, params_digest="d")
    assert await store.link_flush(claim.id, sub.id)
    with pytest.raises(QueueClash):  # taken, not sent yet: it may still share a batch with what comes next
        await store.queue_add(rows(2), add_id="a2")
    await store.mark_submission_sending(sub.id)
    await store.mark_submission_created(sub.id, "msgbatch_01X")
    settled = await store.settle_flush(claim.id)
    assert settled.state == "sent" and settled.batch_id == "msgbatch_01X"
    assert await store.queue_add(rows(2), add_id="a3") == 2


async def test_clear_removes_only_what_no_flush_took(store: Store):
    await store.queue_add(rows(6), add_id="a1")
    await store.claim_flush(manual, max_requests=4, max_body_bytes=10**6)
    assert await store.queue_clear() == 2
    status = await store.queue_status(QueueSettings())
    assert (status.queued, status.taken) == (0, 4)


async def test_a_claim_stops_at_the_body_limit(store: Store):
    batch = rows(10)
    await store.queue_add(batch, add_id="a1")
    fits = len(BODY_HEAD) + len(BODY_TAIL) + sum(r.item_bytes for r in batch[:3]) + 2 * len(BODY_SEP)
    claim = await store.claim_flush(manual, max_requests=100, max_body_bytes=fits + 5)
    assert claim.request_count == 3 and claim.body_bytes == fits
    claim = await store.claim_flush(manual, max_requests=100, max_body_bytes=10**6, upto_seq=5)
    assert claim.request_count == 2, "only rows queued up to seq 5"


async def test_a_claim_checks_its_trigger_inside_its_transaction(store: Store):
    await store.queue_add(rows(3), add_id="a1", added_at=T0)
    seen = []

    def not_yet(count: int, oldest: datetime | None) -> str | None:
        seen.append((count, oldest))
        return None

    assert await store.claim_flush(not_yet, max_requests=10, max_body_bytes=10**6) is None
    assert seen == [(3, T0)]
    assert (await store.queue_status(QueueSettings())).queued == 3


async def test_concurrent_claims_from_two_processes_are_disjoint(store: Store, db_path):
    await store.queue_add(rows(200), add_id="a1")
    async with await Store.open(db_path) as other:
        claims = await asyncio.gather(
            *(s.claim_flush(manual, max_requests=7, max_body_bytes=10**6) for s in [store, other] * 20)
        )
        taken = []
        for claim in filter(None, claims):
            taken += [cid for chunk in [c async for c in store.iter_flush_items(claim.id)] for cid, _ in chunk]
    assert len(taken) == len(set(taken)) == 200
    assert sorted(taken) == sorted(r.custom_id for r in rows(200))


async def test_a_claim_of_a_dead_process_goes_back_and_its_owner_cannot_send_it(store: Store, db_path):
    await store.queue_add(rows(4), add_id="a1")
    async with await Store.open(db_path) as other:
        claim = await other.claim_flush(manual, max_requests=10, max_body_bytes=10**6)
        assert await store.settle_flushes() == [], "a live process's claim is left alone"
        async with store._db.transaction() as conn:  # its lease lapsed: the process hung, or its machine died
            await conn.execute(
                "UPDATE queue_flushes SET lease_until = ? WHERE id = ?",
                (wire_time(datetime.now(UTC) - timedelta(seconds=1)), claim.id),
            )
        (abandoned,) = await store.settle_flushes()
        assert abandoned.id == claim.id and abandoned.state == "abandoned"
        assert (await store.queue_status(QueueSettings())).queued == 4
        sub = await other.record_submission(source_file=None, label=None, request_count=4, body_bytes=1,
                                            params_digest="d")  # fmt: skip
        assert not await other.link_flush(claim.id, sub.id), "the slow owner finds its claim gone: it sends nothing"
        assert await store._db.scalar("SELECT count(*) FROM requests WHERE submission_id = ?", (sub.id,)) == 0


async def test_a_killed_owner_is_noticed_at_once(store: Store):
    await store.queue_add(rows(2), add_id="a1")
    claim = await store.claim_flush(manual, max_requests=10, max_body_bytes=10**6)
    async with store._db.transaction() as conn:  # as if claimed by a process that is gone (pid 2**22 + 1 never is)
        await conn.execute("UPDATE queue_flushes SET lease_owner = ? WHERE id = ?",
                           (f"{store.lease_owner.split(':')[0]}:4194305:dead", claim.id))  # fmt: skip
    (abandoned,) = await store.settle_flushes()
    assert abandoned.state == "abandoned" and "went back to the queue" in abandoned.error


@pytest.mark.parametrize(
    ("outcome", "state", "queued", "taken"),
    [("created", "sent", 0, 0), ("failed", "failed", 3, 0), ("unknown", "sending", 0, 3)],
)
async def test_a_linked_flush_follows_its_submission(store: Store, outcome, state, queued, taken):
    await store.queue_add(rows(3), add_id="a1")
    claim = await store.claim_flush(manual, max_requests=10, max_body_bytes=10**6)
    sub = await store.record_submission(source_file=None, label=None, request_count=3, body_bytes=1, params_digest="d")
    assert await store.link_flush(claim.id, sub.id)
    stored = await store._db.fetchall("SELECT custom_id FROM requests WHERE submission_id = ?", (sub.id,))
    assert sorted(r[0] for r in stored) == ["q-0", "q-1", "q-2"], "its requests are recorded before any send"
    await store.mark_submission_sending(sub.id)
    if outcome == "created":
        await store.mark_submission_created(sub.id, "msgbatch_01Y")
    elif outcome == "failed":
        await store.mark_submission_failed(sub.id, "not sent: connection refused")
    else:
        await store.mark_submission_unknown(sub.id, "connection lost")
    assert await store.abandon_flush(claim.id) is False, "a linked flush is never abandoned"
    await store.settle_flushes()
    settled = await store.get_flush(claim.id)
    status = await store.queue_status(QueueSettings())
    assert (settled.state, status.queued, status.taken) == (state, queued, taken)
    if outcome == "failed":
        assert "connection refused" in settled.error
