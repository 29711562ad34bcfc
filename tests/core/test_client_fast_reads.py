"""The reads without the SDK (core/client.py, core/sdk_profile.py): the same headers, rows and errors as the SDK's."""

from __future__ import annotations

import subprocess
import sys

import anthropic
import httpx2
import pytest

from batchtui.core import sdk_profile
from batchtui.core.client import BatchApi
from batchtui.core.result_lines import parse_result_line
from batchtui.core.sync import SyncEngine


@pytest.fixture(autouse=True)
def own_cache_dir(tmp_path, monkeypatch):
    # The recorded SDK profile goes to the user's cache dir: a test's own, here.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def requests(n: int) -> list[dict]:
    return [
        {
            "custom_id": f"q-{i:04d}",
            "params": {
                "model": "claude-sonnet-5",
                "max_tokens": 100,
                "messages": [{"role": "user", "content": f"Say {i} \u202e backwards \x1b[2J"}],
            },
        }
        for i in range(n)
    ]


async def test_the_profile_is_the_sdks_own_headers_with_the_key_kept_out_of_the_file(tmp_path):
    seen: list[httpx2.Headers] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers)
        return httpx2.Response(404, json={"type": "error", "error": {"type": "not_found_error", "message": "x"}})

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(capture))
    client = anthropic.AsyncAnthropic(
        api_key="sk-secret", base_url="http://x", max_retries=0, timeout=120.0, http_client=http
    )
    with pytest.raises(anthropic.NotFoundError):
        await client.messages.batches.retrieve("b")
    await client.close()

    recorded = await sdk_profile.record_profile(120.0)
    assert sdk_profile.load_profile(120.0) == recorded
    assert sdk_profile.load_profile(30.0) is None  # another read timeout, another profile
    mine = sdk_profile.with_key(recorded, "sk-secret")
    sdk_headers = {k: v for k, v in seen[0].items() if k not in ("host", "x-stainless-retry-count")}
    assert mine == sdk_headers
    saved = list((tmp_path / "xdg-cache").rglob("sdk-profile-*.json"))
    assert len(saved) == 1 and "sk-secret" not in saved[0].read_text()


async def test_fast_reads_give_what_the_sdk_gives(batch_emulator):
    client = anthropic.AsyncAnthropic(api_key="test", base_url=batch_emulator.base_url)
    ids = [(await client.messages.batches.create(requests=requests(3))).id for _ in range(5)]
    batch_emulator.clock.advance(3600)
    await sdk_profile.record_profile(120.0)  # as an earlier run would have: this one needs no SDK
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    try:
        pages = [page async for page in api.list_pages(2)]  # three pages: paging follows the SDK's after_id
        assert [len(p) for p in pages] == [2, 2, 1]
        listed = [b.model_dump(mode="json") async for b in client.messages.batches.list(limit=2)]
        assert [b for p in pages for b in p] == listed
        got = await api.retrieve(ids[0])
        want = (await client.messages.batches.retrieve(ids[0])).model_dump(mode="json")
        assert got.pop("_request_id").startswith("req_") and got == want  # each call has its own request-id
    finally:
        await api.close()
        await client.close()
    assert api._sdk is None  # not one of those reads needed the SDK


async def test_stored_rows_are_the_parse_of_the_sdks_own_download(batch_emulator, cache_store):
    client = anthropic.AsyncAnthropic(api_key="test", base_url=batch_emulator.base_url)
    batch = await client.messages.batches.create(requests=requests(300))
    batch_emulator.clock.advance(3600)
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url)
    try:
        engine = SyncEngine(cache_store, api)
        await engine.refresh()
        assert await engine.download_results(batch.id) == 300
        stored_batch = await cache_store.get_batch(batch.id)
        # The SDK's own iterator over the same results, each result re-serialised and parsed the same way.
        expected = {}
        async for r in await client.messages.batches.results(batch.id):
            line = r.to_json(indent=None)
            expected[r.custom_id] = parse_result_line(batch.id, line, at=stored_batch.created_at)
        stored = {r.custom_id: r async for r in cache_store.iter_results(batch.id)}
    finally:
        await api.close()
        await client.close()
    assert stored.keys() == expected.keys()
    for custom_id, row in stored.items():
        want = expected[custom_id]
        # Every field but `raw`: the store keeps the API's bytes, the SDK re-serialises them in its own key order.
        assert {**vars(row), "raw": None} == {**vars(want), "raw": None}, custom_id
    assert all(r.text and r.cost_usd for r in stored.values() if r.result_type == "succeeded")


async def test_a_failed_fast_read_is_the_sdks_error_and_retries(batch_emulator):
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url, max_retries=0)
    try:
        with pytest.raises(anthropic.NotFoundError):
            await api.retrieve("msgbatch_nope")
        batch_emulator.faults.inject("server_error", route="list")
        with pytest.raises(anthropic.InternalServerError):  # no retries allowed: the first answer is the error
            [p async for p in api.list_pages()]
    finally:
        await api.close()
    retrying = BatchApi(api_key="test", base_url=batch_emulator.base_url, max_retries=2)
    try:
        batch_emulator.faults.inject("overloaded", route="list", times=2)
        assert [p async for p in retrying.list_pages()] == [[]]  # two failures, then the SDK's last retry
    finally:
        await retrying.close()


def test_a_sync_of_the_cache_never_imports_the_sdk():
    code = (
        "import sys, batchtui.core.sync, batchtui.core.client, batchtui.service.sync, batchtui.service.session\n"
        "print('anthropic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
