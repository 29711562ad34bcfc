"""Groups in the store: the plan recorded before anything is sent, each part's state from its submissions, the
sums over its batches, the unfinished group found again by its digest, and group fields on batch rows."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from batchtui.core.groups import PartSpec
from batchtui.core.store import LATEST_VERSION, Store
from batchtui.core.store.schema import migrate

from .conftest import SYNCED

SPECS = [PartSpec(1, 3, 300, "d1", "a-0", "a-2"), PartSpec(2, 3, 310, "d2", "a-3", "a-5"), PartSpec(3, 1, 90, "d3")]


async def _group(store: Store, digest: str = "plan") -> str:
    group = await store.record_group(name="big.jsonl", source_file="/data/big.jsonl", digest=digest, parts=SPECS)
    return group.id


async def _part_submission(store: Store, group_id: str, part: int, state: str, batch_id: str | None = None) -> str:
    spec = SPECS[part - 1]
    sub = await store.record_submission(
        source_file="/data/big.jsonl", label=f"big (part {part}/3)", request_count=spec.request_count,
        body_bytes=spec.body_bytes, params_digest=spec.params_digest, group_id=group_id, group_part=part,
    )  # fmt: skip
    if state == "recorded":
        return sub.id
    await store.mark_submission_sending(sub.id)
    if state == "created":
        await store.mark_submission_created(sub.id, batch_id)  # type: ignore[arg-type]
    elif state == "failed":
        await store.mark_submission_failed(sub.id, "429: nothing was created")
    elif state in ("unknown", "probable"):
        await store.mark_submission_unknown(sub.id, "answer lost")
        if state == "probable":
            await store.set_candidate(sub.id, batch_id, "the only batch that fits")  # type: ignore[arg-type]
    return sub.id


async def test_the_plan_is_recorded_before_anything_is_sent(store: Store) -> None:
    group_id = await _group(store)
    group = await store.get_group(group_id)
    assert group is not None and group.id.startswith("grp_")
    assert (group.group.part_count, group.group.request_count, group.group.body_bytes) == (3, 7, 700)
    assert [p.spec for p in group.parts] == SPECS
    assert [p.state for p in group.parts] == ["pending"] * 3
    assert not group.complete and group.batch_ids == [] and group.processing_status is None


async def test_part_states_come_from_their_best_submission(store: Store, make_batch) -> None:
    group_id = await _group(store)
    await store.upsert_batches([make_batch("msgbatch_1", processing=3)], synced_at=SYNCED)
    await _part_submission(store, group_id, 1, "created", "msgbatch_1")
    await _part_submission(store, group_id, 2, "failed")  # a first attempt refused with 429 ...
    await _part_submission(store, group_id, 2, "probable", "msgbatch_2")  # ... then sent, answer lost
    await _part_submission(store, group_id, 3, "unknown")
    group = await store.get_group(group_id)
    assert group is not None
    assert [p.state for p in group.parts] == ["created", "probable", "unknown"]
    assert [p.batch_id for p in group.parts] == ["msgbatch_1", "msgbatch_2", None]
    assert group.batch_ids == ["msgbatch_1", "msgbatch_2"] and not group.complete


async def test_sums_over_the_parts_batches_and_cost_known_only_when_every_part_is(store: Store, make_batch) -> None:
    group_id = await _group(store)
    batches = [
        make_batch("msgbatch_1", status="ended", succeeded=2, errored=1),
        make_batch("msgbatch_2", status="ended", succeeded=3),
        make_batch("msgbatch_3", processing=1),
    ]
    await store.upsert_batches(batches, synced_at=SYNCED)
    for part in (1, 2, 3):
        await _part_submission(store, group_id, part, "created", f"msgbatch_{part}")
    group = await store.get_group(group_id)
    assert group is not None and group.complete and group.processing_status == "in_progress"
    c = group.request_counts
    assert (c.processing, c.succeeded, c.errored, c.total) == (1, 5, 1, 7)
    assert group.cost_status == "pending" and group.cost_usd is None  # part 3 still runs: never a partial sum
    async with store._db.transaction() as conn:  # results downloaded and priced (what the sync engine writes)
        await conn.execute("UPDATE batches SET results_state = 'complete', cost_usd = 0.25 WHERE id != 'msgbatch_3'")
    await store.upsert_batches([make_batch("msgbatch_3", status="ended", succeeded=1)], synced_at=SYNCED)
    async with store._db.transaction() as conn:
        await conn.execute("UPDATE batches SET results_state = 'complete', cost_usd = 0.5 WHERE id = 'msgbatch_3'")
    group = await store.get_group(group_id)
    assert group is not None and group.processing_status == "ended"
    assert group.cost_status == "known" and group.cost_usd == 1.0
    assert group.to_json()["saved_usd"] == 1.0  # batch rates are half the standard price
    async with store._db.transaction() as conn:
        await conn.execute("UPDATE batches SET cost_usd = NULL WHERE id = 'msgbatch_2'")  # a billed result unpriced
    group = await store.get_group(group_id)
    assert group is not None and group.cost_status == "unknown" and group.cost_usd is None


async def test_an_unfinished_group_is_found_by_its_digest(store: Store) -> None:
    assert await store.unfinished_group("plan") is None
    group_id = await _group(store)
    other = await _group(store, digest="another plan")
    found = await store.unfinished_group("plan")
    assert found is not None and found.id == group_id != other
    for part in (1, 2, 3):
        await _part_submission(store, group_id, part, "created", f"msgbatch_{part}")
    assert await store.unfinished_group("plan") is None  # complete: a new submit of the file is a new group


async def test_a_batch_row_carries_its_group_whichever_comes_first(store: Store, make_batch) -> None:
    group_id = await _group(store)
    await store.upsert_batches([make_batch("msgbatch_seen_first")], synced_at=SYNCED)
    await _part_submission(store, group_id, 1, "created", "msgbatch_seen_first")
    await _part_submission(store, group_id, 2, "created", "msgbatch_attached_first")
    await store.upsert_batches([make_batch("msgbatch_attached_first")], synced_at=SYNCED)
    for batch_id, part in (("msgbatch_seen_first", 1), ("msgbatch_attached_first", 2)):
        batch = await store.get_batch(batch_id)
        assert batch is not None and (batch.group_id, batch.group_part) == (group_id, part)
        assert batch.to_json()["group_id"] == group_id and batch.label == f"big (part {part}/3)"
    lone = await store.upsert_batches([make_batch("msgbatch_lone")], synced_at=SYNCED)
    assert lone and (await store.get_batch("msgbatch_lone")).group_id is None  # type: ignore[union-attr]


async def test_a_v7_database_gains_groups_and_keeps_its_submissions(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await migrate(conn, db_path, target=7) == 7
        await conn.execute(
            "INSERT INTO submissions (id, state, request_count, body_bytes, params_digest, created_at) "
            "VALUES ('old', 'failed', 1, 10, 'd', '2026-01-01T00:00:00.000000Z')"
        )
    async with await Store.open(db_path) as store:
        old = await store.get_submission("old")
        assert old is not None and old.group_id is None and old.group_part is None
        assert await store.list_groups() == []
        assert (await store.get_group(await _group(store))) is not None
        version = await store._db.scalar("PRAGMA user_version")
    assert version == LATEST_VERSION >= 8
