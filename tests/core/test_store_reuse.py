"""Answer reuse in the store: which stored answers count (a created submission's own succeeded results, by the
params hash the file had, newest first, within an age), recording a submission's reuses, and copying them into its
batch's results once that batch is its own (idempotent, summed, invisible to batch totals)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from batchtui.core.models import ResultFilter, params_hash
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from tests.core.conftest import SYNCED, BatchFactory, LineFactory, params


async def _answered(
    store: Store,
    make_batch: BatchFactory,
    line: LineFactory,
    batch_id: str,
    requests: dict[str, str],
    types: dict[str, str] | None = None,
    *,
    ended: str = "2026-09-30T11:00:00.000000Z",
) -> str:
    """A created submission whose batch ended at `ended` with a result per request (succeeded unless `types`)."""
    sub = await store.record_submission(
        source_file="in.jsonl", label=None, request_count=len(requests), body_bytes=1, params_digest=batch_id
    )
    await store.add_requests(sub.id, requests.items())
    batch = make_batch(batch_id, status="ended", succeeded=len(requests))
    batch["ended_at"] = ended
    await store.upsert_batches([batch], synced_at=SYNCED)
    await store.mark_submission_created(sub.id, batch_id)
    rows = [parse_result_line(batch_id, line(cid, (types or {}).get(cid, "succeeded"), text=f"answer {cid}"))
            for cid in requests]  # fmt: skip
    await store.write_results(batch_id, rows)
    await store.finish_results(batch_id)
    return sub.id


async def test_a_created_submissions_succeeded_answers_are_found_by_hash_newest_first(
    store: Store, make_batch: BatchFactory, line: LineFactory
) -> None:
    hello, bye, oops = params("hello"), params("bye"), params("oops")
    await _answered(store, make_batch, line, "msgbatch_old", {"a": hello, "b": oops}, {"b": "errored"},
                    ended="2026-09-01T00:00:00.000000Z")  # fmt: skip
    await _answered(store, make_batch, line, "msgbatch_new", {"x": hello, "y": bye})
    unsent = await store.record_submission(
        source_file=None, label=None, request_count=1, body_bytes=1, params_digest="u"
    )
    await store.add_requests(unsent.id, [("z", params("never sent"))])

    found = await store.answered([params_hash(p) for p in (hello, bye, oops, params("never sent"))])
    assert {h: (s.batch_id, s.custom_id) for h, s in found.items()} == {
        params_hash(hello): ("msgbatch_new", "x"),  # the newest of two answers
        params_hash(bye): ("msgbatch_new", "y"),
    }  # errored and never-sent requests have no answer
    assert found[params_hash(hello)].cost_usd is not None
    within = await store.answered([params_hash(hello)], since=datetime(2026, 8, 16, tzinfo=UTC))
    assert within[params_hash(hello)].batch_id == "msgbatch_new"
    assert await store.answered([params_hash(hello)], since=datetime(2026, 10, 1, tzinfo=UTC)) == {}


async def test_a_request_sent_changed_is_found_by_the_hash_its_file_had(
    store: Store, make_batch: BatchFactory, line: LineFactory
) -> None:
    marked = json.dumps(
        {**json.loads(params("doc")), "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}]}
    )
    sub = await _answered(store, make_batch, line, "msgbatch_m", {"m": marked})
    as_filed = params_hash(params("doc"))
    assert await store.answered([as_filed]) == {}
    await store.set_reuse_hashes(sub, [("m", as_filed)])
    assert (await store.answered([as_filed]))[as_filed].custom_id == "m"
    assert await store.answered([params_hash(marked)]) == {}  # found by one identity only: the file's


async def test_reused_answers_join_the_batch_once_it_is_the_submissions_and_count_for_nothing_in_its_cost(
    store: Store, make_batch: BatchFactory, line: LineFactory
) -> None:
    await _answered(store, make_batch, line, "msgbatch_src", {"a": params("hello"), "b": params("bye")})
    source = {r.custom_id: r async for r in store.iter_results("msgbatch_src")}
    sub = await store.record_submission(
        source_file="again.jsonl", label=None, request_count=1, body_bytes=1, params_digest="d2"
    )
    await store.add_requests(sub.id, [("fresh", params("fresh"))])
    await store.record_reuses(sub.id, [("again-a", "msgbatch_src", "a", source["a"].cost_usd),
                                       ("again-b", "msgbatch_src", "b", None)])  # fmt: skip
    await store.upsert_batches([make_batch("msgbatch_dst", status="in_progress", processing=1)], synced_at=SYNCED)
    assert await store.count_results("msgbatch_dst") == 0  # recorded, not the batch's yet

    await store.mark_submission_created(sub.id, "msgbatch_dst")
    await store.mark_submission_created(sub.id, "msgbatch_dst")  # again: nothing doubles
    rows = {r.custom_id: r async for r in store.iter_results("msgbatch_dst")}
    assert set(rows) == {"again-a", "again-b"} and rows["again-a"].text == source["a"].text
    assert (rows["again-a"].reused_from, rows["again-a"].reused_custom_id) == ("msgbatch_src", "a")
    assert rows["again-a"].cost_usd == 0 and rows["again-a"].cache_saved_usd == 0
    batch = await store.get_batch("msgbatch_dst")
    assert batch is not None and (batch.reused_rows, batch.reuse_unpriced) == (2, 1)
    assert batch.reuse_saved_usd == source["a"].cost_usd
    # Its prompt is the source request's: shown beside it, and found by a search of this batch.
    assert await store.get_request_params("msgbatch_dst", "again-a") == params("hello")
    found = [r.custom_id for r in await store.page_results("msgbatch_dst", ResultFilter(search="hello"), offset=0,
                                                           limit=10)]  # fmt: skip
    assert found == ["again-a"]

    # Its own result arrives with the download; the total is what was paid for it alone.
    await store.upsert_batches([make_batch("msgbatch_dst", status="ended", succeeded=1)], synced_at=SYNCED)
    own = parse_result_line("msgbatch_dst", line("fresh"))
    await store.write_results("msgbatch_dst", [own])
    await store.finish_results("msgbatch_dst")
    batch = await store.get_batch("msgbatch_dst")
    assert batch is not None and batch.results_rows == 3 and batch.cost_usd == own.cost_usd
    # A copy is never a source: only the original answer is found again.
    assert (await store.answered([params_hash(params("hello"))]))[params_hash(params("hello"))].batch_id == (
        "msgbatch_src"
    )


async def test_a_local_batch_holds_every_answer_and_is_never_a_source(
    store: Store, make_batch: BatchFactory, line: LineFactory
) -> None:
    await _answered(store, make_batch, line, "msgbatch_src", {"a": params("hello")})
    local = await store.record_local_batch(
        label="again", source_file="f.jsonl", source_digest="s", reused=[("n-a", "msgbatch_src", "a", 0.5)]
    )
    assert local.local and local.processing_status == "ended" and local.results_state == "complete"
    assert (local.request_counts.succeeded, local.results_rows, local.reused_rows, local.cost_usd) == (1, 1, 1, 0)
    assert local.reuse_saved_usd == 0.5 and not local.can_delete and not local.can_cancel
    assert local.id not in await store.sync_view()  # a full refresh never calls it deleted
    sub = await store.submission_for_batch(local.id)
    assert sub is not None and sub.state == "created" and sub.source_digest == "s"
    assert (await store.answered([params_hash(params("hello"))]))[params_hash(params("hello"))].batch_id == (
        "msgbatch_src"
    )


async def test_a_retry_keeps_the_hash_its_requests_files_had(
    store: Store, make_batch: BatchFactory, line: LineFactory
) -> None:
    marked = json.dumps({**json.loads(params("doc")), "system": [{"type": "text", "text": "s",
                        "cache_control": {"type": "ephemeral"}}]})  # fmt: skip
    parent = await _answered(store, make_batch, line, "msgbatch_p", {"m": marked}, {"m": "errored"})
    as_filed = params_hash(params("doc"))
    await store.set_reuse_hashes(parent, [("m", as_filed)])
    retry = await store.record_submission(
        source_file=None, label=None, request_count=1, body_bytes=1, params_digest="r", parent_batch_id="msgbatch_p"
    )
    await store.add_requests(retry.id, [("m", marked)])  # sent again as it was sent, breakpoints and all
    await store.upsert_batches([make_batch("msgbatch_r", status="ended", succeeded=1)], synced_at=SYNCED)
    await store.mark_submission_created(retry.id, "msgbatch_r")
    await store.write_results("msgbatch_r", [parse_result_line("msgbatch_r", line("m"))])
    assert (await store.answered([as_filed]))[as_filed].batch_id == "msgbatch_r"  # the retry's answer
