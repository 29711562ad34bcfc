"""Retrying failures on the real stack: the child batch holds exactly the chosen failed requests, byte-for-byte as
first submitted, linked to its parent; what cannot be retried says why. Labels on any batch."""

from __future__ import annotations

import json

import pytest

from batchtui.core.errors import BatchtuiError, UsageError
from batchtui.core.models import ResultFilter
from batchtui.service.actions import cancel, wait
from batchtui.service.labels import set_label
from batchtui.service.retry import NoRequests, parse_types, retry
from batchtui.service.submit import submit
from tests.service.support import create_other, params

pytestmark = pytest.mark.emulator(batch_seconds=0.5, error_rate=0.3, expire_rate=0.2, seed=11)


def mixed_requests(path, n: int = 40, invalid_every: int = 7):
    """`n` requests; every `invalid_every`-th names a model the API does not know (invalid_request_error)."""
    with open(path, "w") as f:
        for i in range(n):
            p = params(i)
            if i % invalid_every == 0:
                p["model"] = "claude-nope-9"
            f.write(json.dumps({"custom_id": f"r-{i}", "params": p}) + "\n")
    return path


async def ended(session, path, label: str | None = None) -> str:
    outcome = await submit(session, path, label=label)
    assert outcome.batch is not None
    await wait(session, outcome.batch.id)
    return outcome.batch.id


async def results_by_kind(session, batch_id: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    async for row in session.store.iter_results(batch_id, ResultFilter()):
        key = "invalid" if row.error_type == "invalid_request_error" else row.result_type
        out.setdefault(key, set()).add(row.custom_id)
    return out


async def test_retry_sends_exactly_the_retryable_failures_as_a_linked_child(session, tmp_path):
    parent = await ended(session, mixed_requests(tmp_path / "in.jsonl"), label="triage")
    kinds = await results_by_kind(session, parent)
    assert kinds.get("errored") and kinds.get("expired") and kinds.get("invalid"), kinds  # the seed mixes all
    outcome = await retry(session, parent)
    child = outcome.submitted.batch  # type: ignore[union-attr]
    assert child is not None and child.parent_batch_id == parent and child.label == "triage (retry)"
    wanted = kinds["errored"] | kinds["expired"]
    assert set(outcome.plan.chosen) == wanted and outcome.plan.skipped_invalid == len(kinds["invalid"])
    assert child.request_counts.total == len(wanted)
    for custom_id in wanted:  # the very params first submitted
        assert await session.store.get_request_params(child.id, custom_id) == await session.store.get_request_params(
            parent, custom_id
        )
    assert await session.store.get_request_params(child.id, next(iter(kinds["invalid"]))) is None
    assert not list(session.spool_dir.glob("*")), "the temporary copy of the requests is gone"


async def test_types_and_include_invalid_choose_what_goes_again(session, tmp_path):
    parent = await ended(session, mixed_requests(tmp_path / "in.jsonl"))
    kinds = await results_by_kind(session, parent)
    only_expired = await retry(session, parent, ["expired"], dry_run=True)
    assert set(only_expired.plan.chosen) == kinds["expired"] and only_expired.submitted.batch is None  # type: ignore[union-attr]
    with_invalid = await retry(session, parent, ["errored"], include_invalid=True, dry_run=True)
    assert set(with_invalid.plan.chosen) == kinds["errored"] | kinds["invalid"]


@pytest.mark.emulator(batch_seconds=30)
async def test_canceled_requests_go_again_only_when_asked(session, tmp_path, batch_emulator):
    outcome = await submit(session, mixed_requests(tmp_path / "in.jsonl", n=8, invalid_every=100))
    batch_id = outcome.batch.id  # type: ignore[union-attr]
    await cancel(session, [batch_id])
    batch_emulator.clock.advance(120)  # cancellation completes
    await wait(session, batch_id)
    assert (await retry(session, batch_id)).submitted is None, "canceled is opt-in"
    again = await retry(session, batch_id, parse_types("canceled"))
    assert again.submitted.batch.request_counts.total == 8  # type: ignore[union-attr]


async def test_what_cannot_be_retried_says_why(session, tmp_path, other_tool, batch_emulator):
    theirs = create_other(other_tool, 30)
    batch_emulator.clock.advance(60)
    with pytest.raises(NoRequests, match="not submitted through batchtui"):
        await retry(session, theirs)
    running = await submit(session, mixed_requests(tmp_path / "in.jsonl", n=3))
    with pytest.raises(BatchtuiError, match="results exist once it has ended"):
        await retry(session, running.batch.id)  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="succeeded"):
        parse_types("errored,succeeded")


@pytest.mark.emulator(batch_seconds=0.5)
async def test_nothing_to_retry_sends_nothing(session, tmp_path, other_tool):
    parent = await ended(session, mixed_requests(tmp_path / "in.jsonl", n=5, invalid_every=100))
    outcome = await retry(session, parent)
    assert outcome.submitted is None and outcome.plan.chosen == {}
    assert len(list(other_tool.messages.batches.list())) == 1


async def test_labels_on_own_and_adopted_batches(session, tmp_path, other_tool):
    theirs = create_other(other_tool, 2)
    record = await set_label(session, theirs, "  made in the\x1b[31m console \n")
    assert record.label == "made in the␛[31m console"
    assert (await session.store.get_batch(theirs)).label == record.label  # type: ignore[union-attr]
    assert (await set_label(session, theirs, "")).label is None
    with pytest.raises(UsageError, match="at most 200"):
        await set_label(session, theirs, "x" * 201)
    with pytest.raises(BatchtuiError, match="No batch msgbatch_nope"):
        await set_label(session, "msgbatch_nope", "x")


async def test_a_retry_keeps_each_requests_metadata(session, tmp_path):
    path = tmp_path / "in.csv"  # CSV: every column besides the request's is metadata
    with open(path, "w") as f:
        f.write("id,prompt,model,max_tokens,ticket,team\n")
        for i in range(40):
            team = "ops" if i % 2 else '"sales, EMEA"'  # a quoted comma
            f.write(f'r-{i},"Hi {i}",claude-sonnet-5,64,T-{i},{team}\n')
    parent = await ended(session, path)
    kinds = await results_by_kind(session, parent)
    wanted = kinds.get("errored", set()) | kinds.get("expired", set())
    assert wanted, kinds
    outcome = await retry(session, parent)
    child = outcome.submitted.batch  # type: ignore[union-attr]
    assert child is not None
    got = await session.store.request_metadata(child.id, wanted)
    assert got == await session.store.request_metadata(parent, wanted)
    assert got[min(wanted)]["ticket"] == f"T-{min(wanted)[2:]}" and len(got) == len(wanted)
