"""The submission log: states, durability, and how a created submission labels its batch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from batchtui.core.store import InvalidTransitionError, NotFoundError, Store

from .conftest import SYNCED


async def record(store: Store, label: str = "eval", **kw) -> str:
    sub = await store.record_submission(
        source_file="/data/eval.jsonl", label=label, request_count=3, body_bytes=1234, params_digest="abc", **kw
    )
    return sub.id


async def test_record_then_send_then_created(store: Store) -> None:
    sub = await store.record_submission(
        source_file="/data/eval.jsonl",
        label="eval",
        request_count=3,
        body_bytes=1234,
        params_digest="abc",
        parent_batch_id="msgbatch_parent",
    )
    assert len(sub.id) == 32 and int(sub.id, 16) >= 0
    assert (sub.state, sub.sent_at, sub.batch_id) == ("recorded", None, None)
    assert (sub.request_count, sub.body_bytes, sub.params_digest) == (3, 1234, "abc")
    assert sub.parent_batch_id == "msgbatch_parent"

    sending = await store.mark_submission_sending(sub.id)
    assert sending.state == "sending" and sending.sent_at is not None and sending.sent_at >= sub.created_at
    created = await store.mark_submission_created(sub.id, "msgbatch_new")
    assert (created.state, created.batch_id) == ("created", "msgbatch_new")
    assert await store.get_submission(sub.id) == created


async def test_each_state_change_is_committed_before_returning(store: Store, db_path: Path) -> None:
    sub_id = await record(store)
    await store.mark_submission_sending(sub_id)
    # Another connection (another process, or this one after a crash) sees it at once.
    with sqlite3.connect(db_path) as other:
        assert other.execute("SELECT state FROM submissions WHERE id = ?", (sub_id,)).fetchone() == ("sending",)


async def test_unresolved_are_sending_or_unknown(store: Store) -> None:
    recorded = await record(store, "recorded")
    sending = await record(store, "sending")
    unknown = await record(store, "unknown")
    failed = await record(store, "failed")
    created = await record(store, "created")
    for sub_id in (sending, unknown, failed, created):
        await store.mark_submission_sending(sub_id)
    await store.mark_submission_unknown(unknown, "connection reset")
    await store.mark_submission_failed(failed, "400 invalid_request_error")
    await store.mark_submission_created(created, "msgbatch_c")

    assert [s.id for s in await store.unresolved_submissions()] == [sending, unknown]
    by_id = {s.id: s for s in await store.list_submissions()}
    assert {i: s.state for i, s in by_id.items()} == {
        recorded: "recorded",
        sending: "sending",
        unknown: "unknown",
        failed: "failed",
        created: "created",
    }
    assert by_id[unknown].error == "connection reset"
    assert by_id[failed].error == "400 invalid_request_error"


async def test_unknown_can_be_resolved_either_way(store: Store) -> None:
    a, b = await record(store), await record(store)
    for sub_id in (a, b):
        await store.mark_submission_sending(sub_id)
        await store.mark_submission_unknown(sub_id, "timeout")
    assert (await store.mark_submission_created(a, "msgbatch_a")).error is None
    assert (await store.mark_submission_failed(b, "no batch was created")).state == "failed"
    assert await store.unresolved_submissions() == []


async def test_final_states_cannot_be_left(store: Store) -> None:
    created, failed = await record(store), await record(store)
    await store.mark_submission_sending(created)
    await store.mark_submission_created(created, "msgbatch_1")
    await store.mark_submission_failed(failed, "refused")
    with pytest.raises(InvalidTransitionError, match="is created"):
        await store.mark_submission_failed(created, "late error")
    with pytest.raises(InvalidTransitionError):
        await store.mark_submission_created(created, "msgbatch_other")
    with pytest.raises(InvalidTransitionError, match="is failed"):
        await store.mark_submission_sending(failed)
    # Repeating the same outcome is harmless (a retried call after a crash).
    assert (await store.mark_submission_created(created, "msgbatch_1")).state == "created"
    assert (await store.get_submission(created)).batch_id == "msgbatch_1"  # type: ignore[union-attr]


async def test_a_batch_belongs_to_one_submission(store: Store) -> None:
    a, b = await record(store), await record(store)
    await store.mark_submission_created(a, "msgbatch_1")
    with pytest.raises(InvalidTransitionError, match="already attached"):
        await store.mark_submission_created(b, "msgbatch_1")
    assert (await store.get_submission(b)).state == "recorded"  # type: ignore[union-attr]


async def test_unknown_submission(store: Store) -> None:
    assert await store.get_submission("0" * 32) is None
    with pytest.raises(NotFoundError):
        await store.mark_submission_sending("0" * 32)


async def test_created_fills_an_existing_batch_row(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("msgbatch_1")], synced_at=SYNCED)
    sub_id = await record(store, "nightly", parent_batch_id="msgbatch_0")
    await store.mark_submission_sending(sub_id)
    await store.mark_submission_created(sub_id, "msgbatch_1")
    batch = await store.get_batch("msgbatch_1")
    assert batch is not None
    assert (batch.label, batch.source_file, batch.submission_id, batch.parent_batch_id) == (
        "nightly",
        "/data/eval.jsonl",
        sub_id,
        "msgbatch_0",
    )


async def test_created_before_the_batch_is_seen_applies_on_insert(store: Store, make_batch) -> None:
    sub_id = await record(store, "early")
    await store.mark_submission_sending(sub_id)
    await store.mark_submission_created(sub_id, "msgbatch_2")
    assert await store.get_batch("msgbatch_2") is None
    await store.upsert_batches([make_batch("msgbatch_2")], synced_at=SYNCED)
    batch = await store.get_batch("msgbatch_2")
    assert batch is not None
    assert (batch.label, batch.source_file, batch.submission_id) == ("early", "/data/eval.jsonl", sub_id)


async def test_a_label_set_by_the_user_is_not_replaced(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("msgbatch_3")], synced_at=SYNCED)
    await store.set_label("msgbatch_3", "mine")
    sub_id = await record(store, "from file")
    await store.mark_submission_created(sub_id, "msgbatch_3")
    assert (await store.get_batch("msgbatch_3")).label == "mine"  # type: ignore[union-attr]
