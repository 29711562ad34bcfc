"""Every endpoint through the official SDK, sync and async: shapes, timestamps, headers and results_url."""

from __future__ import annotations

from datetime import timedelta

import anthropic
import pytest
from anthropic.types.messages import DeletedMessageBatch, MessageBatch

from batchtui.emulator import Emulator, serve_emulator

from ._support import REQUEST_ID, check_batch_json, finish, make_requests, parse_ts

pytestmark = pytest.mark.emulator(batch_seconds=60)  # long enough to be seen in_progress


def test_create_retrieve_list_results_delete_sync(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    raw = client.messages.batches.with_raw_response.create(requests=make_requests(3))
    assert REQUEST_ID.match(raw.headers["request-id"])
    data = raw.http_response.json()
    check_batch_json(data)
    assert data["processing_status"] == "in_progress"
    assert data["request_counts"] == {"processing": 3, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    for key in ("ended_at", "cancel_initiated_at", "archived_at", "results_url"):
        assert data[key] is None
    created, expires = parse_ts(data["created_at"]), parse_ts(data["expires_at"])
    assert expires - created == timedelta(hours=24)
    batch = raw.parse()
    assert isinstance(batch, MessageBatch)
    assert batch._request_id == raw.headers["request-id"]

    got = client.messages.batches.retrieve(batch.id)
    assert got.id == batch.id and got.created_at == created

    page = client.messages.batches.list()
    assert [b.id for b in page.data] == [batch.id]

    finish(batch_emulator)
    raw = client.messages.batches.with_raw_response.retrieve(batch.id)
    assert REQUEST_ID.match(raw.headers["request-id"])
    data = raw.http_response.json()
    check_batch_json(data)
    assert data["processing_status"] == "ended"
    assert data["results_url"] == f"{batch_emulator.base_url}/v1/messages/batches/{batch.id}/results"
    assert created < parse_ts(data["ended_at"]) <= expires
    assert data["request_counts"]["succeeded"] == 3 and data["request_counts"]["processing"] == 0

    with client.messages.batches.with_streaming_response.results(batch.id) as stream:
        assert stream.headers["content-type"] == "application/x-jsonl"
        assert REQUEST_ID.match(stream.headers["request-id"])
        ids = sorted(r.custom_id for r in stream.parse())
    assert ids == ["req-000000", "req-000001", "req-000002"]

    raw = client.messages.batches.with_raw_response.delete(batch.id)
    assert REQUEST_ID.match(raw.headers["request-id"])
    assert raw.http_response.json() == {"id": batch.id, "type": "message_batch_deleted"}
    assert isinstance(raw.parse(), DeletedMessageBatch)


def test_cancel_sync_returns_canceling_with_every_key(client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(4))
    raw = client.messages.batches.with_raw_response.cancel(batch.id)
    assert REQUEST_ID.match(raw.headers["request-id"])
    data = raw.http_response.json()
    check_batch_json(data)
    assert data["processing_status"] == "canceling"
    assert data["cancel_initiated_at"] is not None
    assert data["ended_at"] is None and data["results_url"] is None
    assert data["request_counts"]["processing"] == 4


def test_every_request_id_is_distinct(client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(1))
    seen = {client.messages.batches.with_raw_response.retrieve(batch.id).headers["request-id"] for _ in range(5)}
    assert len(seen) == 5


async def test_all_endpoints_async_with_serve_emulator(tmp_path) -> None:
    async with (
        serve_emulator(batch_seconds=60, state_path=tmp_path / "s.sqlite3", seed=3) as emu,
        anthropic.AsyncAnthropic(api_key="test", base_url=emu.base_url, timeout=120) as client,
    ):
        keep = await client.messages.batches.create(requests=make_requests(5))
        drop = await client.messages.batches.create(requests=make_requests(2, prefix="x"))
        assert keep.processing_status == "in_progress" and keep.request_counts.processing == 5

        canceling = await client.messages.batches.cancel(drop.id)
        assert canceling.processing_status == "canceling" and canceling.cancel_initiated_at is not None

        listed = [b.id async for b in client.messages.batches.list(limit=1)]
        assert listed == [drop.id, keep.id]

        finish(emu)
        ended = await client.messages.batches.retrieve(keep.id)
        assert ended.processing_status == "ended"
        assert ended.results_url == f"{emu.base_url}/v1/messages/batches/{keep.id}/results"
        raw = await client.messages.batches.with_raw_response.retrieve(keep.id)
        check_batch_json(raw.http_response.json())

        ids = [r.custom_id async for r in await client.messages.batches.results(keep.id)]
        assert sorted(ids) == [f"req-{i:06d}" for i in range(5)]

        deleted = await client.messages.batches.delete(drop.id)
        assert deleted == DeletedMessageBatch(id=drop.id, type="message_batch_deleted")
        assert [b.id async for b in client.messages.batches.list()] == [keep.id]


async def test_async_client_against_fixture(batch_emulator: Emulator, aclient: anthropic.AsyncAnthropic) -> None:
    batch = await aclient.messages.batches.create(requests=make_requests(2))
    finish(batch_emulator)
    async with aclient.messages.batches.with_streaming_response.results(batch.id) as stream:
        assert stream.headers["content-type"] == "application/x-jsonl"
        assert REQUEST_ID.match(stream.headers["request-id"])
        assert len([r async for r in await stream.parse()]) == 2


def test_beta_namespace_is_the_same_api(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    """client.beta.messages.batches may add ?beta=true; the emulator must treat it like the GA path."""
    batch = client.beta.messages.batches.create(requests=make_requests(2))
    assert client.messages.batches.retrieve(batch.id).id == batch.id
    assert [b.id for b in client.beta.messages.batches.list()] == [batch.id]
    finish(batch_emulator)
    assert len(list(client.beta.messages.batches.results(batch.id))) == 2


@pytest.mark.emulator(batch_seconds=1, error_rate=0.25, seed=99)
def test_marker_configures_the_fixture(batch_emulator: Emulator) -> None:
    cfg = batch_emulator.config
    assert (cfg.batch_seconds, cfg.error_rate, cfg.seed) == (1, 0.25, 99)
    assert cfg.state_path is not None and cfg.state_path.name == "emulator.sqlite3"
    assert batch_emulator.base_url.startswith("http://127.0.0.1:")
