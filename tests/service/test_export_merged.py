"""Exporting a retry chain's final results on the real stack (emulator + store): every request of the original
batch exactly once, in custom_id order, with the outcome of the latest batch of the chain that holds it (a request
that succeeded on a retry is exported as succeeded, one never retried keeps its first outcome), the filter applied
to that outcome, a retry's results downloaded first when missing, and a batch without retries as its own."""

from __future__ import annotations

import csv
import json

import pytest

from batchtui.core.models import ResultFilter
from batchtui.service.actions import wait
from batchtui.service.export import Selection, count_selected, export, original_batches
from batchtui.service.retry import retry
from tests.service.test_retry import ended, mixed_requests

pytestmark = pytest.mark.emulator(batch_seconds=0.5, error_rate=0.4, seed=21)


async def own_outcomes(session, batch_id: str) -> dict[str, tuple[str, str]]:
    return {r.custom_id: (batch_id, r.result_type) async for r in session.store.iter_results(batch_id)}


def api_outcomes(client, batch_id: str) -> dict[str, tuple[str, str]]:
    """What the API says each request of the batch came to (the official SDK, not batchtui's cache)."""
    return {r.custom_id: (batch_id, r.result.type) for r in client.messages.batches.results(batch_id)}


async def retried(session, batch_id: str, *, download: bool = True) -> str:
    outcome = await retry(session, batch_id)
    child = outcome.submitted.batch  # type: ignore[union-attr]
    assert child is not None
    await wait(session, child.id, download=download)
    return child.id


@pytest.fixture
async def chain(session, tmp_path, other_tool) -> tuple[str, str, str, dict[str, tuple[str, str]]]:
    """root (40 requests, every 7th invalid) -> retry1 (its transient failures) -> retry2 (retry1's), and each
    request's expected final (batch, type), worked out from each batch's results as the API gives them, the later
    batch's overriding. retry2 has ended; its results are not downloaded yet."""
    root = await ended(session, mixed_requests(tmp_path / "in.jsonl"))
    first = await retried(session, root)
    second = await retried(session, first, download=False)
    expected: dict[str, tuple[str, str]] = {}
    for batch_id in (root, first, second):
        expected.update(api_outcomes(other_tool, batch_id))
    assert (await session.store.get_batch(second)).results_downloadable  # type: ignore[union-attr]
    return root, first, second, expected


def jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_each_request_once_with_its_latest_outcome(session, tmp_path, chain) -> None:
    root, first, second, expected = chain
    assert await original_batches(session.store, (second,)) == (root,)  # a retry leads back to its chain
    out = tmp_path / "merged.jsonl"
    outcome = await export(session, Selection((root,), merged=True), "jsonl", out)
    assert outcome.missing == [] and outcome.download_errors == {}  # retry2's results were downloaded first
    assert [c.ids for c in outcome.chains] == [(root, first, second)]
    lines = jsonl(out)
    assert [d["custom_id"] for d in lines] == sorted(expected)  # each request of the original once, in order
    assert outcome.rows == len(expected) == 40
    got = {d["custom_id"]: (d["batch_id"], d["result"]["type"]) for d in lines}
    assert got == expected
    # The seed gives both kinds: requests that succeeded on a retry, and invalid ones never retried.
    assert any(b == first and t == "succeeded" for b, t in got.values())
    assert any(b == second and t == "succeeded" for b, t in got.values())
    invalid = {f"r-{i}" for i in range(0, 40, 7)}
    assert {got[c] for c in invalid} == {(root, "errored")}  # never retried: the first outcome stays
    assert await count_selected(session.store, Selection((root,), merged=True)) == 40


async def test_the_filter_applies_to_the_final_outcome(session, tmp_path, chain) -> None:
    root, _, _, expected = chain
    errored = ResultFilter(types=frozenset({"errored"}))
    out = tmp_path / "failing.csv"
    outcome = await export(session, Selection((root,), errored, merged=True), "csv", out)
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    still = sorted(c for c, (_, t) in expected.items() if t == "errored")
    assert [r["custom_id"] for r in rows] == still and outcome.rows == len(still)
    assert all(r["type"] == "errored" and r["batch_id"] == expected[r["custom_id"]][0] for r in rows)
    assert await count_selected(session.store, Selection((root,), errored, merged=True)) == len(still)

    marked = frozenset(sorted(expected)[:3])  # marked rows: exactly these, with their final outcomes
    out = tmp_path / "marked.jsonl"
    await export(session, Selection((root,), errored, marked, merged=True), "jsonl", out)
    assert {d["custom_id"]: (d["batch_id"], d["result"]["type"]) for d in jsonl(out)} == {
        c: expected[c] for c in marked
    }


async def test_a_retry_selected_merges_its_own_part_of_the_chain(session, tmp_path, chain) -> None:
    """As the dashboard's `m` on a retry's results shows it: that retry and the batches retried from it."""
    _, first, second, expected = chain
    out = tmp_path / "sub.jsonl"
    await export(session, Selection((first,), merged=True), "jsonl", out)
    own = await own_outcomes(session, first)
    assert [d["custom_id"] for d in jsonl(out)] == sorted(own)
    assert all(
        (d["batch_id"], d["result"]["type"]) == expected[d["custom_id"]] for d in jsonl(out)
    )  # whatever retry2 answered wins; retry1's own outcome otherwise
    assert {d["batch_id"] for d in jsonl(out)} == {first, second}


@pytest.mark.emulator(batch_seconds=0.5, error_rate=0.4, seed=21)
async def test_a_batch_without_retries_gives_its_own_results(session, tmp_path) -> None:
    root = await ended(session, mixed_requests(tmp_path / "in.jsonl", n=12))
    merged, own = tmp_path / "merged.jsonl", tmp_path / "own.jsonl"
    await export(session, Selection((root,), merged=True), "jsonl", merged)
    await export(session, Selection((root,)), "jsonl", own)
    assert [{k: v for k, v in d.items() if k != "batch_id"} for d in jsonl(merged)] == jsonl(own)
    assert {d["batch_id"] for d in jsonl(merged)} == {root} and len(jsonl(own)) == 12
