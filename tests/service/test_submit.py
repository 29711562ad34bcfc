"""service.submit on the real emulator: validate and spool in one pass, record before sending, and let the answer
decide: created, not sent, busy (retried), refused, or unknown (never resent)."""

from __future__ import annotations

import json

import pytest

from batchtui.core.errors import DuplicateSubmission, OutcomeUnknown
from batchtui.core.inputs.split import BODY_HEAD, BODY_SEP, BODY_TAIL
from batchtui.core.inputs.validate import validate_file
from batchtui.service.submit import NotCreated, ValidationFailed, prepare, submit
from tests.service.support import open_submission, server_batch_ids, write_requests


async def test_submit_records_then_creates(tmp_path, session, other_tool):
    path = write_requests(tmp_path / "in.jsonl", 25)
    outcome = await submit(session, path, label="greetings")
    batch = outcome.batch
    assert batch is not None and batch.request_counts.total == 25
    assert batch.label == "greetings" and batch.source_file == str(path.resolve())
    sub = outcome.submission
    assert sub.state == "created" and sub.batch_id == batch.id and sub.request_count == 25
    assert sub.sent_at is not None and len(sub.params_digest) == 64
    params = json.loads(await session.store.get_request_params(batch.id, "q-7"))
    assert params["messages"][0]["content"] == "Say hello to number 7 ✓"
    assert server_batch_ids(other_tool) == [batch.id]
    assert not list(session.spool_dir.glob("*"))  # the spool goes once the batch exists


async def test_submit_from_an_iterable_of_requests(session, other_tool):
    requests = ({"custom_id": f"gen-{i}", "params": {"model": "claude-haiku-4-5", "max_tokens": 5,
                "messages": [{"role": "user", "content": str(i)}]}} for i in range(40))  # fmt: skip
    outcome = await submit(session, requests, label="made by code")
    assert outcome.batch is not None and outcome.batch.request_counts.total == 40
    assert outcome.submission.source_file is None
    assert server_batch_ids(other_tool) == [outcome.batch.id]


async def test_invalid_file_submits_and_records_nothing(tmp_path, session, other_tool):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"custom_id": "a", "params": {"model": "claude-haiku-4-5"}}\nnot json\n')
    with pytest.raises(ValidationFailed) as info:
        await submit(session, path)
    assert info.value.exit_code == 2
    assert {e.line for e in info.value.report.errors} == {1, 2}
    assert await session.store.list_submissions() == []
    assert server_batch_ids(other_tool) == []
    assert not list(session.spool_dir.glob("*"))  # the half-written spool went with the error


async def test_dry_run_sends_nothing(tmp_path, cache_store, other_tool):
    from batchtui.service.session import Session

    outcome = await submit(Session(cache_store), write_requests(tmp_path / "in.jsonl", 3), dry_run=True)
    assert outcome.batch is None and outcome.report.request_count == 3
    assert server_batch_ids(other_tool) == []
    assert await cache_store.list_submissions() == []


def test_prepare_validates_and_spools_in_one_pass_with_private_permissions(tmp_path):
    path = write_requests(tmp_path / "in.jsonl", 30)
    spool_dir = tmp_path / "cache" / "spool"
    prepared = prepare(path, spool_dir)
    assert prepared.request_count == 30 and prepared.report.request_count == 30
    assert prepared.spool is not None and prepared.spool.parent == spool_dir
    assert spool_dir.stat().st_mode & 0o777 == 0o700
    assert prepared.spool.stat().st_mode & 0o777 == 0o600
    body = json.loads(prepared.spool.read_bytes())
    assert [r["custom_id"] for r in body["requests"]] == [f"q-{i}" for i in range(30)]
    assert prepared.body_bytes == prepared.spool.stat().st_size
    again = prepare(path, spool_dir)
    assert again.digest == prepared.digest and again.spool != prepared.spool  # equal bodies, equal digests
    prepared.discard()
    again.discard()
    assert not list(spool_dir.iterdir())


async def test_a_never_sent_create_fails_at_once_and_says_it_is_safe(tmp_path, offline_session):
    with pytest.raises(NotCreated, match="safe to submit again"):
        await submit(offline_session, write_requests(tmp_path / "mine.jsonl", 137))
    (sub,) = await offline_session.store.list_submissions()
    assert sub.state == "failed" and "not sent" in sub.error and "safe to submit again" in sub.error
    assert not list(offline_session.spool_dir.glob("*"))


@pytest.mark.parametrize("kind", ["rate_limit", "overloaded"])
async def test_a_busy_api_is_retried_to_exactly_one_batch(tmp_path, session, batch_emulator, other_tool, kind):
    batch_emulator.faults.inject(kind, route="create", times=2)
    phases = []
    outcome = await submit(
        session, write_requests(tmp_path / "in.jsonl", 9), retry_cap=0.3, on_progress=lambda p, d, t: phases.append(p)
    )
    assert [k for _, k in batch_emulator.faults.injected] == [kind, kind]
    assert phases.count("retry") == 2
    assert server_batch_ids(other_tool) == [outcome.batch.id]
    assert outcome.submission.state == "created"


async def test_busy_to_the_end_fails_saying_nothing_was_created(tmp_path, session, batch_emulator, other_tool):
    batch_emulator.faults.inject("rate_limit", route="create", times=3)
    with pytest.raises(NotCreated, match="Nothing was created"):
        await submit(session, write_requests(tmp_path / "in.jsonl", 4), create_attempts=3, retry_cap=0.1)
    (sub,) = await session.store.list_submissions()
    assert sub.state == "failed" and "429" in sub.error and "nothing was created" in sub.error
    assert server_batch_ids(other_tool) == []


@pytest.mark.emulator(max_body_bytes=2000)
async def test_a_refusal_fails_without_a_retry(tmp_path, session, batch_emulator, other_tool):
    with pytest.raises(NotCreated, match="refused"):
        await submit(session, write_requests(tmp_path / "in.jsonl", 40))
    (sub,) = await session.store.list_submissions()
    assert sub.state == "failed" and "413" in sub.error
    assert server_batch_ids(other_tool) == []


async def test_a_lost_answer_is_held_as_probable_never_resent(tmp_path, session, batch_emulator, other_tool):
    batch_emulator.faults.inject("lost_create")
    outcome = await submit(session, write_requests(tmp_path / "in.jsonl", 12), label="lost")
    (on_server,) = server_batch_ids(other_tool)  # a naive retry would have made two
    assert outcome.probable and outcome.batch is not None and outcome.batch.id == on_server
    assert outcome.submission.state == "unknown" and outcome.submission.candidate_batch_id == on_server
    assert outcome.submission.display_state == "probable"
    assert any("probably this one" in note for note in outcome.notes)
    assert (await session.store.get_batch(on_server)).label is None  # not attached until verified


async def test_a_lost_answer_with_nothing_listed_is_unknown(tmp_path, session, batch_emulator, other_tool):
    batch_emulator.faults.inject("lost_create")
    batch_emulator.faults.inject("server_error", route="list", times=3)  # every attempt of one listing
    with pytest.raises(OutcomeUnknown, match="Do not resubmit"):
        await submit(session, write_requests(tmp_path / "in.jsonl", 5))
    (sub,) = await session.store.list_submissions()
    assert sub.state == "unknown" and len(server_batch_ids(other_tool)) == 1


async def test_an_identical_body_to_an_open_submission_is_refused_unless_forced(tmp_path, session, other_tool):
    path = write_requests(tmp_path / "in.jsonl", 6)
    prepared = prepare(path, tmp_path / "spool")
    prepared.discard()
    # An earlier send of exactly this body whose answer was lost, and no batch of its size is listed yet.
    await open_submission(session.store, 6, prefix="q", digest=prepared.digest)
    with pytest.raises(DuplicateSubmission, match="--force") as info:
        await submit(session, path)
    assert info.value.exit_code == 2
    assert server_batch_ids(other_tool) == []
    assert len(await session.store.list_submissions()) == 1
    forced = await submit(session, path, force=True)
    assert server_batch_ids(other_tool) == [forced.batch.id]


def test_the_spool_keeps_the_file_order_when_lines_take_the_lane_and_the_full_way(tmp_path, monkeypatch):
    """Plainly valid lines hand their items over a block at a time, the others one by one: the body still holds
    every request in the file's order, byte for byte what one call per request gives, and progress is told."""
    monkeypatch.setattr("batchtui.service.submit.PREPARE_REPORT_EVERY", 500)
    lines = []
    for i in range(3000):  # ~1.7 MB: several of the reader's 256 KiB blocks
        params = {"model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "x" * 500}]}
        if i % 7 == 3:
            params["temperature"] = 0.5  # not in the lane: the full way
        if i % 11 == 5:
            params["messages"][0]["content"] = [{"type": "image", "source": {"type": "url", "url": "https://e/x.png"}}]
        lines.append(json.dumps({"custom_id": f"r-{i}", "params": params}, separators=(", ", ": ")))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    one_by_one: list[bytes] = []
    report = validate_file(path, on_request=lambda req, item: one_by_one.append(item))
    assert report.ok and len(one_by_one) == 3000
    told: list[int] = []
    prepared = prepare(path, tmp_path / "spool", on_progress=lambda phase, n, _: told.append(n))
    body = prepared.spool.read_bytes()
    assert body == BODY_HEAD + BODY_SEP.join(one_by_one) + BODY_TAIL
    assert [r["custom_id"] for r in json.loads(body)["requests"]] == [f"r-{i}" for i in range(3000)]
    assert prepared.request_count == 3000 and prepared.body_bytes == len(body)
    assert told == sorted(told) and len(told) >= 5 and told[-1] <= 3000  # told as the count passes each 500
    prepared.discard()
