"""Failure is calm: no key, an unreachable API or a rejected key all open the dashboard from the cache and say why.
Also the launcher itself: what it hands the app, with and without a key, and `--demo`."""

from __future__ import annotations

import argparse
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from batchtui.core.client import BatchApi
from batchtui.core.sync import SyncEngine
from batchtui.tui import launch
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.launch import NO_KEY
from batchtui.tui.widgets.status_bar import StatusBar
from tests.tui.app_support import SIZE, add_batch, emulator_clock, screen_text, settle, table_of


def status_text(app: BatchTuiApp) -> str:
    return str(app.main_screen.query_one(StatusBar).render())


@pytest.fixture
async def cached_batch(engine, batch_emulator) -> str:
    """One batch already in the cache (synced earlier, while online)."""
    batch_id = await add_batch(batch_emulator, 3, ago=60, duration=3600)
    await engine.refresh()
    return batch_id


async def test_no_key_opens_from_the_cache_and_says_how_to_set_one(cache_store, cached_batch, batch_emulator):
    app = BatchTuiApp(
        store=cache_store, api=None, engine=None, offline_reason=NO_KEY, clock=emulator_clock(batch_emulator)
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert table_of(app).batch_ids == [cached_batch]
        assert "offline" in status_text(app) and "ANTHROPIC_API_KEY" in status_text(app)
        assert any(n.title == "Offline" and "ANTHROPIC_API_KEY" in n.message for n in app._notifications)
        screen = app.main_screen
        assert screen.check_action("new", ()) is None and screen.check_action("cancel", ()) is None
        await pilot.press("r", "c", "n")
        await settle(pilot, app)
        assert app.is_running and app.screen is screen
        assert any(n.title == "Cannot refresh" for n in app._notifications)


async def test_unreachable_api_keeps_the_cache_and_retries(cache_store, cached_batch, batch_emulator):
    api = BatchApi(api_key="test", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0, timeout=2)
    engine = SyncEngine(cache_store, api)
    app = BatchTuiApp(store=cache_store, api=api, engine=engine, clock=emulator_clock(batch_emulator))
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            for _ in range(50):
                await pilot.pause(0.1)
                if app.sync_state.error:
                    break
            await settle(pilot, app)
            assert table_of(app).batch_ids == [cached_batch]
            text = status_text(app)
            assert "offline" in text and "Cannot reach the API" in text and "retrying in" in text
            assert app.sync_state.transient
            assert any(c.status is None for c in app.activity)  # the failed call is in the activity log
            assert app.is_running
    finally:
        await api.close()


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def rejecting_api() -> AsyncIterator[str]:
    """A server that answers every call like the API does for a bad key."""

    async def reject(_request: web.Request) -> web.Response:
        body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        return web.json_response(body, status=401, headers={"request-id": "req_01Rejected"})

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", reject)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_a_rejected_key_says_how_to_fix_it(cache_store, cached_batch, batch_emulator):
    async with rejecting_api() as base_url:
        api = BatchApi(api_key="sk-ant-wrong", base_url=base_url, max_retries=0)
        app = BatchTuiApp(store=cache_store, api=api, engine=SyncEngine(cache_store, api), poll=False)
        try:
            async with app.run_test(size=SIZE, notifications=True) as pilot:
                await pilot.press("r")
                await settle(pilot, app)
                assert table_of(app).batch_ids == [cached_batch]
                assert "The API rejected the key (401). Set a valid one: export ANTHROPIC_API_KEY=" in status_text(app)
                assert not app.sync_state.transient
                assert any(n.title == "Sync failed" for n in app._notifications)
        finally:
            await api.close()


def _args(tmp_path, demo: bool = False) -> argparse.Namespace:
    return argparse.Namespace(db=None if demo else tmp_path / "cache.sqlite3", base_url=None, demo=demo)


async def test_launcher_without_a_key_runs_offline_and_closes_the_store(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    seen: dict[str, object] = {}

    async def run_async(self: BatchTuiApp) -> None:
        async with self.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot, self)
            seen.update(api=self.api, engine=self.engine, status=status_text(self), store=self.store)

    monkeypatch.setattr(BatchTuiApp, "run_async", run_async)
    assert await launch._run(_args(tmp_path)) == 0
    assert seen["api"] is None and seen["engine"] is None
    assert "ANTHROPIC_API_KEY" in str(seen["status"])
    assert seen["store"]._db.closed  # type: ignore[attr-defined]


async def test_launcher_demo_paints_the_seeded_batches(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    seen: dict[str, object] = {}

    async def run_async(self: BatchTuiApp) -> None:
        async with self.run_test(size=SIZE) as pilot:
            await settle(pilot, self)
            seen.update(text=screen_text(self), demo=self.demo, rows=table_of(self).row_count)

    monkeypatch.setattr(BatchTuiApp, "run_async", run_async)
    assert await launch._run(_args(tmp_path, demo=True)) == 0
    assert seen["demo"] is True and seen["rows"] == 10
    assert "ticket-summaries" in str(seen["text"]) and "DEMO" in str(seen["text"])
