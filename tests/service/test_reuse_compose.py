"""`--reuse` with groups and with `--auto-cache`: the parts are planned over what is sent, a group's reused answers
are shown with its first part, and a file answered under auto-cache's breakpoints is recognised by its own params
(with or without `--auto-cache` the second time); the reused requests are neither marked nor estimated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import pytest

from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.auto_cache import AutoCache
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.reuse import Reuse
from batchtui.service.session import Session
from batchtui.service.submit import SubmitOutcome
from tests.service.reuse_support import ONE, answered, finished, prompts, rows_of, write
from tests.service.support import server_batch_ids

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)

THREE = SplitLimits(max_requests=3)
DOC = "Contract A. " + "The supplier refunds any invoice disputed within ninety days. " * 200  # ~3,000 tokens


def question(i: int) -> dict[str, Any]:
    source = {"type": "text", "media_type": "text/plain", "data": DOC}
    content = [{"type": "document", "source": source}, {"type": "text", "text": f"Is invoice {i} covered?"}]
    return {"model": "claude-sonnet-5", "max_tokens": 200, "messages": [{"role": "user", "content": content}]}


async def test_a_group_is_planned_over_what_is_sent_and_shows_its_reused_answers_with_part_1(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    first = await answered(session, batch_emulator, write(tmp_path / "four.jsonl", prompts(4)))
    both = write(tmp_path / "ten.jsonl", {**prompts(4), **prompts(6, prefix="new")})
    dry = await submit_source(session, both, THREE, dry_run=True, reuse=Reuse())
    assert isinstance(dry, GroupOutcome) and [p.request_count for p in dry.report.parts] == [3, 3]
    assert dry.report.parts[0].first_custom_id == "new-0"  # the reused ones are not in the plan

    outcome = await submit_source(session, both, THREE, reuse=Reuse())
    assert isinstance(outcome, GroupOutcome) and outcome.complete and len(outcome.batch_ids) == 2
    assert outcome.reuse is not None and (outcome.reuse.reused, outcome.reuse.sent) == (4, 6)
    assert sorted(server_batch_ids(other_tool)) == sorted([first.id, *outcome.batch_ids])
    part1, part2 = outcome.batch_ids
    assert [cid for cid, _ in await batch_emulator.state.request_params(part2)] == ["new-3", "new-4", "new-5"]
    for batch_id in outcome.batch_ids:
        await finished(session, batch_emulator, batch_id)
    one, two = await rows_of(session, part1), await rows_of(session, part2)
    assert {cid for cid, r in one.items() if r.reused} == {f"p-{i}" for i in range(4)}
    assert set(one) == {"p-0", "p-1", "p-2", "p-3", "new-0", "new-1", "new-2"}
    assert not any(r.reused for r in two.values()) and len(two) == 3
    group = await session.store.get_group(outcome.group.id)  # type: ignore[union-attr]
    assert group is not None and group.complete
    assert group.reused[0] == 4 and group.to_json()["reused_requests"] == 4
    assert group.reused[1] == pytest.approx(outcome.reuse.tally.saved_usd)


async def test_answers_sent_with_breakpoints_are_found_by_the_files_own_params(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    path = write(tmp_path / "doc.jsonl", {f"a-{i}": question(i) for i in range(5)})
    first = await answered(session, batch_emulator, path, auto_cache=AutoCache())
    sent = json.loads((await batch_emulator.state.request_params(first.id))[0][1])
    assert "cache_control" in sent["messages"][0]["content"][0]  # what was sent differs from the file

    for cache in (AutoCache(), None):  # the same file, with or without --auto-cache this time
        outcome = await submit_source(session, path, ONE, dry_run=True, reuse=Reuse(), auto_cache=cache)
        assert outcome.reuse is not None and outcome.reuse.reused == 5 and outcome.reuse.sent == 0


async def test_with_auto_cache_only_the_sent_requests_are_marked_and_estimated(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    await answered(session, batch_emulator, write(tmp_path / "two.jsonl", {f"a-{i}": question(i) for i in range(2)}))
    path = write(tmp_path / "five.jsonl", {f"b-{i}": question(i) for i in range(5)})  # b-0, b-1 answered
    plain = await submit_source(session, path, ONE, dry_run=True, reuse=Reuse())
    outcome = await submit_source(session, path, ONE, reuse=Reuse(), auto_cache=AutoCache())
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    assert outcome.reuse is not None and outcome.reuse.reused == 2
    cache = outcome.auto_cache
    assert cache is not None and cache.applied and cache.estimate.requests_marked == 3
    sent = dict(await batch_emulator.state.request_params(outcome.batch.id))
    assert sorted(sent) == ["b-2", "b-3", "b-4"]
    assert all("cache_control" in json.loads(p)["messages"][0]["content"][0] for p in sent.values())
    # The estimate without caching is of the three sent as the file has them; caching takes its saving off that.
    assert plain.reuse is not None and cache.without == pytest.approx(plain.reuse.estimated_cost_usd)
    assert cache.without[1] < plain.report.estimated_cost_usd[1]
    assert cache.with_cache[1] < cache.without[1]
    # The third run finds all five: two from the first batch, three from the marked second one.
    await finished(session, batch_emulator, outcome.batch.id)
    again = await submit_source(session, path, ONE, dry_run=True, reuse=Reuse(), auto_cache=AutoCache())
    assert again.reuse is not None and again.reuse.reused == 5
