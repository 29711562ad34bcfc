"""Leases: a submission being sent is never judged lost by another process's reconcile, however long its upload
takes; a lease ends with its send, lapses when not renewed, and counts for nothing once its process is gone."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest

from batchtui.core.store import Store
from batchtui.core.store import leases as leases_module
from batchtui.service.reconcile import reconcile
from batchtui.service.session import Session
from batchtui.service.submit import attach_batch
from tests.service.support import create_other, params

LATER = timedelta(minutes=10)  # far past reconcile's grace: without a lease, "no batch" would mean "failed"


async def record_and_send(store: Store, n: int, prefix: str):
    sub = await store.record_submission(source_file=None, label=None, request_count=n, body_bytes=10,
                                        params_digest=prefix.ljust(64, "0"))  # fmt: skip
    await store.add_requests(sub.id, [(f"{prefix}-{i}", json.dumps(params(i))) for i in range(n)])
    return await store.mark_submission_sending(sub.id)


async def test_a_slow_upload_is_left_alone_then_attached(tmp_path, live_api, other_tool):
    db = tmp_path / "cache.sqlite3"
    async with await Store.open(db) as sender, await Store.open(db) as other:  # two processes, one cache
        async with sender.lease_scope():
            sub = await record_and_send(sender, 5, "slow")
            # Minutes into the upload, the dashboard of another process reconciles: no batch is listed yet.
            (seen,) = await reconcile(Session(other, live_api), now=datetime.now(UTC) + LATER)
            assert seen.state == "sending" and "another process" in seen.message and not seen.changed
            assert (await other.get_submission(sub.id)).state == "sending"  # type: ignore[union-attr]
            batch_id = create_other(other_tool, 5, prefix="slow")  # the upload completes: the API made the batch
            batch = other_tool.messages.batches.retrieve(batch_id).model_dump(mode="json")
            record = await attach_batch(Session(sender, live_api), sub, batch)
        assert record is not None and record.submission_id == sub.id
        done = await other.get_submission(sub.id)
        assert done.state == "created" and done.lease_owner is None  # type: ignore[union-attr]


async def test_without_a_lease_the_same_wait_is_judged_failed(tmp_path, live_api):
    """The case the lease exists for: a send nobody is doing any more, judged by the usual rules."""
    db = tmp_path / "cache.sqlite3"
    async with await Store.open(db) as sender, await Store.open(db) as other:
        async with sender.lease_scope():
            sub = await record_and_send(sender, 5, "gone")
        # the scope ended (the send was interrupted): the lease went with it
        (seen,) = await reconcile(Session(other, live_api), now=datetime.now(UTC) + LATER)
    assert seen.submission_id == sub.id and seen.state == "failed"


async def test_a_lease_is_renewed_while_its_send_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(leases_module, "RENEW_EVERY", 0.05)
    async with await Store.open(tmp_path / "c.sqlite3") as store, store.lease_scope():
        sub = await record_and_send(store, 1, "r")
        first = sub.lease_until
        await asyncio.sleep(0.3)
        again = await store.get_submission(sub.id)
        assert again.lease_owner == store.lease_owner and again.lease_until > first  # type: ignore[operator, union-attr]


async def test_a_lease_counts_for_nothing_once_lapsed_or_its_process_is_gone(tmp_path, live_api):
    db = tmp_path / "cache.sqlite3"
    async with await Store.open(db) as store:
        sub = await record_and_send(store, 2, "x")
        host = leases_module._HOST
        dead = await asyncio.create_subprocess_exec("true")
        await dead.wait()  # a pid that no longer exists
        future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        cases = {f"{host}:{dead.pid}:abcd": (future, False), "elsewhere:1:abcd": (future, True),
                 "elsewhere:2:abcd": (past, False)}  # fmt: skip
        for owner, (until, leased) in cases.items():
            await store._db.conn.execute(
                "UPDATE submissions SET lease_owner = ?, lease_until = ? WHERE id = ?", (owner, until, sub.id)
            )
            await store._db.conn.commit()
            row = await store.get_submission(sub.id)
            assert store.is_leased(row) is leased, owner  # type: ignore[arg-type]


@pytest.mark.emulator(batch_seconds=30)
async def test_an_interrupted_send_in_this_process_is_reconciled_here_too(tmp_path, live_api, other_tool):
    """The dashboard's own poll loop: a submit task of this very process that was cancelled mid-send."""
    async with await Store.open(tmp_path / "c.sqlite3") as store:
        session = Session(store, live_api)

        async def sending_forever() -> None:
            async with store.lease_scope():
                await record_and_send(store, 3, "mine")
                await asyncio.Event().wait()

        task = asyncio.create_task(sending_forever())
        await asyncio.sleep(0.1)
        (during,) = await reconcile(session, now=datetime.now(UTC) + LATER)
        assert during.state == "sending" and "this process" in during.message
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (after,) = await reconcile(session, now=datetime.now(UTC) + LATER)
        assert after.state == "failed"
