"""The API client's HTTP transport: httpx2's own, made per URL scheme on first use, so that the TLS context (reading
the CA bundle: ~20 ms of every start) is made only once an https URL is asked for. A client that talks plain HTTP
only (the embedded emulator, a local gateway) never needs one."""

from __future__ import annotations

import ssl
from typing import Any

import httpx2


class SchemeTransport(httpx2.AsyncBaseTransport):
    """`httpx2.AsyncHTTPTransport(**options)` for https (and any other scheme), made on its first request; for http,
    one whose TLS context is never used (an http request opens no TLS: a proxy's own mount comes before this
    transport) and, made with no CA, could verify no peer if it were."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._plain: httpx2.AsyncHTTPTransport | None = None
        self._tls: httpx2.AsyncHTTPTransport | None = None

    def _for(self, scheme: str) -> httpx2.AsyncHTTPTransport:
        if scheme == "http":
            if self._plain is None:
                no_ca = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies hostnames and certificates: none pass
                self._plain = httpx2.AsyncHTTPTransport(verify=no_ca, **self._options)
            return self._plain
        if self._tls is None:
            self._tls = httpx2.AsyncHTTPTransport(**self._options)
        return self._tls

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        return await self._for(request.url.scheme).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in (self._plain, self._tls):
            if transport is not None:
                await transport.aclose()
