"""At the real limits: a file of 100,001 requests is spooled as two parts in one pass with memory far below its size,
and becomes a group of two batches on the emulator (100,000 + 1)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import anthropic
import pytest

from batchtui.core.inputs import MAX_REQUESTS, SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.session import Session
from batchtui.service.split import prepare_parts
from tests.service.support import server_batch_ids

pytestmark = pytest.mark.slow

N = MAX_REQUESTS + 1
FILLER = "Summarise the following support ticket in one sentence. " * 10  # ~570 chars: a realistic prompt


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "requests.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(N):
            params = {"model": "claude-haiku-4-5", "max_tokens": 64,
                      "messages": [{"role": "user", "content": f"#{i} {FILLER}"}]}  # fmt: skip
            f.write(json.dumps({"custom_id": f"t-{i:06d}", "params": params}) + "\n")
    return path


def test_a_big_split_is_spooled_in_bounded_memory(big_file: Path, tmp_path: Path) -> None:
    size = big_file.stat().st_size
    assert size > 60 * 1024 * 1024
    tracemalloc.start()
    try:
        prepared = prepare_parts(big_file, tmp_path / "spool", SplitLimits(), keep_metadata=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.request_count for p in prepared.parts] == [MAX_REQUESTS, 1]
    assert sum(p.body_bytes for p in prepared.parts) > size * 0.9  # the whole file went to disk, not to memory
    # What is kept is the validator's custom_id index (~130 bytes a request), as for an unsplit file.
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
    prepared.discard()


@pytest.mark.emulator(batch_seconds=0)
async def test_100001_requests_become_a_group_of_two_batches(
    big_file: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    outcome = await submit_source(session, big_file, SplitLimits())
    assert isinstance(outcome, GroupOutcome) and outcome.complete
    assert sorted(server_batch_ids(other_tool)) == sorted(outcome.batch_ids)
    first, second = (other_tool.messages.batches.retrieve(b) for b in outcome.batch_ids)
    assert (first.request_counts.succeeded, second.request_counts.succeeded) == (MAX_REQUESTS, 1)
    (last,) = list(other_tool.messages.batches.results(second.id))
    assert last.custom_id == f"t-{N - 1:06d}"  # file order: the one past the limit is the second batch
