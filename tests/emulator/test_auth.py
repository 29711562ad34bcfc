"""Authentication: x-api-key or Authorization: Bearer (SDK 2.x's default), any anthropic-version; neither gives 401."""

from __future__ import annotations

import anthropic
import pytest

from batchtui.emulator import Emulator

from ._support import REQUEST_ID, check_error, make_requests, raw

LIST = "/v1/messages/batches"


def test_x_api_key_alone_is_accepted(batch_emulator: Emulator) -> None:
    response = raw(batch_emulator, "GET", LIST, auth=False, headers={"x-api-key": "sk-anything"})
    assert response.status_code == 200
    assert response.json()["data"] == []
    assert REQUEST_ID.match(response.headers["request-id"])


def test_bearer_alone_is_accepted(batch_emulator: Emulator) -> None:
    response = raw(batch_emulator, "GET", LIST, auth=False, headers={"authorization": "Bearer sk-anything"})
    assert response.status_code == 200


def test_sdk_sends_bearer_and_is_accepted(client: anthropic.Anthropic) -> None:
    response = client.messages.batches.with_raw_response.create(requests=make_requests(1))
    sent = response.http_response.request.headers
    assert sent["authorization"] == "Bearer test"
    assert "x-api-key" not in sent
    assert response.http_response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Basic dXNlcjpwYXNz"}, {"x-api-key": ""}, {"anthropic-version": "2023-06-01"}],
    ids=["none", "basic-auth", "empty-key", "version-only"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", LIST), ("POST", LIST), ("GET", LIST + "/msgbatch_01xxxxxxxxxxxxxxxxxxxxxx/results")],
    ids=["list", "create", "results"],
)
def test_missing_credentials_give_401(batch_emulator: Emulator, headers: dict, method: str, path: str) -> None:
    response = raw(batch_emulator, method, path, auth=False, headers=headers)
    check_error(response, 401, "authentication_error")


@pytest.mark.parametrize("version", ["2023-06-01", "2026-10-21", None])
def test_any_anthropic_version_is_accepted(batch_emulator: Emulator, version: str | None) -> None:
    headers = {"x-api-key": "k"} | ({"anthropic-version": version} if version else {})
    assert raw(batch_emulator, "GET", LIST, auth=False, headers=headers).status_code == 200


def test_sdk_maps_401_to_authentication_error(batch_emulator: Emulator) -> None:
    # An auth_token client sends Bearer too; blank it out so the request carries no credential at all.
    with (
        anthropic.Anthropic(
            api_key="x", base_url=batch_emulator.base_url, default_headers={"Authorization": anthropic.Omit()}
        ) as client,
        pytest.raises(anthropic.AuthenticationError) as info,
    ):
        client.messages.batches.list()
    assert info.value.status_code == 401
    assert REQUEST_ID.match(info.value.request_id or "")
