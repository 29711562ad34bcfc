"""Fixtures for the service tests: a session on a real store and the emulator, another tool in the same
workspace, and an API that cannot be reached."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import anthropic
import pytest

from batchtui.core.client import BatchApi
from batchtui.service.session import Session


@pytest.fixture
def session(cache_store, live_api) -> Session:
    return Session(cache_store, live_api)


@pytest.fixture
def other_tool(batch_emulator) -> Iterator[anthropic.Anthropic]:
    """Someone else's script in the same workspace."""
    with anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url) as client:
        yield client


@pytest.fixture
def closed_port() -> str:
    """A loopback URL nothing listens on: connections are refused, nothing can be sent."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
async def offline_session(cache_store, closed_port) -> AsyncIterator[Session]:
    """The same cache, with the API out of reach."""
    api = BatchApi(api_key="test", base_url=closed_port, max_retries=0)
    yield Session(cache_store, api)
    await api.close()
