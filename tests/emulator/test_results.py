"""Results: every result type decoded into the SDK's own types, JSONL framing, deterministic replies, usage."""

from __future__ import annotations

import json
import math
from collections import Counter

import anthropic
import httpx2
import pytest
from anthropic.types.messages import (
    MessageBatchCanceledResult,
    MessageBatchErroredResult,
    MessageBatchExpiredResult,
    MessageBatchIndividualResponse,
    MessageBatchSucceededResult,
)

from batchtui.emulator import Emulator

from ._support import MODEL, finish, make_request, make_requests, raw

pytestmark = pytest.mark.emulator(batch_seconds=10)

INVALID = {
    "unknown-model": ({"model": "claude-imaginary-9"}, "model"),
    "missing-max-tokens": ({"max_tokens": None}, "max_tokens: Field required"),
    "negative-max-tokens": ({"max_tokens": -1}, "max_tokens"),
    "empty-messages": ({"messages": []}, "messages"),
    "bad-role": ({"messages": [{"role": "system", "content": "hi"}]}, "messages.0.role"),
    "stream-true": ({"stream": True}, "stream"),
    "no-content": ({"messages": [{"role": "user"}]}, "messages.0.content"),
}


def _invalid_request(custom_id: str, change: dict) -> dict:
    req = make_request(custom_id)
    for key, value in change.items():
        if value is None:
            del req["params"][key]
        else:
            req["params"][key] = value
    return req


def _results(client: anthropic.Anthropic, batch_id: str) -> dict[str, MessageBatchIndividualResponse]:
    out: dict[str, MessageBatchIndividualResponse] = {}
    for r in client.messages.batches.results(batch_id):
        assert isinstance(r, MessageBatchIndividualResponse)
        assert r.custom_id not in out, f"{r.custom_id} twice"
        out[r.custom_id] = r
    return out


def test_invalid_params_end_as_errored_invalid_request_error(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    reqs = [make_request("good"), *(_invalid_request(cid, change) for cid, (change, _) in INVALID.items())]
    batch = client.messages.batches.create(requests=reqs)  # params are checked later, not at create
    finish(batch_emulator)
    ended = client.messages.batches.retrieve(batch.id)
    assert ended.request_counts.succeeded == 1 and ended.request_counts.errored == len(INVALID)
    results = _results(client, batch.id)
    assert isinstance(results["good"].result, MessageBatchSucceededResult)
    for cid, (_, field) in INVALID.items():
        result = results[cid].result
        assert isinstance(result, MessageBatchErroredResult), cid
        assert result.error.type == "error"  # the envelope; the useful type is one level down
        assert result.error.error.type == "invalid_request_error", cid
        assert result.error.error.message.startswith(field), (cid, result.error.error.message)


def test_max_tokens_zero_is_valid(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=[make_request("warm", max_tokens=0)])
    finish(batch_emulator)
    result = _results(client, batch.id)["warm"].result
    assert isinstance(result, MessageBatchSucceededResult)
    assert result.message.usage.output_tokens == 0 and result.message.stop_reason == "max_tokens"


@pytest.mark.emulator(batch_seconds=10, error_rate=1.0)
def test_error_rate_gives_transient_errors(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(60))
    finish(batch_emulator)
    assert client.messages.batches.retrieve(batch.id).request_counts.errored == 60
    kinds = Counter()
    for r in _results(client, batch.id).values():
        assert isinstance(r.result, MessageBatchErroredResult)
        kinds[r.result.error.error.type] += 1
    assert set(kinds) == {"api_error", "overloaded_error"}


@pytest.mark.emulator(batch_seconds=10, error_rate=0.3, expire_rate=0.3)
def test_rates_mix_outcomes(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(300))
    finish(batch_emulator)
    counts = client.messages.batches.retrieve(batch.id).request_counts
    assert 50 < counts.errored < 130 and 50 < counts.expired < 130 and counts.succeeded > 60
    types = Counter(type(r.result) for r in _results(client, batch.id).values())
    assert types == Counter(
        {
            MessageBatchSucceededResult: counts.succeeded,
            MessageBatchErroredResult: counts.errored,
            MessageBatchExpiredResult: counts.expired,
        }
    )


@pytest.mark.emulator(batch_seconds=10, expire_rate=1.0)
def test_expire_rate_gives_expired_results(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(20))
    finish(batch_emulator)
    assert client.messages.batches.retrieve(batch.id).request_counts.expired == 20
    assert all(isinstance(r.result, MessageBatchExpiredResult) for r in _results(client, batch.id).values())


@pytest.mark.emulator(batch_seconds=100)
def test_canceled_results_decode(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(30))
    client.messages.batches.cancel(batch.id)  # at t=0: nothing was sent yet
    finish(batch_emulator)
    assert client.messages.batches.retrieve(batch.id).request_counts.canceled == 30
    assert all(isinstance(r.result, MessageBatchCanceledResult) for r in _results(client, batch.id).values())


@pytest.mark.emulator(batch_seconds=10, error_rate=0.2, expire_rate=0.2)
def test_jsonl_framing(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    n = 4500  # more than two of the emulator's 2000-line chunks
    batch = client.messages.batches.create(requests=make_requests(n))
    finish(batch_emulator)
    response = raw(batch_emulator, "GET", f"/v1/messages/batches/{batch.id}/results")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-jsonl"
    body = response.content
    assert b"\r" not in body
    assert b"\n\n" not in body and not body.startswith(b"\n")
    lines = body.decode().removesuffix("\n").split("\n")
    assert len(lines) == n
    parsed = [json.loads(line) for line in lines]
    assert all(set(p) == {"custom_id", "result"} for p in parsed)
    assert sorted(p["custom_id"] for p in parsed) == [f"req-{i:06d}" for i in range(n)]


async def test_async_results_every_custom_id_once(batch_emulator: Emulator, aclient: anthropic.AsyncAnthropic) -> None:
    batch = await aclient.messages.batches.create(requests=make_requests(2500))
    finish(batch_emulator)
    ids = [r.custom_id async for r in await aclient.messages.batches.results(batch.id)]
    assert len(ids) == len(set(ids)) == 2500


def test_replies_are_deterministic_across_batches(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    reqs = make_requests(25)
    first = client.messages.batches.create(requests=reqs)
    second = client.messages.batches.create(requests=reqs)
    finish(batch_emulator)
    a, b = _results(client, first.id), _results(client, second.id)
    assert a.keys() == b.keys()
    for cid in a:
        ma, mb = a[cid].result.message, b[cid].result.message
        assert ma.content[0].text == mb.content[0].text
        assert ma.usage == mb.usage
        assert ma.id != mb.id  # a new message each time
    assert len({r.result.message.content[0].text for r in a.values()}) > 1  # not one canned reply


def test_usage_is_realistic(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    long_text = "Please review this paragraph about invoices and refunds. " * 20
    batch = client.messages.batches.create(requests=[make_request("long", text=long_text), make_request("short")])
    finish(batch_emulator)
    results = _results(client, batch.id)
    for cid, prompt in (("long", long_text), ("short", "Summarize the October invoice dispute.")):
        message = results[cid].result.message
        usage = message.usage
        assert message.model == MODEL and message.role == "assistant" and message.stop_reason == "end_turn"
        assert usage.service_tier == "batch"
        assert abs(usage.input_tokens - len(prompt) / 4) <= 10
        assert usage.output_tokens == math.ceil(len(message.content[0].text) / 4)
        assert usage.cache_creation_input_tokens == 0 and usage.cache_read_input_tokens == 0
        assert usage.cache_creation is not None and usage.server_tool_use is not None
    assert results["long"].result.message.usage.input_tokens > 100


def test_small_max_tokens_stops_with_max_tokens(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=[make_request("tiny", max_tokens=5), make_request("roomy")])
    finish(batch_emulator)
    results = _results(client, batch.id)
    tiny, roomy = results["tiny"].result.message, results["roomy"].result.message
    assert tiny.stop_reason == "max_tokens" and 0 < tiny.usage.output_tokens <= 5
    assert len(tiny.content[0].text) <= 20
    assert roomy.stop_reason == "end_turn" and roomy.usage.output_tokens > 5


@pytest.mark.emulator(batch_seconds=10, error_rate=0.1, expire_rate=0.1)
def test_repeat_downloads_are_byte_identical(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    """The first full download is encoded on the fly, later ones may be served from the emulator's cache."""
    batch = client.messages.batches.create(requests=make_requests(4500))
    finish(batch_emulator)
    path = f"/v1/messages/batches/{batch.id}/results"
    batch_emulator.faults.inject("cut_stream")  # a broken first download must not leave a truncated cache
    with pytest.raises(httpx2.TransportError):
        raw(batch_emulator, "GET", path)
    first = raw(batch_emulator, "GET", path).content
    second = raw(batch_emulator, "GET", path).content
    assert first == second
    assert first.count(b"\n") == 4500
    assert len(list(client.messages.batches.results(batch.id))) == 4500
