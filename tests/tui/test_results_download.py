"""Results that are not stored yet: downloaded in the background (progress, then rows), or explained when offline
or while the batch is still in progress. The API is the emulator; the store and sync engine are the real ones."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.widgets import ProgressBar, Static

from batchtui.core.client import BatchApi
from batchtui.core.sync import ResultsComplete, ResultsProgress, SyncEngine
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.widgets.results_table import ResultsTable
from tests.tui.results_support import BATCH_ID, ResultsHostApp, seed_batch, settle, wait_for

SIZE = (120, 40)
PARAMS = {
    "model": "claude-haiku-4-5",
    "max_tokens": 256,
    "messages": [{"role": "user", "content": "Classify: late parcel"}],
}


def notice(app: ResultsHostApp) -> str:
    return str(app.screen.query_one("#results-notice", Static).content)


def first_painted_row(app: ResultsHostApp) -> str:
    return app.screen.query_one(ResultsTable).render_line(1).text


@pytest.fixture
async def api(batch_emulator):
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    yield api
    await api.close()


async def create_batch(api: BatchApi, n: int) -> str:
    requests = [{"custom_id": f"ticket-{i:05d}", "params": PARAMS} for i in range(n)]
    batch = await api.sdk.messages.batches.create(requests=requests)
    return batch.id


@pytest.mark.emulator(batch_seconds=1)
async def test_ended_batch_downloads_in_background_with_progress(batch_emulator, api, cache_store):
    n = 5000  # more than one download chunk, so progress is reported more than once
    batch_id = await create_batch(api, n)
    batch_emulator.clock.advance(5)
    engine = SyncEngine(cache_store, api)
    await engine.refresh()
    assert (await cache_store.get_batch(batch_id)).results_state == "pending"

    delivered: list[object] = []

    def hook(message: Message) -> None:
        if isinstance(message, SyncEventMessage) and isinstance(message._sender, ResultsHostApp):
            delivered.append(message.event)

    app = ResultsHostApp(cache_store, batch_id=batch_id, engine=engine, api=api)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        table = app.screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_count == n, within=30, what="the downloaded rows")
        await settle(pilot, app)
        progress = [e for e in delivered if isinstance(e, ResultsProgress) and e.batch_id == batch_id]
        assert len(progress) >= 2 and progress[-1].rows == n and progress[-1].total == n
        assert any(isinstance(e, ResultsComplete) for e in delivered)
        assert notice(app) == "Results downloaded."
        assert not app.screen.query_one(ProgressBar).has_class("-shown")
        assert first_painted_row(app).lstrip().startswith("ticket-00000")
        assert f"{n:,} results" in str(app.screen.query_one("#results-count", Static).content)
    assert (await cache_store.get_batch(batch_id)).results_state == "complete"


@pytest.mark.emulator(batch_seconds=30)
async def test_in_progress_batch_says_when_results_come_then_downloads_when_it_ends(batch_emulator, api, cache_store):
    batch_id = await create_batch(api, 20)
    engine = SyncEngine(cache_store, api)
    await engine.refresh()
    app = ResultsHostApp(cache_store, batch_id=batch_id, engine=engine, api=api)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert notice(app) == "Batch in progress: results come when it ends (the API gives none before)."
        assert "No results yet." in first_painted_row(app)
        header = str(app.screen.query_one("#results-header", Static).content)
        assert "in progress" in header and "requests 20  processing 20" in header
        batch_emulator.clock.advance(60)
        await engine.refresh()  # the poll loop's job: it reports BatchEnded, and the view fetches the results
        table = app.screen.query_one(ResultsTable)
        await wait_for(pilot, lambda: table.row_count == 20, within=30, what="the rows after the batch ended")
        await settle(pilot, app)
        assert "ended" in str(app.screen.query_one("#results-header", Static).content)


async def test_offline_says_results_are_not_downloaded(cache_store):
    await seed_batch(cache_store, [], complete=False)
    app = ResultsHostApp(cache_store, engine=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        assert "not downloaded yet" in notice(app) and "offline" in notice(app)
        assert "Results not downloaded yet." in first_painted_row(app)
        assert app.is_running


async def test_failed_download_is_reported(cache_store):
    await seed_batch(cache_store, [], complete=False)
    dead = BatchApi(api_key="test", base_url="http://127.0.0.1:9", max_retries=0, timeout=5)
    engine = SyncEngine(cache_store, dead)
    app = ResultsHostApp(cache_store, engine=engine, api=dead)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "Download failed" in notice(app), within=20, what="the failure")
            assert not app.screen.query_one(ProgressBar).has_class("-shown")
            assert app.is_running
        assert (await cache_store.get_batch(BATCH_ID)).results_state == "failed"
    finally:
        await dead.close()
