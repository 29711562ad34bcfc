"""Fixtures for the emulator tests: official SDK clients (sync and async) bound to the `batch_emulator` fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anthropic
import pytest

from batchtui.emulator import Emulator


@pytest.fixture
def client(batch_emulator: Emulator) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url, timeout=120) as c:
        yield c


@pytest.fixture
async def aclient(batch_emulator: Emulator) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(api_key="test", base_url=batch_emulator.base_url, timeout=120) as c:
        yield c


class SentRequests:
    """Counts the HTTP requests an SDK client actually sends (retries included), via an httpx event hook."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str, str | None]] = []  # (method, path, x-stainless-retry-count)

    def __call__(self, request) -> None:
        self.log.append((request.method, request.url.path, request.headers.get("x-stainless-retry-count")))

    def __len__(self) -> int:
        return len(self.log)


@pytest.fixture
def counted_client(batch_emulator: Emulator) -> Iterator[tuple[anthropic.Anthropic, SentRequests]]:
    sent = SentRequests()
    http = anthropic.DefaultHttpxClient(event_hooks={"request": [sent]})
    with anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url, timeout=120, http_client=http) as c:
        yield c, sent
