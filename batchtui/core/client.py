"""The one place batchtui talks to the Message Batches API, through the official SDK.

Two paths avoid the SDK's conveniences on purpose:
- create streams its body from the input file and is never retried by the SDK (a lost response followed by a
  retry would create a second, billed batch; unknown outcomes are reconciled instead);
- results are read as raw bytes in 64 KiB chunks and split into lines here: the SDK's decoder reads 64-byte
  chunks and builds a pydantic object per line, which is most of the cost of a 100k-result download.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime
from typing import Any

import anthropic
import httpx2
from anthropic.types.messages import MessageBatch

from batchtui.core.activity import ActivitySink, ApiCall
from batchtui.core.errors import NoApiKey, ResultsInterrupted

LIST_PAGE_SIZE = 1000  # the API's maximum
READ_CHUNK = 1 << 16


class BatchApi:
    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None = None,
        on_call: ActivitySink | None = None,
        max_retries: int = 2,
        timeout: float = 120.0,
    ) -> None:
        if not api_key:
            raise NoApiKey()
        self._on_call = on_call
        self.last_request_id: str | None = None
        http = anthropic.DefaultAsyncHttpxClient(
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
        )
        self.sdk = anthropic.AsyncAnthropic(
            api_key=api_key, base_url=base_url, max_retries=max_retries, timeout=timeout, http_client=http
        )

    async def close(self) -> None:
        await self.sdk.close()

    async def __aenter__(self) -> BatchApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- activity log ---------------------------------------------------------------------------------------

    def set_call_sink(self, sink: ActivitySink | None) -> None:
        """Report every call to `sink` from now on (the dashboard plugs its activity panel in after start-up)."""
        self._on_call = sink

    async def _on_request(self, request: httpx2.Request) -> None:
        request.extensions["batchtui_start"] = time.perf_counter()

    async def _on_response(self, response: httpx2.Response) -> None:
        rid = response.headers.get("request-id")
        if rid:
            self.last_request_id = rid
        if self._on_call is None:
            return
        request = response.request
        start = request.extensions.get("batchtui_start", time.perf_counter())
        self._on_call(
            ApiCall(
                at=datetime.now(UTC),
                method=request.method,
                path=request.url.raw_path.decode("ascii", "replace"),
                status=response.status_code,
                latency_ms=(time.perf_counter() - start) * 1000,
                request_id=rid,
            )
        )

    def _report_failure(self, method: str, path: str, exc: BaseException, start: float) -> None:
        if self._on_call is not None and isinstance(exc, anthropic.APIConnectionError):
            self._on_call(
                ApiCall(datetime.now(UTC), method, path, None, (time.perf_counter() - start) * 1000, None, str(exc))
            )

    # -- endpoints ------------------------------------------------------------------------------------------

    async def list_pages(self, page_size: int = LIST_PAGE_SIZE) -> AsyncIterator[list[dict[str, Any]]]:
        """Every batch of the workspace, newest first, one page at a time. Stop iterating to stop paging."""
        start = time.perf_counter()
        try:
            page = await self.sdk.messages.batches.list(limit=page_size)
            while True:
                yield [_dump(b) for b in page.data]
                if not page.has_next_page():
                    return
                page = await page.get_next_page()
        except anthropic.APIConnectionError as exc:
            self._report_failure("GET", "/v1/messages/batches", exc, start)
            raise

    async def retrieve(self, batch_id: str) -> dict[str, Any]:
        return _dump(await self._call("GET", batch_id, self.sdk.messages.batches.retrieve(batch_id)))

    async def cancel(self, batch_id: str) -> dict[str, Any]:
        return _dump(await self._call("POST", batch_id, self.sdk.messages.batches.cancel(batch_id)))

    async def delete(self, batch_id: str) -> None:
        await self._call("DELETE", batch_id, self.sdk.messages.batches.delete(batch_id))

    async def _call(self, method: str, batch_id: str, coro: Any) -> Any:
        start = time.perf_counter()
        try:
            return await coro
        except anthropic.APIConnectionError as exc:
            self._report_failure(method, f"/v1/messages/batches/{batch_id}", exc, start)
            raise

    async def create(self, body: AsyncIterable[bytes], body_bytes: int) -> dict[str, Any]:
        """POST a create whose JSON body is streamed. Never retried: see the module docstring."""
        start = time.perf_counter()
        try:
            batch = await self.sdk.post(
                "/v1/messages/batches",
                cast_to=MessageBatch,
                content=body,
                options={
                    "headers": {"content-type": "application/json", "content-length": str(body_bytes)},
                    "max_retries": 0,
                },
            )
        except anthropic.APIConnectionError as exc:
            self._report_failure("POST", "/v1/messages/batches", exc, start)
            raise
        return _dump(batch)

    async def result_lines(self, batch_id: str) -> AsyncIterator[bytes]:
        """The results JSONL of an ended batch, one line (without its newline) at a time."""
        batch = await self.retrieve(batch_id)
        url = batch.get("results_url")
        if not url:
            raise anthropic.AnthropicError(
                f"No results_url for batch {batch_id}; has it finished processing? {batch.get('processing_status')}"
            )
        start = time.perf_counter()
        try:
            response = await self.sdk.get(
                url, cast_to=httpx2.Response, options={"headers": {"Accept": "application/binary"}}, stream=True
            )
        except anthropic.APIConnectionError as exc:
            self._report_failure("GET", f"/v1/messages/batches/{batch_id}/results", exc, start)
            raise
        try:
            tail = b""
            async for chunk in response.aiter_bytes(READ_CHUNK):
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                for line in lines:
                    if line.strip():
                        yield line
            if tail.strip():
                yield tail
        except httpx2.HTTPError as exc:
            # A stream cut off part-way: surface it as the SDK's connection error, like every other call.
            raise ResultsStreamCut(message=f"{type(exc).__name__}: {exc}", request=response.request) from exc
        finally:
            await response.aclose()  # the SDK's decoders leave it open on errors (anthropic-sdk-python#1928)


class ResultsStreamCut(anthropic.APIConnectionError, ResultsInterrupted):
    """The results stream ended early: the API was reachable, the body was cut (transient; a retry resumes)."""


def _dump(batch: Any) -> dict[str, Any]:
    data = batch.model_dump(mode="json")
    rid = getattr(batch, "_request_id", None)
    if rid:
        data["_request_id"] = rid
    return data
