"""The sync engine against the real emulator: refresh cost, events, result downloads (resume, faults), outages."""

from __future__ import annotations

import asyncio

import anthropic
import pytest

from batchtui.core.client import BatchApi
from batchtui.core.sync import (
    RESULT_CHUNK,
    BatchEnded,
    ResultsComplete,
    ResultsProgress,
    SyncEngine,
    SyncFailed,
)


def make_requests(n: int, prefix: str = "r") -> list[dict]:
    return [
        {
            "custom_id": f"{prefix}-{i:05d}",
            "params": {
                "model": "claude-sonnet-5",
                "max_tokens": 200,
                "messages": [{"role": "user", "content": f"Question number {i}: what is {i} + {i}?"}],
            },
        }
        for i in range(n)
    ]


def sdk(emu) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="test", base_url=emu.base_url)


def list_calls(api) -> list:
    return [c for c in api.calls if c.method == "GET" and c.path.split("?")[0] == "/v1/messages/batches"]


async def test_refresh_stores_every_batch_and_reports_changes(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    ids = [client.messages.batches.create(requests=make_requests(3)).id for _ in range(5)]
    engine = SyncEngine(cache_store, live_api)
    changed = await engine.refresh()
    assert sorted(changed) == sorted(ids)
    stored = await cache_store.list_batches()
    assert [b.id for b in stored] == list(reversed(ids))  # newest first
    assert all(b.processing_status == "in_progress" and b.request_counts.processing == 3 for b in stored)
    assert await engine.refresh() == []  # nothing changed


async def test_refreshing_many_in_flight_batches_costs_one_list_call(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    for _ in range(30):
        client.messages.batches.create(requests=make_requests(2))
    engine = SyncEngine(cache_store, live_api)
    await engine.refresh()
    live_api.calls.clear()
    await engine.refresh()
    assert len(list_calls(live_api)) == 1
    assert not [c for c in live_api.calls if "/v1/messages/batches/" in c.path]  # no per-batch retrieve


@pytest.mark.emulator(batch_seconds=10)
async def test_incremental_refresh_stops_paging_past_the_oldest_in_flight_batch(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    for _ in range(50):
        client.messages.batches.create(requests=make_requests(1))
    batch_emulator.clock.advance(60)  # those 50 have ended
    for _ in range(5):
        client.messages.batches.create(requests=make_requests(1))
    engine = SyncEngine(cache_store, live_api, list_page_size=10)
    await engine.refresh(full=True)
    assert len(list_calls(live_api)) == 6  # 55 batches, pages of 10
    live_api.calls.clear()
    await engine.refresh()
    assert len(list_calls(live_api)) == 1  # the 5 in flight are all on the first page


@pytest.mark.emulator(batch_seconds=10)
async def test_batch_end_is_an_event_and_counts_land(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    batch_id = client.messages.batches.create(requests=make_requests(4)).id
    events = []
    engine = SyncEngine(cache_store, live_api, on_event=events.append)
    await engine.refresh()
    batch_emulator.clock.advance(60)
    assert batch_id in await engine.refresh()
    assert BatchEnded(batch_id) in events
    stored = await cache_store.get_batch(batch_id)
    assert stored.processing_status == "ended"
    assert stored.request_counts.succeeded == 4 and stored.request_counts.total == 4
    assert stored.results_state == "pending"


async def test_full_refresh_notices_batches_deleted_elsewhere(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    batch_id = client.messages.batches.create(requests=make_requests(1)).id
    engine = SyncEngine(cache_store, live_api)
    await engine.refresh()
    batch_emulator.clock.advance(3600)
    await engine.refresh()
    client.messages.batches.delete(batch_id)
    await engine.refresh(full=True)
    stored = await cache_store.get_batch(batch_id)
    assert stored is not None and stored.deleted_remotely


async def ended_batch(emu, n: int, cache_store, live_api, **kw) -> tuple[str, SyncEngine, list]:
    batch_id = sdk(emu).messages.batches.create(requests=make_requests(n)).id
    emu.clock.advance(3600)
    events: list = []
    engine = SyncEngine(cache_store, live_api, on_event=events.append, **kw)
    await engine.refresh()
    return batch_id, engine, events


async def test_download_stores_one_row_per_request_with_progress(batch_emulator, cache_store, live_api):
    n = 2 * RESULT_CHUNK + 500
    batch_id, engine, events = await ended_batch(batch_emulator, n, cache_store, live_api)
    assert await engine.download_results(batch_id) == n
    progress = [e for e in events if isinstance(e, ResultsProgress)]
    assert [p.rows for p in progress] == [RESULT_CHUNK, 2 * RESULT_CHUNK, n]
    assert all(p.total == n for p in progress)
    assert ResultsComplete(batch_id, n) in events
    stored = await cache_store.get_batch(batch_id)
    assert stored.results_state == "complete" and stored.results_rows == n
    assert stored.cost_usd is not None and stored.cost_usd > 0
    row = await cache_store.get_result(batch_id, "r-00042")
    assert row.result_type == "succeeded" and row.text and row.output_tokens > 0


async def test_download_cut_off_midway_then_resumed_ends_with_exactly_one_row_each(
    batch_emulator, cache_store, live_api
):
    batch_id, engine, _ = await ended_batch(batch_emulator, 3 * RESULT_CHUNK, cache_store, live_api)
    batch_emulator.faults.inject("cut_stream", route="results")
    with pytest.raises(anthropic.APIConnectionError):
        await engine.download_results(batch_id)
    assert (await cache_store.get_batch(batch_id)).results_state == "failed"
    partial = await cache_store.stored_result_count(batch_id)
    assert partial < 3 * RESULT_CHUNK
    assert await engine.download_results(batch_id) == 3 * RESULT_CHUNK
    assert await cache_store.stored_result_count(batch_id) == 3 * RESULT_CHUNK
    assert (await cache_store.get_batch(batch_id)).results_state == "complete"


async def test_download_killed_at_any_point_resumes(batch_emulator, cache_store, live_api):
    n = 3 * RESULT_CHUNK
    batch_id, engine, events = await ended_batch(batch_emulator, n, cache_store, live_api)
    task = asyncio.create_task(engine.download_results(batch_id))
    while not any(isinstance(e, ResultsProgress) for e in events):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await cache_store.get_batch(batch_id)).results_state == "pending"
    assert 0 < await cache_store.stored_result_count(batch_id) < n
    assert await engine.download_results(batch_id) == n


async def test_concurrent_requests_for_one_download_share_it(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 3000, cache_store, live_api)
    first, second = engine.ensure_download(batch_id), engine.ensure_download(batch_id)
    assert first is second
    assert await first == 3000
    results_calls = [c for c in live_api.calls if c.path.endswith("/results")]
    assert len(results_calls) == 1


@pytest.mark.emulator(archive_seconds=7200)
async def test_archived_results_are_marked_unavailable(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 5, cache_store, live_api)
    batch_emulator.clock.advance(7200)
    await engine.refresh()
    stored = await cache_store.get_batch(batch_id)
    assert stored.archived_at is not None
    assert stored.results_state == "unavailable"
    assert batch_id not in [b.id for b in await cache_store.batches_needing_results()]


async def test_an_outage_reports_backoff_and_keeps_the_cache(batch_emulator, cache_store, live_api):
    client = sdk(batch_emulator)
    batch_id = client.messages.batches.create(requests=make_requests(2)).id
    await SyncEngine(cache_store, live_api).refresh()
    dead = BatchApi(api_key="test", base_url="http://127.0.0.1:9", max_retries=0, timeout=2)
    events: list = []
    engine = SyncEngine(cache_store, dead, on_event=events.append)
    stop = asyncio.Event()
    engine.schedule.error_base = 0.05
    runner = asyncio.create_task(engine.run(stop=stop))
    while len([e for e in events if isinstance(e, SyncFailed)]) < 3:
        await asyncio.sleep(0.02)
    stop.set()
    await runner
    await dead.close()
    failures = [e for e in events if isinstance(e, SyncFailed)]
    assert all(f.transient for f in failures)
    assert "reach the API" in failures[0].message
    assert failures[2].retry_in > failures[0].retry_in  # backing off
    assert (await cache_store.get_batch(batch_id)).request_counts.processing == 2


async def test_rate_limits_are_honoured(batch_emulator, cache_store):
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url, max_retries=0)
    batch_emulator.faults.inject("rate_limit", route="list")
    events: list = []
    engine = SyncEngine(cache_store, api, on_event=events.append)
    engine.schedule.error_base = 0.01  # our own backoff would be shorter than what the server asks
    stop = asyncio.Event()
    runner = asyncio.create_task(engine.run(stop=stop))
    while not any(isinstance(e, SyncFailed) for e in events):
        await asyncio.sleep(0.02)
    stop.set()
    await runner
    await api.close()
    failure = next(e for e in events if isinstance(e, SyncFailed))
    # The emulator asks for retry-after-ms 200: never sooner than that.
    assert failure.transient and failure.retry_in >= 0.2


async def test_the_dashboard_engine_indexes_a_downloaded_batch_for_search(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 50, cache_store, live_api, index_after_download=1000)
    await engine.download_results(batch_id)
    await asyncio.gather(*engine._indexing)
    assert await cache_store.is_search_indexed(batch_id)


async def test_the_cli_engine_leaves_indexing_to_the_first_search(batch_emulator, cache_store, live_api):
    batch_id, engine, _ = await ended_batch(batch_emulator, 50, cache_store, live_api)
    await engine.download_results(batch_id)
    assert not engine._indexing
    assert not await cache_store.is_search_indexed(batch_id)


async def test_a_poke_during_a_refresh_is_not_lost(batch_emulator, cache_store, live_api):
    engine = SyncEngine(cache_store, live_api)
    engine.schedule.brisk = engine.schedule.busy_cap = engine.schedule.idle_cap = 3600  # no timed polls
    refreshes = 0
    real_refresh = engine.refresh

    async def counting_refresh(**kw):
        nonlocal refreshes
        refreshes += 1
        if refreshes == 1:
            engine.poke()  # the user presses `r` while the first refresh is under way
        return await real_refresh(**kw)

    engine.refresh = counting_refresh  # type: ignore[method-assign]
    stop = asyncio.Event()
    runner = asyncio.create_task(engine.run(stop=stop))
    for _ in range(500):
        if refreshes >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await runner
    assert refreshes >= 2
