"""Crash-safe submit: validate, record, spool, create; lost responses and crashes reconciled, never duplicated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import anthropic
import pytest

from batchtui.core.errors import BatchtuiError
from batchtui.core.submit import ValidationFailed, reconcile, submit_file


def write_requests(path, n: int, prefix: str = "q") -> None:
    with open(path, "w") as f:
        for i in range(n):
            params = {
                "model": "claude-haiku-4-5",
                "max_tokens": 100,
                "messages": [{"role": "user", "content": f"Say hello to number {i} ✓"}],
            }
            f.write(json.dumps({"custom_id": f"{prefix}-{i}", "params": params}) + "\n")


def server_batches(emu) -> list:
    return list(anthropic.Anthropic(api_key="test", base_url=emu.base_url).messages.batches.list(limit=100))


async def test_submit_records_then_creates(tmp_path, batch_emulator, cache_store, live_api):
    path = tmp_path / "in.jsonl"
    write_requests(path, 25)
    outcome = await submit_file(cache_store, live_api, path, label="greetings")
    batch = outcome.batch
    assert batch is not None and batch.request_counts.total == 25
    assert batch.label == "greetings" and batch.source_file == str(path.resolve())
    sub = outcome.submission
    assert sub.state == "created" and sub.batch_id == batch.id and sub.request_count == 25
    assert sub.sent_at is not None and len(sub.params_digest) == 64
    params = json.loads(await cache_store.get_request_params(batch.id, "q-7"))
    assert params["messages"][0]["content"] == "Say hello to number 7 ✓"
    assert [b.id for b in server_batches(batch_emulator)] == [batch.id]
    assert not list((cache_store.path.parent / "spool").glob("*"))  # spool removed once created


async def test_invalid_file_submits_and_records_nothing(tmp_path, batch_emulator, cache_store, live_api):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"custom_id": "a", "params": {"model": "claude-haiku-4-5"}}\nnot json\n')
    with pytest.raises(ValidationFailed) as info:
        await submit_file(cache_store, live_api, path)
    assert info.value.exit_code == 2
    assert {e.line for e in info.value.report.errors} == {1, 2}
    assert await cache_store.list_submissions() == []
    assert server_batches(batch_emulator) == []


async def test_dry_run_sends_nothing(tmp_path, batch_emulator, cache_store):
    path = tmp_path / "in.jsonl"
    write_requests(path, 3)
    outcome = await submit_file(cache_store, None, path, dry_run=True)
    assert outcome.batch is None and outcome.report.request_count == 3
    assert server_batches(batch_emulator) == []


async def test_lost_create_response_is_reconciled_without_a_duplicate(tmp_path, batch_emulator, cache_store, live_api):
    path = tmp_path / "in.jsonl"
    write_requests(path, 12)
    batch_emulator.faults.inject("lost_create")
    outcome = await submit_file(cache_store, live_api, path, label="lost")
    on_server = server_batches(batch_emulator)
    assert len(on_server) == 1  # a naive retry would have made two
    assert outcome.batch is not None and outcome.batch.id == on_server[0].id
    assert outcome.submission.state == "created"
    assert any("lost" in note for note in outcome.notes)
    assert (await cache_store.get_batch(on_server[0].id)).label == "lost"


async def test_a_refusal_marks_the_submission_failed(tmp_path, batch_emulator, cache_store, live_api):
    path = tmp_path / "in.jsonl"
    write_requests(path, 2)
    batch_emulator.faults.inject("rate_limit", route="create")
    with pytest.raises(BatchtuiError, match="refused"):
        await submit_file(cache_store, live_api, path)
    (sub,) = await cache_store.list_submissions()
    assert sub.state == "failed" and "429" in sub.error
    assert server_batches(batch_emulator) == []


async def record(cache_store, n: int, state: str):
    sub = await cache_store.record_submission(
        source_file="x.jsonl", label=None, request_count=n, body_bytes=10, params_digest="0" * 64
    )
    if state in ("sending", "unknown"):
        await cache_store.mark_submission_sending(sub.id)
    if state == "unknown":
        await cache_store.mark_submission_unknown(sub.id, "connection lost")
    return sub


async def test_crash_before_sending_is_marked_failed(cache_store, live_api):
    sub = await record(cache_store, 3, "recorded")
    (result,) = await reconcile(cache_store, live_api)
    assert result.state == "failed"
    assert (await cache_store.get_submission(sub.id)).state == "failed"


async def test_crash_after_sending_attaches_the_batch_that_exists(batch_emulator, cache_store, live_api):
    sub = await record(cache_store, 7, "sending")
    client = anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url)
    other = client.messages.batches.create(
        requests=[{"custom_id": "x", "params": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []}}]
    )
    mine = client.messages.batches.create(
        requests=[
            {"custom_id": f"c{i}", "params": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []}}
            for i in range(7)
        ]
    )
    (result,) = await reconcile(cache_store, live_api)
    assert result.state == "created" and result.batch_id == mine.id != other.id
    assert (await cache_store.get_submission(sub.id)).batch_id == mine.id


async def test_unknown_outcome_with_no_batch_fails_only_after_the_grace_period(cache_store, live_api):
    sub = await record(cache_store, 5, "unknown")
    (early,) = await reconcile(cache_store, live_api)
    assert early.state == "unknown"  # a new batch can take a while to be listed
    later = datetime.now(UTC) + timedelta(minutes=10)
    (result,) = await reconcile(cache_store, live_api, now=later)
    assert result.state == "failed"
    assert "safe to submit again" in (await cache_store.get_submission(sub.id)).error


async def test_a_batch_is_attached_to_one_submission_only(batch_emulator, cache_store, live_api):
    first = await record(cache_store, 2, "unknown")
    second = await record(cache_store, 2, "unknown")
    client = anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url)
    client.messages.batches.create(
        requests=[
            {"custom_id": f"c{i}", "params": {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": []}}
            for i in range(2)
        ]
    )
    results = {r.submission_id: r for r in await reconcile(cache_store, live_api)}
    assert results[first.id].state == "created"
    assert results[second.id].state == "unknown"
