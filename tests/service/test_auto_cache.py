"""`submit --auto-cache` on the real stack (validator, spool, SDK, emulator, SQLite): the shared document is marked
and nothing else; the emulator's usage shows one cache write and N-1 reads per prefix; the stored cost and the
saving caching made match figures computed by hand from that usage; a file with nothing shared is sent byte for
byte as without the flag; a group's parts are planned on the marked bodies; a dry run only estimates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import pytest

from batchtui.core.cost import price_for
from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.actions import ensure_results
from batchtui.service.auto_cache import AutoCache, prepare_cached
from batchtui.service.group_submit import GroupOutcome, submit_source
from batchtui.service.session import Session
from batchtui.service.split import prepare_parts
from batchtui.service.submit import SubmitOutcome
from tests.service.support import server_batch_ids

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)

MODEL = "claude-sonnet-5"
ONE = SplitLimits()
DOCS = {name: f"Contract {name}. " + "The supplier refunds any invoice disputed within ninety days. " * 200
        for name in ("A", "B")}  # fmt: skip  # ~3,000 tokens each on the emulator


def request(custom_id: str, document: str, question: str) -> dict[str, Any]:
    source = {"type": "text", "media_type": "text/plain", "data": document}
    content = [{"type": "document", "source": source}, {"type": "text", "text": question}]
    return {"custom_id": custom_id, "params": {"model": MODEL, "max_tokens": 200,
            "messages": [{"role": "user", "content": content}]}}  # fmt: skip


def write(path: Path, requests: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    return path


def shared_file(tmp_path: Path) -> Path:
    rows = [request(f"a-{i}", DOCS["A"], f"Is invoice {i} covered?") for i in range(12)]
    rows += [request(f"b-{i}", DOCS["B"], f"Who signs for {i}?") for i in range(5)]
    rows += [request("alone", "Unique memo. " * 900, "Summarise it.")]  # long, but nobody shares it
    return write(tmp_path / "contracts.jsonl", rows)


async def test_shared_documents_are_written_once_and_read_by_every_other_request(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    outcome = await submit_source(session, shared_file(tmp_path), ONE, auto_cache=AutoCache())
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    summary = outcome.auto_cache
    assert summary is not None and summary.applied
    assert (summary.estimate.prefixes, summary.estimate.requests_marked) == (2, 17)
    assert summary.estimate.saving_high_usd > 0
    # What the API received: the document marked, the question and the lone memo untouched.
    sent = {cid: json.loads(p) for cid, p in await batch_emulator.state.request_params(outcome.batch.id)}
    for cid, params in sent.items():
        document, question = params["messages"][0]["content"]
        assert ("cache_control" in document) == (cid != "alone") and "cache_control" not in question
        assert document.get("cache_control", {"type": "ephemeral"}) == {"type": "ephemeral"}

    batch_emulator.clock.advance(3600)
    batch = await ensure_results(session, outcome.batch.id)
    rows = {r.custom_id: r async for r in session.store.iter_results(batch.id)}
    usage = {cid: json.loads(r.raw)["result"]["message"]["usage"] for cid, r in rows.items()}
    for prefix, n in (("a-", 12), ("b-", 5)):
        mine = [u for cid, u in usage.items() if cid.startswith(prefix)]
        writes = [u["cache_creation_input_tokens"] for u in mine if u["cache_creation_input_tokens"]]
        reads = [u["cache_read_input_tokens"] for u in mine if u["cache_read_input_tokens"]]
        assert len(writes) == 1 and len(reads) == n - 1 and set(reads) == set(writes)  # 1 write, N-1 reads
    assert usage["alone"]["cache_creation_input_tokens"] == usage["alone"]["cache_read_input_tokens"] == 0

    # Priced by hand from the usage: batch rates are half of Sonnet 5's $2 in / $10 out / $2.50 5m write / $0.20 read.
    rates = price_for(MODEL).base  # type: ignore[union-attr]
    assert (rates.input, rates.output, rates.cache_write_5m, rates.cache_read) == (2, 10, 2.5, 0.2)
    total_cost = total_saved = 0.0
    for cid, u in usage.items():
        write_, read = u["cache_creation_input_tokens"], u["cache_read_input_tokens"]
        cost = (u["input_tokens"] * 2 + u["output_tokens"] * 10 + write_ * 2.5 + read * 0.2) * 0.5 / 1e6
        saved = ((write_ + read) * 2 - (write_ * 2.5 + read * 0.2)) * 0.5 / 1e6
        assert rows[cid].cost_usd == pytest.approx(cost) and rows[cid].cache_saved_usd == pytest.approx(saved)
        total_cost, total_saved = total_cost + cost, total_saved + saved
    assert batch.cost_usd == pytest.approx(total_cost)
    assert batch.cache_saved_usd == pytest.approx(total_saved) and total_saved > 0
    # The estimate bounded what caching really saved (here every read was a hit).
    assert summary.estimate.saving_low_usd <= batch.cache_saved_usd <= summary.estimate.saving_high_usd


async def test_nothing_shared_sends_the_very_body_sent_without_auto_cache(tmp_path: Path, session: Session) -> None:
    path = write(tmp_path / "apart.jsonl", [request(f"r-{i}", f"Memo {i}. " * 900, "Summarise.") for i in range(4)])
    plain = prepare_parts(path, session.spool_dir, ONE)
    cached, summary = prepare_cached(path, session.spool_dir, ONE, AutoCache())
    try:
        assert summary is not None and summary.estimate.requests_marked == 0
        assert cached.digest == plain.digest
        assert cached.parts[0].spool.read_bytes() == plain.parts[0].spool.read_bytes()  # type: ignore[union-attr]
    finally:
        plain.discard()
        cached.discard()


async def test_a_group_is_planned_and_spooled_on_the_marked_bodies(tmp_path: Path, session: Session) -> None:
    four = SplitLimits(max_requests=4)
    outcome = await submit_source(session, shared_file(tmp_path), four, auto_cache=AutoCache())
    assert isinstance(outcome, GroupOutcome) and outcome.complete and len(outcome.parts) == 5
    marked = 0
    for part, plan in zip(outcome.parts, outcome.report.parts, strict=True):
        assert part.submission is not None and part.submission.body_bytes == plan.body_bytes
        async for cid, params in session.store.iter_batch_requests(part.batch_id):  # type: ignore[arg-type]
            document = json.loads(params)["messages"][0]["content"][0]
            assert ("cache_control" in document) == (cid != "alone")
            marked += "cache_control" in document
    assert marked == 17


async def test_a_dry_run_estimates_and_suggests_without_marking_or_sending(
    tmp_path: Path, session: Session, other_tool: anthropic.Anthropic
) -> None:
    path = shared_file(tmp_path)
    plain = await submit_source(session, path, ONE, dry_run=True)
    tip = await submit_source(session, path, ONE, dry_run=True, auto_cache=AutoCache(apply=False))
    assert tip.auto_cache is not None and not tip.auto_cache.applied and tip.auto_cache.large
    assert tip.report.body_bytes == plain.report.body_bytes  # nothing marked
    assert tip.report.estimated_cost_usd == plain.report.estimated_cost_usd
    marked = await submit_source(session, path, ONE, dry_run=True, auto_cache=AutoCache())
    assert marked.report.body_bytes > plain.report.body_bytes  # the breakpoints are in the body
    assert marked.auto_cache is not None and marked.auto_cache.without == plain.report.estimated_cost_usd
    apart = write(tmp_path / "apart.jsonl", [request(f"r-{i}", f"Memo {i}. " * 900, "Go.") for i in range(3)])
    assert (
        await submit_source(session, apart, ONE, dry_run=True, auto_cache=AutoCache(apply=False))
    ).auto_cache is None
    assert server_batch_ids(other_tool) == []


async def test_when_large_marks_a_large_saving_and_sends_a_small_one_as_it_is(tmp_path: Path, session: Session) -> None:
    large, _ = prepare_cached(shared_file(tmp_path), session.spool_dir, ONE, AutoCache(apply=None))
    rows = [request(f"r-{i}", DOCS["A"], "Write a long essay.") for i in range(2)]
    for r in rows:
        r["params"]["max_tokens"] = 64_000  # the reply's bound dwarfs what caching the document saves
    small, summary = prepare_cached(write(tmp_path / "essays.jsonl", rows), session.spool_dir, ONE, AutoCache(None))
    try:
        assert b'"cache_control"' in large.parts[0].spool.read_bytes()  # type: ignore[union-attr]
        assert summary is not None and not summary.applied and not summary.large
        assert summary.estimate.requests_marked == 2  # found and estimated, not applied
        assert b'"cache_control"' not in small.parts[0].spool.read_bytes()  # type: ignore[union-attr]
        assert len(list(session.spool_dir.glob("*.json"))) == 2  # the passes left no other spool behind
    finally:
        large.discard()
        small.discard()
