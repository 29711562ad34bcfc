"""Injected faults as the official SDK experiences them: retries, exceptions, cut streams and lost creates."""

from __future__ import annotations

from collections import Counter

import anthropic
import httpx2
import pytest

from batchtui.emulator import Emulator

from ._support import finish, make_requests
from .conftest import SentRequests

pytestmark = pytest.mark.emulator(batch_seconds=60)  # long enough to be seen in_progress

RETRIED = [
    ("rate_limit", 429, anthropic.RateLimitError, "rate_limit_error"),
    ("server_error", 500, anthropic.InternalServerError, "api_error"),
    ("overloaded", 529, anthropic.OverloadedError, "overloaded_error"),
]


@pytest.mark.parametrize(("kind", "status", "exc", "error_type"), RETRIED, ids=[k[0] for k in RETRIED])
def test_sdk_retries_transient_faults_and_succeeds(
    batch_emulator: Emulator, counted_client: tuple[anthropic.Anthropic, SentRequests], kind, status, exc, error_type
) -> None:
    client, sent = counted_client
    batch = client.messages.batches.create(requests=make_requests(1))
    batch_emulator.faults.inject(kind, route="retrieve")
    sent.log.clear()
    response = client.messages.batches.with_raw_response.retrieve(batch.id)
    assert response.parse().id == batch.id
    assert batch_emulator.faults.injected == [("retrieve", kind)]
    assert response.retries_taken == 1
    assert response.http_response.request.headers["x-stainless-retry-count"] == "1"
    assert [retry for _, _, retry in sent.log] == ["0", "1"]


@pytest.mark.parametrize(("kind", "status", "exc", "error_type"), RETRIED, ids=[k[0] for k in RETRIED])
def test_without_retries_the_sdk_raises(batch_emulator: Emulator, kind, status, exc, error_type) -> None:
    batch_emulator.faults.inject(kind, route="list")
    with (
        anthropic.Anthropic(api_key="t", base_url=batch_emulator.base_url, max_retries=0) as client,
        pytest.raises(exc) as info,
    ):
        client.messages.batches.list()
    err = info.value
    assert type(err) is exc and err.status_code == status
    assert err.body["type"] == "error" and err.body["error"]["type"] == error_type
    assert err.request_id and err.body["request_id"] == err.request_id
    if kind == "rate_limit":
        assert float(err.response.headers["retry-after"]) >= 1
        assert int(err.response.headers["retry-after-ms"]) == batch_emulator.config.retry_after_ms


def test_faults_outlasting_the_retries_surface(batch_emulator: Emulator, counted_client) -> None:
    client, sent = counted_client
    batch_emulator.faults.inject("rate_limit", times=3)
    with pytest.raises(anthropic.RateLimitError):
        client.messages.batches.list()
    assert len(sent) == 3 and batch_emulator.faults.injected == [("list", "rate_limit")] * 3
    assert client.messages.batches.list().data == []  # the fault is used up


def test_route_filter_and_times(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch_emulator.faults.inject("rate_limit", route="cancel", times=2)
    batch = client.messages.batches.create(requests=make_requests(1))
    client.messages.batches.retrieve(batch.id)
    assert batch_emulator.faults.injected == []  # other routes untouched
    assert client.messages.batches.cancel(batch.id).processing_status == "canceling"
    assert batch_emulator.faults.injected == [("cancel", "rate_limit")] * 2


def test_faulted_create_is_not_stored(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    """A 429/5xx on create is answered before the batch is stored: the SDK's retry creates exactly one."""
    batch_emulator.faults.inject("overloaded", route="create")
    batch = client.messages.batches.create(requests=make_requests(1))
    assert [b.id for b in client.messages.batches.list()] == [batch.id]


def test_unknown_fault_kind_is_refused(batch_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        batch_emulator.faults.inject("teapot")


# -- cut results stream --------------------------------------------------------------------------------------


def test_cut_stream_raises_mid_iteration(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    n = 1500
    batch = client.messages.batches.create(requests=make_requests(n))
    finish(batch_emulator)
    batch_emulator.faults.inject("cut_stream")
    got: list[str] = []
    with pytest.raises((httpx2.TransportError, anthropic.APIConnectionError)):
        for r in client.messages.batches.results(batch.id):
            got.append(r.custom_id)
    assert 0 < len(got) < n
    assert batch_emulator.faults.injected == [("results", "cut_stream")]
    # Downloading again gets everything, each custom_id once.
    again = [r.custom_id for r in client.messages.batches.results(batch.id)]
    assert len(again) == len(set(again)) == n


async def test_cut_stream_async(batch_emulator: Emulator, aclient: anthropic.AsyncAnthropic) -> None:
    n = 5000  # several chunks: the cut may land in any of them
    batch = await aclient.messages.batches.create(requests=make_requests(n))
    finish(batch_emulator)
    batch_emulator.faults.inject("cut_stream")
    got = 0
    with pytest.raises((httpx2.TransportError, anthropic.APIConnectionError)):
        async for _ in await aclient.messages.batches.results(batch.id):
            got += 1
    assert 0 < got < n


def test_cut_stream_never_hits_other_routes(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch_emulator.faults.inject("cut_stream")
    batch = client.messages.batches.create(requests=make_requests(3))
    client.messages.batches.list()
    client.messages.batches.retrieve(batch.id)
    assert batch_emulator.faults.injected == []


# -- lost create ---------------------------------------------------------------------------------------------


def test_lost_create_with_retries_makes_a_duplicate(batch_emulator: Emulator, counted_client) -> None:
    """The SDK sends no idempotency key: a create whose response is lost is retried and stored twice."""
    client, sent = counted_client
    batch_emulator.faults.inject("lost_create")
    returned = client.messages.batches.create(requests=make_requests(4))
    assert batch_emulator.faults.injected == [("create", "lost_create")]
    assert [retry for method, _, retry in sent.log if method == "POST"] == ["0", "1"]
    listed = list(client.messages.batches.list())
    assert len(listed) == 2  # the naive client now has TWO batches on the server
    assert returned.id == listed[0].id  # it only knows about the second
    assert all(b.request_counts.processing == 4 for b in listed)


def test_lost_create_without_retries_raises_but_the_batch_exists(batch_emulator: Emulator) -> None:
    batch_emulator.faults.inject("lost_create")
    with anthropic.Anthropic(api_key="t", base_url=batch_emulator.base_url, max_retries=0) as client:
        with pytest.raises(anthropic.APIConnectionError):
            client.messages.batches.create(requests=make_requests(4))
        listed = client.messages.batches.list().data
    assert len(listed) == 1 and listed[0].request_counts.processing == 4


# -- random faults -------------------------------------------------------------------------------------------


@pytest.mark.emulator(fault_rate=0.3, seed=5)
def test_random_fault_rate(batch_emulator: Emulator) -> None:
    with httpx2.Client(base_url=batch_emulator.base_url, headers={"x-api-key": "k"}, timeout=60) as http:
        statuses = Counter(http.get("/v1/messages/batches").status_code for _ in range(200))
    injected = batch_emulator.faults.injected
    assert 30 < len(injected) < 90
    assert {kind for _, kind in injected} == {"rate_limit", "server_error", "overloaded"}  # list: no stream faults
    status_of = {"rate_limit": 429, "server_error": 500, "overloaded": 529}
    expected = Counter(status_of[kind] for _, kind in injected)
    expected[200] = 200 - len(injected)
    assert statuses == expected
