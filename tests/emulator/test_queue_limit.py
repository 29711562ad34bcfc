"""`--queue-limit N`: a create that would put more than N requests in `processing` across the workspace gets the
API's answer for a full processing queue (429 rate_limit_error, retry-after), and nothing is stored."""

from __future__ import annotations

import signal
from pathlib import Path

import anthropic
import pytest

from batchtui.emulator import Emulator

from ._support import cli_emulator, finish, make_requests


def _listed(client: anthropic.Anthropic) -> list[str]:
    return [b.id for b in client.messages.batches.list(limit=100)]


@pytest.mark.emulator(queue_limit=5, batch_seconds=60)
def test_a_create_past_the_queue_limit_gets_429_and_creates_nothing(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    first = client.messages.batches.create(requests=make_requests(3, prefix="a"))
    with pytest.raises(anthropic.RateLimitError) as info:
        client.with_options(max_retries=0).messages.batches.create(requests=make_requests(3, prefix="b"))
    exc = info.value
    assert exc.status_code == 429 and exc.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    assert exc.body["type"] == "error" and exc.request_id  # type: ignore[index]
    message = exc.body["error"]["message"]  # type: ignore[index]
    assert "processing queue" in message and "5" in message and "3 processing" in message
    # Until the first batch ends (about 60 s from now, ±30 %): a client can wait rather than poll blindly.
    assert 30 <= int(exc.response.headers["retry-after"]) <= 80
    assert _listed(client) == [first.id]  # the refused create stored nothing
    fits = client.messages.batches.create(requests=make_requests(2, prefix="c"))  # 3 + 2 = 5: room left
    assert _listed(client) == [fits.id, first.id]


@pytest.mark.emulator(queue_limit=4, batch_seconds=30)
def test_room_comes_back_as_batches_end_and_a_canceling_batch_still_counts(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    running = client.messages.batches.create(requests=make_requests(4, prefix="a"))
    client.messages.batches.cancel(running.id)  # canceling: its requests are still in the queue
    batch_emulator.clock.advance(1)
    assert client.messages.batches.retrieve(running.id).processing_status == "canceling"
    with pytest.raises(anthropic.RateLimitError):
        client.with_options(max_retries=0).messages.batches.create(requests=make_requests(1, prefix="b"))
    finish(batch_emulator)  # ended: out of the queue
    assert client.messages.batches.retrieve(running.id).processing_status == "ended"
    assert client.messages.batches.create(requests=make_requests(4, prefix="c")).processing_status == "in_progress"


@pytest.mark.emulator(queue_limit=2)
def test_a_batch_larger_than_the_queue_is_refused_even_when_it_is_empty(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.RateLimitError, match="0 processing, 3 in this batch"):
        client.with_options(max_retries=0).messages.batches.create(requests=make_requests(3))
    assert _listed(client) == []


def test_without_a_limit_the_queue_is_unbounded(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    assert batch_emulator.config.queue_limit is None
    for prefix in "abc":
        client.messages.batches.create(requests=make_requests(50, prefix=prefix))
    assert len(_listed(client)) == 3


def test_the_flag_sets_the_limit_of_a_served_emulator(tmp_path: Path) -> None:
    args = ("--state", str(tmp_path / "s.sqlite3"), "--queue-limit", "2", "--batch-seconds", "600")
    with cli_emulator(tmp_path, *args) as emu:
        with anthropic.Anthropic(api_key="test", base_url=emu.base_url, timeout=120, max_retries=0) as client:
            client.messages.batches.create(requests=make_requests(2))
            with pytest.raises(anthropic.RateLimitError, match="processing queue"):
                client.messages.batches.create(requests=make_requests(1, prefix="more"))
        emu.proc.send_signal(signal.SIGTERM)
        assert emu.proc.wait(timeout=60) == 0
