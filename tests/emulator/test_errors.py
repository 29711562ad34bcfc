"""Every error path: shapes, status codes the SDK does not retry, and create-time validation messages."""

from __future__ import annotations

import socket

import anthropic
import pytest

from batchtui.emulator import Emulator, EmulatorConfig

from ._support import REQUEST_ID, check_error, finish, make_request, make_requests, raw

pytestmark = pytest.mark.emulator(batch_seconds=60)  # long enough to be seen in_progress
UNKNOWN = "msgbatch_01NoSuchBatchXXXXXXXXXXXX"
BATCHES = "/v1/messages/batches"


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", "/cancel"), ("DELETE", ""), ("GET", "/results")])
def test_unknown_id_is_404_not_found_error(batch_emulator: Emulator, method: str, suffix: str) -> None:
    message = check_error(raw(batch_emulator, method, f"{BATCHES}/{UNKNOWN}{suffix}"), 404, "not_found_error")
    assert UNKNOWN in message


def test_sdk_maps_unknown_id_to_not_found(counted_client) -> None:
    client, sent = counted_client
    with pytest.raises(anthropic.NotFoundError) as info:
        client.messages.batches.retrieve(UNKNOWN)
    err = info.value
    assert err.status_code == 404 and err.type == "not_found_error"
    assert REQUEST_ID.match(err.request_id or "")
    assert err.body["type"] == "error" and err.body["request_id"] == err.request_id
    assert len(sent) == 1  # not retried


def test_cancel_of_ended_batch_is_400_and_not_retried(batch_emulator: Emulator, counted_client) -> None:
    client, sent = counted_client
    batch = client.messages.batches.create(requests=make_requests(2))
    finish(batch_emulator)
    before = len(sent)
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.batches.cancel(batch.id)
    assert info.value.status_code == 400 and info.value.type == "invalid_request_error"
    assert len(sent) == before + 1
    assert "ended" in check_error(
        raw(batch_emulator, "POST", f"{BATCHES}/{batch.id}/cancel"), 400, "invalid_request_error"
    )
    assert client.messages.batches.retrieve(batch.id).cancel_initiated_at is None


def test_delete_in_progress_or_canceling_is_400(batch_emulator: Emulator, counted_client) -> None:
    client, sent = counted_client
    batch = client.messages.batches.create(requests=make_requests(2))
    start = len(sent)
    with pytest.raises(anthropic.BadRequestError, match="in_progress"):
        client.messages.batches.delete(batch.id)
    client.messages.batches.cancel(batch.id)
    with pytest.raises(anthropic.BadRequestError, match="canceling"):
        client.messages.batches.delete(batch.id)
    assert len(sent) == start + 3  # delete, cancel, delete: no retries
    assert client.messages.batches.retrieve(batch.id).processing_status == "canceling"


def test_results_before_the_end(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    batch = client.messages.batches.create(requests=make_requests(2))
    # The SDK refuses client-side: no results_url yet.
    with pytest.raises(anthropic.AnthropicError, match="results_url") as info:
        client.messages.batches.results(batch.id)
    assert not isinstance(info.value, anthropic.APIStatusError)
    # A raw GET gets a 400 (never 409/5xx, which the SDK would retry).
    message = check_error(raw(batch_emulator, "GET", f"{BATCHES}/{batch.id}/results"), 400, "invalid_request_error")
    assert "in_progress" in message
    client.messages.batches.cancel(batch.id)
    message = check_error(raw(batch_emulator, "GET", f"{BATCHES}/{batch.id}/results"), 400, "invalid_request_error")
    assert "canceling" in message


# -- create validation ---------------------------------------------------------------------------------------


def _create_error(client: anthropic.Anthropic, requests: list[dict]) -> str:
    with pytest.raises(anthropic.BadRequestError) as info:
        client.messages.batches.create(requests=requests)
    assert info.value.status_code == 400 and info.value.type == "invalid_request_error"
    return info.value.body["error"]["message"]


def test_zero_requests(client: anthropic.Anthropic) -> None:
    assert _create_error(client, []).startswith("requests: List should have at least 1 item")


def test_100001_requests(client: anthropic.Anthropic) -> None:
    tiny = [{"custom_id": f"r{i}", "params": {}} for i in range(100_001)]
    message = _create_error(client, tiny)
    assert message == "requests: List should have at most 100000 items after validation, not 100001"


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "ümlaut", "dot.ted", ""])
def test_custom_id_pattern(client: anthropic.Anthropic, bad: str) -> None:
    message = _create_error(client, [make_request("ok-1"), make_request(bad)])
    assert message == "requests.1.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'"


def test_custom_id_length(client: anthropic.Anthropic) -> None:
    assert _create_error(client, [make_request("a" * 64), make_request("b" * 65)]) == (
        "requests.1.custom_id: String should have at most 64 characters"
    )


def test_duplicate_custom_id_names_both_indexes(client: anthropic.Anthropic) -> None:
    message = _create_error(client, [make_request("x"), make_request("y"), make_request("x")])
    assert message.startswith("requests.2.custom_id: ")
    assert "requests.0" in message and "'x'" in message


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"params": make_request("a")["params"]}, "requests.0.custom_id: Field required"),
        ({"custom_id": "a"}, "requests.0.params: Field required"),
        ({"custom_id": 7, "params": {}}, "requests.0.custom_id: Input should be a valid string"),
        ({"custom_id": "a", "params": "nope"}, "requests.0.params: Input should be a valid dictionary"),
    ],
)
def test_missing_or_mistyped_fields(client: anthropic.Anthropic, item: dict, expected: str) -> None:
    assert _create_error(client, [item]) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{}", "requests: Field required"),
        (b'{"requests": {}}', "requests: Input should be a valid list"),
        (b"[]", "Input should be a valid dictionary"),
        (b'{"requests": [', "The request body is not valid JSON"),
        (b'{"requests": ["x"]}', "requests.0: Input should be a valid dictionary"),
    ],
)
def test_malformed_envelopes(batch_emulator: Emulator, body: bytes, expected: str) -> None:
    response = raw(batch_emulator, "POST", BATCHES, content=body, headers={"content-type": "application/json"})
    assert check_error(response, 400, "invalid_request_error").startswith(expected)


def test_failed_creates_store_nothing(client: anthropic.Anthropic) -> None:
    _create_error(client, [make_request("x"), make_request("x")])
    _create_error(client, [])
    assert client.messages.batches.list().data == []


# -- body size -----------------------------------------------------------------------------------------------

LIMIT = 4096


def _body_of_size(size: int) -> bytes:
    """A valid one-request create body padded with JSON whitespace to exactly `size` bytes."""
    core = b'{"requests":[{"custom_id":"a","params":{"model":"claude-haiku-4-5","max_tokens":5,"messages":[]}}]'
    return core + b" " * (size - len(core) - 1) + b"}"


@pytest.mark.emulator(max_body_bytes=LIMIT)
def test_body_over_the_limit_is_413(batch_emulator: Emulator, counted_client) -> None:
    client, sent = counted_client
    with pytest.raises(anthropic.ContentTooLargeError) as info:
        client.messages.batches.create(requests=make_requests(60))
    assert info.value.status_code == 413
    assert info.value.body["error"]["type"] == "request_too_large"
    assert REQUEST_ID.match(info.value.request_id or "")
    assert len(sent) == 1  # 413 is not retried
    assert client.messages.batches.list().data == []


@pytest.mark.emulator(max_body_bytes=LIMIT)
def test_body_limit_boundary_is_exact(batch_emulator: Emulator) -> None:
    headers = {"content-type": "application/json"}
    assert raw(batch_emulator, "POST", BATCHES, content=_body_of_size(LIMIT), headers=headers).status_code == 200
    over = raw(batch_emulator, "POST", BATCHES, content=_body_of_size(LIMIT + 1), headers=headers)
    assert over.status_code == 413 and over.json()["error"]["type"] == "request_too_large"
    assert REQUEST_ID.match(over.headers["request-id"])


@pytest.mark.emulator(max_body_bytes=LIMIT)
def test_chunked_body_without_content_length_is_413(batch_emulator: Emulator) -> None:
    body = _body_of_size(LIMIT * 3)
    chunks = (body[i : i + 1000] for i in range(0, len(body), 1000))  # a generator: sent chunked, no length
    response = raw(batch_emulator, "POST", BATCHES, content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "request_too_large"


def test_default_limit_is_256_mib(batch_emulator: Emulator) -> None:
    assert EmulatorConfig().max_body_bytes == batch_emulator.config.max_body_bytes == 256 * 1024 * 1024
    # Announce a body one byte over 256 MiB without sending it: the emulator must refuse from the headers alone.
    host, port = batch_emulator.base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(
            b"POST /v1/messages/batches HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % (256 * 1024 * 1024 + 1)
        )
        status_line = sock.makefile("rb").readline()
    assert status_line.split()[1] == b"413"


# -- routing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("GET", "/"), ("PUT", BATCHES), ("PATCH", f"{BATCHES}/{UNKNOWN}"), ("GET", "/v1/messages")],
)
def test_unknown_route_is_404_json(batch_emulator: Emulator, method: str, path: str) -> None:
    assert path in check_error(raw(batch_emulator, method, path), 404, "not_found_error")
