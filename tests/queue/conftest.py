"""Fixtures for the request queue's tests: a session on a real store and the emulator, a second "process" (another
Store on the same file, with its own lease owner), and the CLI in-process."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from batchtui.core.client import BatchApi
from batchtui.core.store import Store
from batchtui.service.session import Session


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "cache.sqlite3"


@pytest.fixture
def store(cache_store) -> Store:
    return cache_store


@pytest.fixture
def session(cache_store, live_api) -> Session:
    return Session(cache_store, live_api)


@pytest.fixture
async def other_session(tmp_path, batch_emulator) -> AsyncIterator[Session]:
    """Another process on the same cache: its own store connection and lease owner, its own API client."""
    store = await Store.open(tmp_path / "cache.sqlite3")
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    yield Session(store, api)
    await api.close()
    await store.close()


@pytest.fixture
async def offline_session(cache_store) -> AsyncIterator[Session]:
    """The same cache, with the API out of reach: a loopback port nothing listens on (connections refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = BatchApi(api_key="test", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    yield Session(cache_store, api)
    await api.close()
