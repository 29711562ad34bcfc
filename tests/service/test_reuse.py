"""`submit --reuse` on the real stack (validator, spool, SDK, emulator, SQLite): only requests identical to one
answered successfully are answered from the cache and left out of the batch; their answers join the new batch's
results with their source and what they saved; a file answered in full makes no batch; `max_age` bounds how old
an answer may be."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import anthropic
import pytest

from batchtui.core.models import ResultFilter
from batchtui.emulator import Emulator
from batchtui.service.export import Selection, export
from batchtui.service.group_submit import submit_source
from batchtui.service.reuse import Reuse
from batchtui.service.session import Session
from batchtui.service.submit import SubmitOutcome
from tests.service.reuse_support import ONE, answered, finished, params, prompts, rows_of, write
from tests.service.support import server_batch_ids

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)


async def test_only_identical_requests_are_answered_from_the_cache(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    cat, dog = params("Translate: the cat sat on the mat."), params("Translate: the dog ran.")
    first = await answered(session, batch_emulator, write(tmp_path / "first.jsonl", {"a": cat, "b": dog}))
    source = await rows_of(session, first.id)
    second = write(
        tmp_path / "second.jsonl",
        {
            "same-cat": cat,  # identical, under another custom_id
            "dog-reordered": dict(reversed(list(dog.items()))),  # identical: key order is not identity
            "one-token": params("Translate: the cat sat on a mat."),
            "other-model": params("Translate: the cat sat on the mat.", model="claude-sonnet-5"),
            "more-tokens": params("Translate: the cat sat on the mat.", max_tokens=101),
        },
    )
    outcome = await submit_source(session, second, ONE, reuse=Reuse())
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None and outcome.reuse is not None
    assert (outcome.reuse.reused, outcome.reuse.sent, outcome.reuse.requests) == (2, 3, 5)
    assert outcome.reuse.tally.sources == {first.id: 2}
    assert outcome.reuse.tally.saved_usd == pytest.approx(source["a"].cost_usd + source["b"].cost_usd)
    sent = [cid for cid, _ in await batch_emulator.state.request_params(outcome.batch.id)]
    assert sent == ["one-token", "other-model", "more-tokens"]  # only the differing ones went out
    assert outcome.submission is not None and outcome.submission.request_count == 3

    # The reused answers are results of the new batch at once, under the new custom_ids.
    reused = await session.store.get_result(outcome.batch.id, "same-cat")
    assert reused is not None and reused.reused_from == first.id and reused.reused_custom_id == "a"
    assert reused.text == source["a"].text and reused.cost_usd == 0
    assert reused.reuse_saved_usd == pytest.approx(source["a"].cost_usd)
    line = json.loads(reused.raw)
    assert line["custom_id"] == "same-cat" and line["result"] == json.loads(source["a"].raw)["result"]
    assert line["reused_from"] == {"batch_id": first.id, "custom_id": "a", "saved_usd": reused.reuse_saved_usd}

    batch = await finished(session, batch_emulator, outcome.batch.id)
    rows = await rows_of(session, batch.id)
    assert set(rows) == {"same-cat", "dog-reordered", "one-token", "other-model", "more-tokens"}
    assert {cid for cid, r in rows.items() if r.reused} == {"same-cat", "dog-reordered"}
    assert batch.request_counts.total == 3 and batch.results_rows == 5
    assert (batch.reused_rows, batch.reuse_unpriced) == (2, 0)
    assert batch.reuse_saved_usd == pytest.approx(outcome.reuse.tally.saved_usd)
    # What this batch cost is what was sent: the reused answers were paid for once, by the first batch.
    paid = sum(r.cost_usd or 0 for r in rows.values() if not r.reused)
    assert batch.cost_usd == pytest.approx(paid) and paid > 0


@pytest.mark.emulator(batch_seconds=10, error_rate=0.3, expire_rate=0.2, seed=7)
async def test_errored_and_expired_answers_are_never_reused(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    path = write(tmp_path / "mixed.jsonl", prompts(30))
    first = await answered(session, batch_emulator, path)
    kinds = {cid: r.result_type for cid, r in (await rows_of(session, first.id)).items()}
    assert {"succeeded", "errored", "expired"} <= set(kinds.values())  # the seed gives every kind

    outcome = await submit_source(session, path, ONE, reuse=Reuse())
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    sent = {cid for cid, _ in await batch_emulator.state.request_params(outcome.batch.id)}
    assert sent == {cid for cid, kind in kinds.items() if kind != "succeeded"}
    reused = {cid for cid, r in (await rows_of(session, outcome.batch.id)).items() if r.reused}
    assert reused == {cid for cid, kind in kinds.items() if kind == "succeeded"}


async def test_max_age_bounds_the_age_of_a_reused_answer(
    tmp_path: Path, session: Session, batch_emulator: Emulator
) -> None:
    path = write(tmp_path / "old.jsonl", prompts(3))
    batch_emulator.clock.advance(-40 * 86400)  # the first batch runs 40 days ago
    first = await answered(session, batch_emulator, path)
    batch_emulator.clock.advance(40 * 86400)
    assert first.ended_at is not None

    async def would_reuse(max_age: timedelta | None) -> int:
        outcome = await submit_source(session, path, ONE, dry_run=True, reuse=Reuse(max_age=max_age))
        assert outcome.reuse is not None
        return outcome.reuse.reused

    assert await would_reuse(None) == 3
    assert await would_reuse(timedelta(days=45)) == 3
    assert await would_reuse(timedelta(days=30)) == 0


async def test_every_request_answered_makes_no_batch_and_the_answers_are_readable(
    tmp_path: Path, session: Session, batch_emulator: Emulator, other_tool: anthropic.Anthropic
) -> None:
    path = write(tmp_path / "again.jsonl", prompts(4))
    first = await answered(session, batch_emulator, path)
    renamed = write(tmp_path / "renamed.jsonl", {f"new-{i}": p for i, p in enumerate(prompts(4).values())})
    outcome = await submit_source(session, renamed, ONE, reuse=Reuse(), label="no cost")
    assert isinstance(outcome, SubmitOutcome) and outcome.reuse is not None and outcome.reuse.all_reused
    local = outcome.batch
    assert local is not None and local.local and local.id.startswith("reuse_")
    assert server_batch_ids(other_tool) == [first.id]  # nothing was sent
    assert (local.processing_status, local.results_state, local.request_counts.succeeded) == ("ended", "complete", 4)
    assert (local.label, local.cost_usd, local.reused_rows) == ("no cost", 0, 4)
    assert outcome.submission is not None and outcome.submission.batch_id == local.id
    rows = await rows_of(session, local.id)
    assert [rows[f"new-{i}"].reused_custom_id for i in range(4)] == [f"p-{i}" for i in range(4)]

    out = tmp_path / "answers.csv"
    exported = await export(session, Selection((local.id,)), "csv", out)
    assert exported.rows == 4 and exported.missing == []
    text = out.read_text()
    assert "new-0,succeeded" in text and f",{first.id},p-0," in text

    # A full refresh lists the workspace: a local batch is not there, and must not be taken for deleted.
    await session.engine.refresh(full=True)
    again = await session.store.get_batch(local.id)
    assert again is not None and not again.deleted_remotely and not again.can_delete
    assert await session.store.count_results(local.id, ResultFilter(custom_id="new-")) == 4
