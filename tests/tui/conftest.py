"""Fixtures for the dashboard tests: the real stack (emulator over loopback, aiosqlite store, BatchApi, SyncEngine),
an app factory wired like the launcher, and helpers to create batches in the emulator and let the app settle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.widgets import Input

from batchtui.core.sync import SyncEngine
from batchtui.tui.app import BatchTuiApp
from tests.tui.app_support import emulator_clock


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)


@pytest.fixture
def engine(cache_store, live_api) -> SyncEngine:
    return SyncEngine(cache_store, live_api)


@pytest.fixture
def make_app(cache_store, live_api, engine, batch_emulator) -> Callable[..., BatchTuiApp]:
    """A dashboard on the real stack. Polling is off by default: tests sync with `r` and stay deterministic."""

    def make(**kwargs) -> BatchTuiApp:
        kwargs.setdefault("poll", False)
        kwargs.setdefault("clock", emulator_clock(batch_emulator))
        return BatchTuiApp(store=cache_store, api=live_api, engine=engine, **kwargs)

    return make
