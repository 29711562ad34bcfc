"""An ended batch's results read on a thread of their own, with the standard library's HTTP client: the lines reach
the event loop a megabyte at a time, split on the thread.

Why: read through httpx's async stack, every 64 KB of a results file costs the event loop a step, a pause and a
resume of the socket's reading, and the h11 parser. Reading 71 MB of results from the emulator took 130 ms of CPU
that way, 69 ms with httpx's sync client, and 9 ms here, where the thread waits for the socket with the GIL released.
The GIL is what a download runs short of (the parser and the writer's binding need it too): a 100k `sync` went from
1.24 to 1.05 s (min of 6 interleaved runs; the raw-insert floor 0.45 s in the same rounds).

Only the plain case is taken here: an http(s) URL with no proxy configured, answered 200 with the body as is, or
gzip- or deflate-encoded. Anything else (a redirect, an error status, a refused connection, another encoding)
comes back as "not taken" before a line is read, and the caller makes the request its usual way, with the SDK's
retries and typed errors. A failure part-way through the body is raised to the caller (a cut stream: the download
resumes on the next try).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import AsyncIterator, Callable
from typing import NamedTuple

READ_SIZE = 1 << 20  # bytes asked of the socket per read
QUEUE_DEPTH = 4  # chunks of lines read ahead of the consumer (memory stays a few MB)
ACCEPT_ENCODING = "gzip, deflate"  # what the SDK's client asks for, and what is decoded here
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS, "identity": None}

# Over TLS, a batch of at least this many results is read on a thread: about 7 MB, of which the thread saves the
# event loop some 12 ms of CPU, and the whole download takes long enough that a handshake's round trips matter little.
THREAD_MIN_RESULTS = 10_000

_END = object()


class Head(NamedTuple):
    """What came back before the body: the status, the request id, and how long that took."""

    status: int
    request_id: str | None
    latency_ms: float


def worth_a_thread(url: str, counts: dict[str, int] | None) -> bool:
    """Whether to read these results on a thread. Its connection is a new one, where httpx reuses the one the list
    and retrieve calls opened: over TLS that is one more handshake (tens of ms on a real network), which a small
    batch's download does not win back. Over plain http it costs nothing."""
    if urllib.parse.urlsplit(url).scheme != "https":
        return True
    total = sum(v for v in (counts or {}).values() if isinstance(v, int))
    return total >= THREAD_MIN_RESULTS


def proxied(url: str) -> bool:
    """Whether a proxy is configured for `url` (httpx, which the SDK uses, would go through it: not taken here)."""
    proxies = urllib.request.getproxies()
    scheme = urllib.parse.urlsplit(url).scheme
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(urllib.parse.urlsplit(url).hostname or "")


class ThreadedResults:
    """One GET of a results URL on a thread: `open()` waits for the answer's head (None: not taken, nothing read);
    then `lines()` yields the body's non-blank lines, without their newlines, a list per read; `close()` stops the
    thread if the lines are not all taken."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float, tls: Callable[[], ssl.SSLContext]) -> None:
        self.url = url
        self._headers = {**headers, "accept-encoding": ACCEPT_ENCODING}
        self._timeout = timeout
        self._tls = tls
        self._loop = asyncio.get_running_loop()
        # The thread hands items over without waiting for the loop (so a busy or blocked loop never holds it up
        # but by its slots): lists of lines take a slot each, given back as they are taken from the queue.
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._slots = threading.Semaphore(QUEUE_DEPTH)
        self._stop = threading.Event()
        self._conn: http.client.HTTPConnection | None = None
        self.thread: threading.Thread | None = None

    async def open(self) -> Head | None:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or parts.username or proxied(self.url):
            return None
        tls = self._tls() if parts.scheme == "https" else None  # made here: the thread only reads
        self.thread = threading.Thread(target=self._run, args=(parts, tls), name="results-reader", daemon=True)
        self.thread.start()
        head = await self._queue.get()
        return head if isinstance(head, Head) else None

    async def lines(self) -> AsyncIterator[list[bytes]]:
        """The lines, a list per read; the read's failure is raised. The caller closes the reader (`close()`)."""
        while (item := await self._queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            self._slots.release()
            yield item  # type: ignore[misc]

    def close(self) -> None:
        """Stop the thread (at once if it waits for a slot or a read: its socket is shut)."""
        self._stop.set()
        self._slots.release()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)

    # -- the thread ---------------------------------------------------------------------------------------------

    def _run(self, parts: urllib.parse.SplitResult, tls: ssl.SSLContext | None) -> None:
        try:
            self._read(parts, tls)
        finally:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def _read(self, parts: urllib.parse.SplitResult, tls: ssl.SSLContext | None) -> None:
        start = time.perf_counter()
        host, port = parts.hostname or "", parts.port
        try:
            if tls is None:
                conn = http.client.HTTPConnection(host, port, timeout=self._timeout)
            else:
                conn = http.client.HTTPSConnection(host, port, timeout=self._timeout, context=tls)
            self._conn = conn
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request("GET", target, headers=self._headers)
            response = conn.getresponse()
        except Exception:  # refused, reset, timed out…: the usual path says so, with the SDK's words and retries
            self._finish(None)
            return
        wbits = _WBITS.get((response.getheader("content-encoding") or "identity").strip().lower(), -1)
        if response.status != 200 or wbits == -1:
            self._finish(None)
            return
        latency = (time.perf_counter() - start) * 1000
        if not self._post(Head(response.status, response.getheader("request-id"), latency)):
            self._finish(None)
            return
        try:
            decoder = zlib.decompressobj(wbits) if wbits is not None else None
            tail = b""
            while not self._stop.is_set():
                raw = response.read1(READ_SIZE)  # b"": the end of the body (http.client closes the connection)
                if decoder is None:
                    data = raw
                else:
                    data = decoder.decompress(raw) if raw else decoder.flush()
                    if not raw and not decoder.eof:
                        raise http.client.IncompleteRead(data)  # the compressed stream stopped short
                if not raw and response.length:  # fewer bytes than Content-Length said (a chunked body raises)
                    raise http.client.IncompleteRead(b"", response.length)
                if data:
                    lines = (tail + data).split(b"\n") if tail else data.split(b"\n")
                    tail = lines.pop()
                    lines = [line for line in lines if line.strip()]
                    if lines and not self._post(lines):
                        return
                if not raw:
                    break
            else:
                return  # stopped by the consumer
            if tail.strip() and not self._post([tail]):
                return
            self._finish(_END)
        except BaseException as exc:
            self._finish(exc)

    def _post(self, item: object) -> bool:
        """Hand `item` to the loop (a list of lines once a slot is free); False when stopped or the loop is gone."""
        if isinstance(item, list):
            while not self._slots.acquire(timeout=0.5):
                if self._stop.is_set():
                    return False
        if self._stop.is_set():
            return False
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is closed
            return False
        return True

    def _finish(self, item: object) -> None:
        """The last item: "not taken" (None), the end, or what stopped the read. The connection is closed first."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        with contextlib.suppress(RuntimeError):  # (a loop closed meanwhile has no one to tell)
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
