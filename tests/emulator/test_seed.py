"""The demo seeder: an empty state gets batches in every state; a non-empty one is left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anthropic
import pytest
from anthropic.types.messages import MessageBatch, MessageBatchErroredResult

from batchtui.emulator import Emulator, serve_emulator
from batchtui.emulator.seed import seed_demo

from ._support import check_batch_json, make_requests


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with serve_emulator(state_path=tmp_path / "demo.sqlite3", seed=7) as e:
        yield e


async def _all(client: anthropic.AsyncAnthropic) -> list[MessageBatch]:
    return [b async for b in client.messages.batches.list(limit=100)]


async def test_seed_fills_every_state(emu: Emulator) -> None:
    seeded = await seed_demo(emu.state)
    assert len(seeded) >= 8 and len({s.batch_id for s in seeded}) == len(seeded)
    async with anthropic.AsyncAnthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
        batches = await _all(client)
        assert [b.id for b in batches] == [s.batch_id for s in reversed(seeded)]  # newest first
        created = [b.created_at for b in batches]
        assert created == sorted(created, reverse=True) and len(set(created)) == len(created)
        for b in batches:
            raw = await client.messages.batches.with_raw_response.retrieve(b.id)
            check_batch_json(raw.http_response.json())

        statuses = {b.processing_status for b in batches}
        assert statuses == {"in_progress", "canceling", "ended"}
        ended = [b for b in batches if b.processing_status == "ended"]
        live = [b for b in ended if b.archived_at is None]

        def some(predicate) -> MessageBatch:
            found = [b for b in live if predicate(b.request_counts)]
            assert found, "no seeded batch matches"
            return found[0]

        mixed = some(lambda c: c.succeeded > 0 and c.errored > 0)
        some(lambda c: c.expired > 0)
        some(lambda c: c.canceled > 0)
        assert any(b.archived_at is not None for b in ended)
        assert max(sum(b.request_counts.model_dump().values()) for b in batches) >= 10_000

        errors = [r async for r in await client.messages.batches.results(mixed.id) if r.result.type == "errored"]
        assert len(errors) == mixed.request_counts.errored
        assert all(isinstance(r.result, MessageBatchErroredResult) for r in errors)
        assert "invalid_request_error" in {r.result.error.error.type for r in errors}

        archived = next(b for b in ended if b.archived_at is not None)
        with pytest.raises(anthropic.NotFoundError):
            await client.messages.batches.results(archived.id)  # retrieve works; the download is gone


async def test_seed_is_a_no_op_the_second_time(emu: Emulator) -> None:
    first = await seed_demo(emu.state)
    assert first
    assert await seed_demo(emu.state) == []
    async with anthropic.AsyncAnthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
        assert len(await _all(client)) == len(first)


async def test_seed_leaves_a_non_empty_state_alone(emu: Emulator) -> None:
    async with anthropic.AsyncAnthropic(api_key="test", base_url=emu.base_url, timeout=120) as client:
        mine = await client.messages.batches.create(requests=make_requests(1))
        assert await seed_demo(emu.state) == []
        assert [b.id for b in await _all(client)] == [mine.id]


async def test_live_batches_are_started_only_when_nothing_is_in_flight(tmp_path):
    from batchtui.emulator.seed import seed_live

    async with serve_emulator(state_path=tmp_path / "s.sqlite3") as emu:
        assert await seed_demo(emu.state)
        assert await seed_live(emu.state) == []  # the demo data has batches in flight
        emu.clock.advance(3 * 86_400)  # ...which have all ended by now
        live = await seed_live(emu.state)
        assert [b.label for b in live] == ["live: quick-check", "live: ticket-summaries", "live: reviews-batch"]
        client = anthropic.AsyncAnthropic(api_key="t", base_url=emu.base_url)
        statuses = {b.id: b.processing_status async for b in client.messages.batches.list(limit=100)}
        await client.close()
        assert all(statuses[b.batch_id] == "in_progress" for b in live)
        assert await seed_live(emu.state) == []
