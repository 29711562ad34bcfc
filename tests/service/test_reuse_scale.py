"""At scale: a 100,000-request file half answered in the cache is decided in the one validate + spool pass, its
hashes looked up a thousand at a time, with memory far below the file's size; only the other half is spooled."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from batchtui.core.inputs import MAX_REQUESTS, SplitLimits
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.service.reuse import Reuse, setup_for, summarise
from batchtui.service.session import Session
from batchtui.service.split import prepare_parts

pytestmark = pytest.mark.slow

N = MAX_REQUESTS
FILLER = "Summarise the following support ticket in one sentence. " * 10  # ~570 chars: a realistic prompt


def params(i: int) -> dict:
    return {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": f"#{i} {FILLER}"}]}


def answer(batch_id: str, custom_id: str) -> str:
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
               "usage": {"input_tokens": 150, "output_tokens": 10}}  # fmt: skip
    return json.dumps({"custom_id": custom_id, "result": {"type": "succeeded", "message": message}})


async def answered_half(store: Store) -> None:
    """An earlier batch that answered the even requests (stored as a real download would leave them)."""
    even = [(f"old-{i:06d}", json.dumps(params(i))) for i in range(0, N, 2)]
    sub = await store.record_submission(
        source_file="old.jsonl", label=None, request_count=len(even), body_bytes=1, params_digest="old"
    )
    await store.add_requests(sub.id, even)
    batch = {"id": "msgbatch_old", "type": "message_batch", "processing_status": "ended",
             "request_counts": {"processing": 0, "succeeded": len(even), "errored": 0, "canceled": 0, "expired": 0},
             "created_at": "2026-11-01T10:00:00.000000Z", "ended_at": "2026-11-01T11:00:00.000000Z",
             "expires_at": "2026-11-02T10:00:00.000000Z", "cancel_initiated_at": None, "archived_at": None,
             "results_url": None}  # fmt: skip
    await store.upsert_batches([batch], synced_at=datetime.now(UTC))
    await store.mark_submission_created(sub.id, "msgbatch_old")
    for start in range(0, len(even), 5000):
        rows = [parse_result_line("msgbatch_old", answer("msgbatch_old", cid)) for cid, _ in even[start : start + 5000]]
        await store.write_results("msgbatch_old", rows)
    await store.finish_results("msgbatch_old")


async def test_half_of_100000_requests_are_answered_from_the_cache_in_one_bounded_pass(
    tmp_path: Path, session: Session
) -> None:
    path = tmp_path / "requests.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(N):
            f.write(json.dumps({"custom_id": f"t-{i:06d}", "params": params(i)}) + "\n")
    await answered_half(session.store)
    size = path.stat().st_size
    setup = setup_for(session, Reuse(), dry_run=False)
    tracemalloc.start()
    try:
        prepared = await asyncio.to_thread(
            prepare_parts, path, session.spool_dir, SplitLimits(), keep_metadata=True, pipe=setup.first()
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    try:
        summary = summarise(prepared.report, prepared.reuse, Reuse())
        assert summary is not None and (summary.reused, summary.sent) == (N // 2, N // 2)
        assert [p.request_count for p in prepared.parts] == [N // 2]
        assert summary.tally.sources == {"msgbatch_old": N // 2}
        assert prepared.parts[0].body_bytes < size * 0.55  # only the odd half went to the spool
        # What is kept: the validator's custom_id index (~130 bytes a request, as without reuse: 13 MB here), the
        # numbers of the reused requests (4 bytes each), and one lookup's buffer (1,000 requests or 8 MiB at most).
        assert peak < size / 3, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    finally:
        prepared.discard()
