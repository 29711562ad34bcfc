"""Batch metadata: upserts from the API never touch local fields, and report only real changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from anthropic.types.messages import MessageBatch

from batchtui.core.models import BatchChange, RequestCounts
from batchtui.core.store import NotFoundError, Store

from .conftest import SYNCED


async def test_insert_then_same_batch_again_is_one_row_and_no_change(store: Store, make_batch) -> None:
    batch = make_batch("msgbatch_1")
    assert await store.upsert_batches([batch], synced_at=SYNCED) == [
        BatchChange("msgbatch_1", None, "in_progress", True)
    ]
    assert await store.upsert_batches([batch], synced_at=SYNCED + timedelta(minutes=1)) == []
    listed = await store.list_batches()
    assert [b.id for b in listed] == ["msgbatch_1"]
    assert listed[0].last_synced_at == SYNCED + timedelta(minutes=1)


async def test_api_fields_round_trip(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("msgbatch_1", status="ended")], synced_at=SYNCED, request_id="req_1")
    batch = await store.get_batch("msgbatch_1")
    assert batch is not None
    assert batch.processing_status == "ended"
    assert batch.request_counts == RequestCounts(succeeded=2)
    assert batch.created_at == datetime(2026, 9, 30, 10, tzinfo=UTC)
    assert batch.ended_at == datetime(2026, 9, 30, 11, tzinfo=UTC)
    assert batch.results_url == "https://api.example/v1/messages/batches/msgbatch_1/results"
    assert batch.last_request_id == "req_1"
    assert batch.last_synced_at == SYNCED


async def test_sdk_model_dump_with_datetimes_is_accepted_like_the_wire(store: Store, make_batch) -> None:
    wire = make_batch("msgbatch_w", status="ended", created_at="2026-09-30T10:00:00.5Z")
    dumped = MessageBatch.model_validate(dict(wire, id="msgbatch_d")).model_dump()
    assert isinstance(dumped["created_at"], datetime)
    await store.upsert_batches([wire, dumped], synced_at=SYNCED)
    w, d = await store.get_batch("msgbatch_w"), await store.get_batch("msgbatch_d")
    assert w is not None and d is not None
    assert w.created_at == d.created_at == datetime(2026, 9, 30, 10, 0, 0, 500000, tzinfo=UTC)
    assert w.request_counts == d.request_counts
    assert w.ended_at == d.ended_at


async def test_local_fields_survive_upserts(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("msgbatch_1")], synced_at=SYNCED)
    await store.set_label("msgbatch_1", "nightly eval")
    await store.set_local("msgbatch_1", source_file="/data/eval.jsonl", parent_batch_id="msgbatch_0")
    await store.set_results_state("msgbatch_1", "failed", error="boom")
    await store.mark_deleted("msgbatch_1")
    await store.upsert_batches([make_batch("msgbatch_1", status="canceling")], synced_at=SYNCED)
    batch = await store.get_batch("msgbatch_1")
    assert batch is not None
    assert batch.processing_status == "canceling"
    assert (batch.label, batch.source_file, batch.parent_batch_id) == ("nightly eval", "/data/eval.jsonl", "msgbatch_0")
    assert (batch.results_state, batch.results_error, batch.deleted_remotely) == ("failed", "boom", True)


async def test_changes_report_status_and_counts_moves_only(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("a"), make_batch("b"), make_batch("c")], synced_at=SYNCED)
    changes = await store.upsert_batches(
        [
            make_batch("a", status="ended", succeeded=1, errored=1),  # status and counts
            make_batch("b", processing=1, succeeded=1),  # counts only
            make_batch("c"),  # nothing
            make_batch("d"),  # new
        ],
        synced_at=SYNCED,
    )
    assert changes == [
        BatchChange("a", "in_progress", "ended", True),
        BatchChange("b", "in_progress", "in_progress", True),
        BatchChange("d", None, "in_progress", True),
    ]


async def test_a_batch_that_ends_needs_results_and_one_already_complete_keeps_them(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("a"), make_batch("b")], synced_at=SYNCED)
    assert (await store.get_batch("a")).results_state == "none"  # type: ignore[union-attr]
    await store.set_results_state("b", "complete")
    await store.upsert_batches([make_batch("a", status="ended"), make_batch("b", status="ended")], synced_at=SYNCED)
    assert (await store.get_batch("a")).results_state == "pending"  # type: ignore[union-attr]
    assert (await store.get_batch("b")).results_state == "complete"  # type: ignore[union-attr]
    # Seen ended again: a failed download stays failed (not reset to pending by every poll).
    await store.set_results_state("a", "failed", error="timeout")
    await store.upsert_batches([make_batch("a", status="ended")], synced_at=SYNCED)
    assert (await store.get_batch("a")).results_state == "failed"  # type: ignore[union-attr]


async def test_a_batch_first_seen_ended_is_pending(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("a", status="ended")], synced_at=SYNCED)
    assert (await store.get_batch("a")).results_state == "pending"  # type: ignore[union-attr]


async def test_archived_without_local_results_is_unavailable(store: Store, make_batch) -> None:
    archived = "2026-10-29T10:00:00.000000Z"
    await store.upsert_batches([make_batch("kept", status="ended")], synced_at=SYNCED)
    await store.set_results_state("kept", "complete")
    await store.upsert_batches(
        [
            make_batch("gone", status="ended", archived_at=archived),
            make_batch("kept", status="ended", archived_at=archived),
        ],
        synced_at=SYNCED,
    )
    assert (await store.get_batch("gone")).results_state == "unavailable"  # type: ignore[union-attr]
    assert (await store.get_batch("kept")).results_state == "complete"  # type: ignore[union-attr]
    assert [b.id for b in await store.batches_needing_results()] == []


async def test_list_is_newest_first_and_can_hide_deleted(store: Store, make_batch) -> None:
    await store.upsert_batches(
        [
            make_batch("old", created_at="2026-09-01T00:00:00.000000Z"),
            make_batch("new", created_at="2026-09-03T00:00:00.000000Z"),
            make_batch("mid", created_at="2026-09-02T00:00:00.000000Z"),
        ],
        synced_at=SYNCED,
    )
    await store.mark_deleted("mid")
    assert [b.id for b in await store.list_batches()] == ["new", "mid", "old"]
    assert [b.id for b in await store.list_batches(include_deleted=False)] == ["new", "old"]


async def test_in_flight_and_needing_results(store: Store, make_batch) -> None:
    await store.upsert_batches(
        [
            make_batch("running"),
            make_batch("canceling", status="canceling"),
            make_batch("ended", status="ended"),
            make_batch("done", status="ended"),
            make_batch("deleted", status="ended"),
            make_batch("broken", status="ended"),
        ],
        synced_at=SYNCED,
    )
    await store.set_results_state("done", "complete")
    await store.mark_deleted("deleted")
    await store.set_results_state("broken", "failed", error="500")
    assert sorted(await store.in_flight_ids()) == ["canceling", "running"]
    assert sorted(b.id for b in await store.batches_needing_results()) == ["broken", "ended"]


async def test_set_local_sets_only_the_fields_given(store: Store, make_batch) -> None:
    await store.upsert_batches([make_batch("a")], synced_at=SYNCED)
    await store.set_local("a", source_file="in.jsonl", submission_id="sub1", parent_batch_id="p")
    await store.set_local("a", parent_batch_id=None)
    batch = await store.get_batch("a")
    assert batch is not None
    assert (batch.source_file, batch.submission_id, batch.parent_batch_id) == ("in.jsonl", "sub1", None)
    await store.set_label("a", None)
    assert (await store.get_batch("a")).label is None  # type: ignore[union-attr]


async def test_unknown_batch_and_bad_state_are_errors(store: Store, make_batch) -> None:
    with pytest.raises(NotFoundError):
        await store.set_label("nope", "x")
    with pytest.raises(NotFoundError):
        await store.mark_deleted("nope")
    await store.upsert_batches([make_batch("a")], synced_at=SYNCED)
    with pytest.raises(ValueError, match="unknown results state"):
        await store.set_results_state("a", "half-done")
    assert await store.get_batch("nope") is None


async def test_a_malformed_batch_is_a_clear_error_and_writes_nothing(store: Store, make_batch) -> None:
    bad = make_batch("bad")
    del bad["processing_status"]
    with pytest.raises(ValueError, match="not a MessageBatch"):
        await store.upsert_batches([make_batch("good"), bad], synced_at=SYNCED)
    assert await store.list_batches() == []


async def test_ten_thousand_batches_in_one_call(store: Store, make_batch) -> None:
    batches = [
        make_batch(f"msgbatch_{i:05d}", created_at=f"2026-09-{1 + i % 28:02d}T10:00:00.000000Z") for i in range(10_000)
    ]
    start = time.perf_counter()
    changes = await store.upsert_batches(batches, synced_at=SYNCED)
    first = time.perf_counter() - start
    assert len(changes) == 10_000
    batches[17] = make_batch("msgbatch_00017", status="ended")
    start = time.perf_counter()
    changes = await store.upsert_batches(batches, synced_at=SYNCED)
    again = time.perf_counter() - start
    assert [c.batch_id for c in changes] == ["msgbatch_00017"]
    assert len(await store.list_batches()) == 10_000
    assert first < 5 and again < 5, (first, again)  # ~0.3 s each on a quiet machine


@pytest.mark.parametrize("ended", [True, False])
def test_a_row_becomes_the_record_the_constructor_makes(ended: bool) -> None:
    """batch_from_row fills the frozen dataclasses without their __init__: every field is set, from the column of
    its name, and the record equals (and hashes as) the one the constructor makes."""
    from dataclasses import fields

    from batchtui.core.models import BatchRecord, parse_time
    from batchtui.core.store.batches import BATCH_COLUMNS, batch_from_row

    names = [c.strip() for c in BATCH_COLUMNS.split(",")]
    stamp = iter(f"2026-0{m}-0{m}T1{m}:30:00.{m:06d}Z" for m in range(1, 10))
    row: list[object] = []
    for i, name in enumerate(names):
        kind = {f.name: f.type for f in fields(BatchRecord)}.get(name, "int")
        if "datetime" in str(kind):
            row.append(next(stamp) if ended or name == "created_at" else None)
        elif name in ("deleted_remotely", "local"):
            row.append(1 if ended else 0)
        elif "str" in str(kind):
            row.append(f"{name}-{i}" if ended or name in ("id", "processing_status", "results_state") else None)
        else:
            row.append(i * 3 if "int" in str(kind) else i / 7)
    record = batch_from_row(tuple(row))
    values = dict(zip(names, row, strict=True))
    counts = RequestCounts(*(values.pop(f"count_{k}") for k in ("processing", "succeeded", "errored", "canceled",
                                                               "expired")))  # fmt: skip
    expected = BatchRecord(
        request_counts=counts,
        **{
            k: parse_time(v) if "datetime" in str(f.type) else bool(v) if f.type == "bool" else v  # type: ignore[arg-type]
            for f in fields(BatchRecord)
            if (k := f.name) in values
            for v in (values[k],)
        },
    )
    assert set(vars(record)) == {f.name for f in fields(BatchRecord)}
    assert record == expected and hash(record) == hash(expected)
    assert record.created_at.tzinfo is UTC and (record.ended_at is not None) == ended
    with pytest.raises(AttributeError):
        record.label = "x"  # type: ignore[misc]
