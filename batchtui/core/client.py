"""The one place batchtui talks to the Message Batches API: the official SDK, and a fast path for the reads.

- The reads (list, retrieve, results) go out over the httpx2 client the SDK itself uses, with the headers the
  installed SDK sends (recorded once per SDK version, core/sdk_profile.py), so a `sync` never imports the SDK: that
  import is 1.5 s, more than a whole 100k-result download. Any read that does not succeed at the first try (an
  error status, a connection failure) is made again through the SDK, with its retries, backoff and typed errors:
  what a caller sees of a failure is the SDK's. The SDK is imported then, on a thread.
- create streams its body from the input file and is never retried by the SDK (a lost response followed by a
  retry would create a second, billed batch; unknown outcomes are reconciled instead);
- results are read as raw bytes and split into lines here: the SDK's decoder reads 64-byte chunks and builds a
  pydantic object per line, which is most of the cost of a 100k-result download. They are read on a thread with
  the standard library's HTTP client when that can be done as httpx would (core/results_reader.py); else over
  httpx2 in 64 KiB chunks.
"""

from __future__ import annotations

import asyncio
import functools
import http.client
import importlib
import os
import random
import ssl
import sys
import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx2
import orjson

from batchtui.core import sdk_profile
from batchtui.core.activity import ActivitySink, ApiCall
from batchtui.core.errors import NoApiKey, ResultsInterrupted
from batchtui.core.results_reader import ThreadedResults, worth_a_thread
from batchtui.core.transport import SchemeTransport

if TYPE_CHECKING:
    import anthropic

LIST_PAGE_SIZE = 1000  # the API's maximum
READ_CHUNK = 1 << 16
DEFAULT_BASE_URL = "https://api.anthropic.com"  # the SDK's, when neither the caller nor ANTHROPIC_BASE_URL says
MAX_RETRY_AFTER = 60.0  # the longest a failed fast read waits (as the API asked) before the SDK tries again


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
        self._api_key = api_key
        self._base_url = base_url
        self._max_retries = max_retries
        self._timeout = timeout
        # The SDK's precedence: the argument, then ANTHROPIC_BASE_URL, then its default.
        self._base = (base_url or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        # One connection pool for the fast reads and the SDK (which is handed this client when it is made); its TLS
        # context is made when an https URL is first asked for (core/transport.py).
        limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=100)
        self._http = httpx2.AsyncClient(
            event_hooks={"request": [self._on_request], "response": [self._on_response]},
            timeout=httpx2.Timeout(timeout),
            follow_redirects=True,
            limits=limits,
            transport=SchemeTransport(limits=limits),
        )
        self._sdk: anthropic.AsyncAnthropic | None = None
        self._headers: dict[str, str] | None = None
        self._tls: ssl.SSLContext | None = None

    @property
    def sdk(self) -> anthropic.AsyncAnthropic:
        """The SDK client, made (and the SDK imported) on first use."""
        if self._sdk is None:
            import anthropic

            self._sdk = anthropic.AsyncAnthropic(
                api_key=self._api_key,
                base_url=self._base_url,
                max_retries=self._max_retries,
                timeout=self._timeout,
                http_client=self._http,
            )
        return self._sdk

    async def _ensure_sdk(self) -> anthropic.AsyncAnthropic:
        """The SDK client, its import (over a second) run on a thread so the event loop keeps going."""
        if self._sdk is None:
            await asyncio.to_thread(importlib.import_module, "anthropic")
        return self.sdk

    async def close(self) -> None:
        if self._sdk is not None:
            await self._sdk.close()
        await self._http.aclose()

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
        request = response.request
        start = request.extensions.get("batchtui_start", time.perf_counter())
        latency_ms = (time.perf_counter() - start) * 1000
        self._log_answer(
            request.method, request.url, response.status_code, latency_ms, response.headers.get("request-id")
        )

    def _log_answer(self, method: str, url: httpx2.URL, status: int, latency_ms: float, rid: str | None) -> None:
        """An answer's request id kept, and the call logged (the activity panel): httpx's, or the results thread's."""
        if rid:
            self.last_request_id = rid
        if self._on_call is not None:
            path = url.raw_path.decode("ascii", "replace")
            self._on_call(ApiCall(datetime.now(UTC), method, path, status, latency_ms, rid))

    def _report_failure(self, method: str, path: str, exc: BaseException, start: float) -> None:
        if self._on_call is not None and is_connection_error(exc):
            self._on_call(
                ApiCall(datetime.now(UTC), method, path, None, (time.perf_counter() - start) * 1000, None, str(exc))
            )

    # -- the fast reads ---------------------------------------------------------------------------------------

    async def _fast_results_headers(self) -> dict[str, str]:
        return {**await self._fast_headers(), "accept": "application/binary"}

    def _tls_context(self) -> ssl.SSLContext:
        """The TLS context httpx makes by default (its CA bundle, SSL_CERT_FILE/DIR honoured), made once."""
        if self._tls is None:
            self._tls = httpx2.create_ssl_context()
        return self._tls

    async def _fast_headers(self) -> dict[str, str]:
        if self._headers is None:
            profile = sdk_profile.load_profile(self._timeout)
            if profile is None:  # never recorded for this SDK: import it once (on a thread) and record
                await self._ensure_sdk()
                profile = await sdk_profile.record_profile(self._timeout)
            self._headers = {**sdk_profile.with_key(profile, self._api_key), "x-stainless-retry-count": "0"}
        return self._headers

    async def _fast_send(
        self, url: str, *, params: dict[str, Any] | None = None, accept: str | None = None, stream: bool = False
    ) -> tuple[httpx2.Response | None, anthropic.AsyncAnthropic | None]:
        """The SDK's first attempt at a GET, made without the SDK: (its response, None) if it succeeded. Else the
        SDK's own rules decide: a failure it would not retry (or no retries allowed) is raised as the SDK's typed
        error; one it would retry waits as the SDK would, and (None, an SDK client) makes the remaining attempts."""
        headers = await self._fast_headers()
        if accept is not None:
            headers = {**headers, "accept": accept}
        request = self._http.build_request("GET", url, params=params, headers=headers)
        try:
            response = await self._http.send(request, stream=stream)
        except httpx2.TransportError as exc:
            sdk = await self._ensure_sdk()
            if self._max_retries < 1:
                if isinstance(exc, httpx2.TimeoutException):
                    raise sdk._make_timeout_error(request, exc) from exc
                raise sdk._make_connection_error(request, exc) from exc
            await asyncio.sleep(_backoff(None, sdk))
            return None, sdk.with_options(max_retries=self._max_retries - 1)
        if response.is_success:
            return response, None
        sdk = await self._ensure_sdk()
        if self._max_retries < 1 or not sdk._should_retry(response):
            await response.aread()
            raise sdk._make_status_error_from_response(response)
        await response.aclose()
        await asyncio.sleep(_backoff(response, sdk))
        return None, sdk.with_options(max_retries=self._max_retries - 1)

    async def _fast_json(
        self, path: str, params: dict[str, Any] | None = None
    ) -> tuple[Any, str | None, anthropic.AsyncAnthropic | None]:
        """(JSON body, request-id, None) of a successful GET; else (None, None, the SDK to make the retries)."""
        response, sdk = await self._fast_send(f"{self._base}{path}", params=params)
        if response is None:
            return None, None, sdk
        return orjson.loads(response.content), response.headers.get("request-id"), None

    # -- endpoints ------------------------------------------------------------------------------------------

    async def list_pages(self, page_size: int = LIST_PAGE_SIZE) -> AsyncIterator[list[dict[str, Any]]]:
        """Every batch of the workspace, newest first, one page at a time. Stop iterating to stop paging."""
        params: dict[str, Any] = {"limit": page_size}
        while True:
            start = time.perf_counter()
            try:
                page, _, sdk = await self._fast_json("/v1/messages/batches", params)
                if sdk is not None:
                    listed = await sdk.messages.batches.list(**params)
                    page = {"data": [_dump(b) for b in listed.data], "has_more": listed.has_more}
                    page["last_id"] = listed.last_id
            except Exception as exc:
                self._report_failure("GET", "/v1/messages/batches", exc, start)
                raise
            data, last_id = page["data"], page.get("last_id")
            yield data
            # The SDK's rule (pagination.py): stop when has_more is false, the page is empty or has no last_id.
            if page.get("has_more") is False or not data or not last_id:
                return
            params = {"limit": page_size, "after_id": last_id}

    async def retrieve(self, batch_id: str) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            data, rid, sdk = await self._fast_json(f"/v1/messages/batches/{batch_id}")
            if sdk is not None:
                return _dump(await sdk.messages.batches.retrieve(batch_id))
        except Exception as exc:
            self._report_failure("GET", f"/v1/messages/batches/{batch_id}", exc, start)
            raise
        if rid:
            data["_request_id"] = rid
        return data

    async def cancel(self, batch_id: str) -> dict[str, Any]:
        sdk = await self._ensure_sdk()
        return _dump(await self._call("POST", batch_id, lambda: sdk.messages.batches.cancel(batch_id)))

    async def delete(self, batch_id: str) -> None:
        sdk = await self._ensure_sdk()
        await self._call("DELETE", batch_id, lambda: sdk.messages.batches.delete(batch_id))

    async def _call(self, method: str, batch_id: str, call: Callable[[], Awaitable[Any]]) -> Any:
        start = time.perf_counter()
        try:
            return await call()
        except Exception as exc:
            self._report_failure(method, f"/v1/messages/batches/{batch_id}", exc, start)
            raise

    async def create(self, body: AsyncIterable[bytes], body_bytes: int) -> dict[str, Any]:
        """POST a create whose JSON body is streamed. Never retried: see the module docstring."""
        from anthropic.types.messages import MessageBatch

        sdk = await self._ensure_sdk()
        start = time.perf_counter()
        try:
            batch = await sdk.post(
                "/v1/messages/batches",
                cast_to=MessageBatch,
                content=body,
                options={
                    "headers": {"content-type": "application/json", "content-length": str(body_bytes)},
                    "max_retries": 0,
                },
            )
        except Exception as exc:
            self._report_failure("POST", "/v1/messages/batches", exc, start)
            raise
        return _dump(batch)

    async def result_lines(self, batch_id: str) -> AsyncIterator[bytes]:
        """The results JSONL of an ended batch, one line (without its newline) at a time."""
        async for lines in self.result_chunks(batch_id):
            for line in lines:
                yield line

    async def result_chunks(self, batch_id: str) -> AsyncIterator[list[bytes]]:
        """The results JSONL of an ended batch, the lines (without their newlines; blank ones left out) as they
        arrive: a list per read of the stream, so a 100k-line download is a thousand steps of the event loop, not
        a hundred thousand."""
        batch = await self.retrieve(batch_id)
        url = batch.get("results_url")
        if not url:
            import anthropic

            raise anthropic.AnthropicError(
                f"No results_url for batch {batch_id}; has it finished processing? {batch.get('processing_status')}"
            )
        threaded = head = None
        if worth_a_thread(url, batch.get("request_counts")):
            threaded = ThreadedResults(url, await self._fast_results_headers(), self._timeout, self._tls_context)
            head = await threaded.open()
        if threaded is not None and head is not None:  # read on a thread (results_reader.py); else the usual way
            self._log_answer("GET", httpx2.URL(url), head.status, head.latency_ms, head.request_id)
            try:
                async for lines in threaded.lines():
                    yield lines
            except (OSError, http.client.HTTPException, zlib.error) as exc:
                request = httpx2.Request("GET", url)
                raise results_stream_cut()(message=f"{type(exc).__name__}: {exc}", request=request) from exc
            finally:
                threaded.close()
            return
        start = time.perf_counter()
        try:
            response, sdk = await self._fast_send(url, accept="application/binary", stream=True)
            if sdk is not None:
                response = await sdk.get(
                    url, cast_to=httpx2.Response, options={"headers": {"Accept": "application/binary"}}, stream=True
                )
        except Exception as exc:
            self._report_failure("GET", f"/v1/messages/batches/{batch_id}/results", exc, start)
            raise
        assert response is not None
        try:
            tail = b""
            async for chunk in response.aiter_bytes(READ_CHUNK):
                lines = (tail + chunk).split(b"\n") if tail else chunk.split(b"\n")
                tail = lines.pop()
                lines = [line for line in lines if line.strip()]
                if lines:
                    yield lines
            if tail.strip():
                yield [tail]
        except httpx2.HTTPError as exc:
            # A stream cut off part-way: surface it as the SDK's connection error, like every other call.
            raise results_stream_cut()(message=f"{type(exc).__name__}: {exc}", request=response.request) from exc
        finally:
            await response.aclose()  # the SDK's decoders leave it open on errors (anthropic-sdk-python#1928)


@functools.cache
def results_stream_cut() -> type[Exception]:
    """The error of a results stream that ended early: the API was reachable, the body was cut (transient; a retry
    resumes). An SDK connection error, made when first needed so that importing this module imports no SDK."""
    import anthropic

    class ResultsStreamCut(anthropic.APIConnectionError, ResultsInterrupted):
        pass

    return ResultsStreamCut


def is_connection_error(exc: BaseException) -> bool:
    """An SDK connection error (if the SDK is not loaded, no exception can be one)."""
    sdk = sys.modules.get("anthropic")
    return sdk is not None and isinstance(exc, sdk.APIConnectionError)


def _backoff(response: httpx2.Response | None, sdk: anthropic.AsyncAnthropic) -> float:
    """The SDK's wait before its first retry: what the API asked (retry-after-ms, retry-after), else 0.5 s less
    up to a quarter of jitter."""
    asked = sdk._parse_retry_after_header(response.headers if response is not None else None)
    if asked is not None and asked > 0:
        return min(asked, MAX_RETRY_AFTER)
    return 0.5 * (1 - 0.25 * random.random())


def _dump(batch: Any) -> dict[str, Any]:
    data = batch.model_dump(mode="json")
    rid = getattr(batch, "_request_id", None)
    if rid:
        data["_request_id"] = rid
    return data
