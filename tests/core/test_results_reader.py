"""The threaded results reader (core/results_reader.py) against a real HTTP server on loopback: each way a body can
come (plain, gzip, deflate, chunked), each way it can fail part-way, and each answer it leaves to httpx."""

from __future__ import annotations

import asyncio
import gzip
import http.server
import threading
import time
import zlib
from collections.abc import Iterator

import anthropic
import pytest

from batchtui.core.client import BatchApi
from batchtui.core.results_reader import QUEUE_DEPTH, THREAD_MIN_RESULTS, ThreadedResults, proxied, worth_a_thread

LINES = [
    b'{"custom_id": "r-%05d", "result": {"type": "succeeded", "n": "%s"}}' % (i, b"x" * (i % 300)) for i in range(4000)
]
BODY = b"\n".join(LINES) + b"\n"  # several reads' worth


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.server.seen.append(dict(self.headers))  # type: ignore[attr-defined]
        kind = self.path.strip("/")
        body, headers = BODY, {"request-id": "req_reader"}
        if kind == "gzip":
            body, headers["Content-Encoding"] = gzip.compress(BODY), "gzip"
        elif kind == "deflate":
            body, headers["Content-Encoding"] = zlib.compress(BODY), "deflate"
        elif kind == "gzip-cut":
            body, headers["Content-Encoding"] = gzip.compress(BODY)[:-40], "gzip"
        elif kind == "br":
            headers["Content-Encoding"] = "br"
        elif kind == "error":
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "badchunk":  # a chunk size that is not hex, after a first good chunk
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\nzz\r\n" % (len(body[:5000]), body[:5000]))
            return
        if kind == "chunked":
            self.send_response(200)
            self.send_header("request-id", "req_reader")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 7001):
                part = body[i : i + 7001]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        if kind == "short":  # says more than it sends, then hangs up
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        if kind == "slow":  # a first read, then nothing for a long while
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:1000])
            self.wfile.flush()
            time.sleep(5)
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[http.server.ThreadingHTTPServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None  # a client that hangs up early (the tests' own doing)
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_reader_left_behind() -> Iterator[None]:
    yield
    for thread in readers_left():
        thread.join(3)
    assert readers_left() == []


def url(server, kind: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/{kind}"


async def read_all(reader: ThreadedResults) -> list[bytes]:
    try:
        return [line async for lines in reader.lines() for line in lines]
    finally:
        reader.close()


def no_tls():
    raise AssertionError("no TLS context is needed for http")


def readers_left() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "results-reader"]


@pytest.mark.parametrize("kind", ["plain", "gzip", "deflate", "chunked"])
async def test_every_way_a_body_comes_gives_its_lines(server, kind):
    reader = ThreadedResults(url(server, kind), {"x-api-key": "k"}, 30.0, no_tls)
    head = await reader.open()
    assert head is not None and head.status == 200 and head.request_id == "req_reader"
    assert await read_all(reader) == LINES
    assert server.seen[-1]["x-api-key"] == "k" and server.seen[-1]["accept-encoding"] == "gzip, deflate"
    reader.thread.join(5)
    assert not reader.thread.is_alive()


@pytest.mark.parametrize("kind", ["error", "br"])
async def test_an_error_status_or_an_unknown_encoding_is_left_to_httpx(server, kind):
    reader = ThreadedResults(url(server, kind), {}, 30.0, no_tls)
    assert await reader.open() is None
    reader.thread.join(5)
    assert not reader.thread.is_alive()


async def test_a_refused_connection_is_left_to_httpx():
    reader = ThreadedResults("http://127.0.0.1:9/x", {}, 5.0, no_tls)  # the discard port: nothing listens
    assert await reader.open() is None


async def test_a_configured_proxy_is_left_to_httpx(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxied("http://api.example.com/results")
    reader = ThreadedResults(url(server, "plain"), {}, 30.0, no_tls)
    assert await reader.open() is None
    assert server.seen == []  # not one request made
    monkeypatch.setenv("NO_PROXY", "api.example.com")
    assert not proxied("http://api.example.com/results")


@pytest.mark.parametrize("kind", ["short", "gzip-cut"])
async def test_a_body_cut_short_is_raised_after_the_lines_before_it(server, kind):
    reader = ThreadedResults(url(server, kind), {}, 30.0, no_tls)
    assert await reader.open() is not None
    got: list[bytes] = []
    with pytest.raises(Exception) as caught:
        try:
            async for lines in reader.lines():
                got += lines
        finally:
            reader.close()
    assert type(caught.value).__name__ in ("IncompleteRead", "error")  # http.client's, or zlib's
    assert got == LINES[: len(got)]  # what came before the cut is whole and in order


async def test_a_consumer_that_stops_early_stops_the_thread(server):
    reader = ThreadedResults(url(server, "slow"), {}, 30.0, no_tls)
    assert await reader.open() is not None
    async for _ in reader.lines():
        break  # the thread waits on the socket for the rest
    reader.close()  # shuts the socket: the thread's read ends at once
    reader.thread.join(2)
    assert not reader.thread.is_alive()


async def test_a_consumer_far_behind_holds_a_few_reads_at_most(server):
    reader = ThreadedResults(url(server, "plain"), {}, 30.0, no_tls)
    assert await reader.open() is not None
    await asyncio.sleep(0.3)  # the thread reads ahead while nothing is taken
    assert reader._queue.qsize() <= QUEUE_DEPTH + 1  # lists of lines (and the end)
    assert await read_all(reader) == LINES


@pytest.mark.parametrize("kind", ["short", "badchunk"])
async def test_a_cut_download_through_the_api_is_the_sdks_connection_error(server, monkeypatch, kind):
    calls: list = []
    api = BatchApi(api_key="k", base_url=url(server, "").rstrip("/"), on_call=calls.append)

    async def ended(batch_id: str) -> dict:
        return {"id": batch_id, "processing_status": "ended", "results_url": url(server, kind)}

    monkeypatch.setattr(api, "retrieve", ended)
    monkeypatch.setattr(api, "_fast_results_headers", _headers)
    try:
        with pytest.raises(anthropic.APIConnectionError):
            [line async for line in api.result_lines("msgbatch_x")]
        assert [(c.path, c.status) for c in calls] == [(f"/{kind}", 200)]  # the answer's head, logged
    finally:
        await api.close()


async def _headers() -> dict[str, str]:
    return {"x-api-key": "k", "accept": "application/binary"}


def test_only_a_big_batch_is_read_on_a_thread_over_tls():
    # A thread's connection is a new one: over TLS one more handshake, which a small download does not win back.
    big = {"succeeded": THREAD_MIN_RESULTS - 1, "errored": 1, "processing": 0}
    small = {"succeeded": THREAD_MIN_RESULTS - 1, "errored": 0}
    assert worth_a_thread("https://api.example.com/v1/messages/batches/b/results", big)
    assert not worth_a_thread("https://api.example.com/v1/messages/batches/b/results", small)
    assert not worth_a_thread("https://api.example.com/v1/messages/batches/b/results", None)
    assert worth_a_thread("http://127.0.0.1:8000/v1/messages/batches/b/results", {"succeeded": 3})
