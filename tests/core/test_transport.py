"""The API client's transport: plain-HTTP requests make no TLS context (no CA bundle read); https requests get
httpx2's own, verifying one; the context beside plain HTTP could verify no peer; closing closes what was made."""

from __future__ import annotations

import ssl

import httpx2

from batchtui.core.transport import SchemeTransport


def _context(transport: httpx2.AsyncHTTPTransport) -> ssl.SSLContext:
    return transport._pool._ssl_context  # type: ignore[attr-defined]


async def test_plain_http_reads_make_no_tls_context(live_api) -> None:
    pages = [page async for page in live_api.list_pages()]
    assert pages and live_api.calls
    transport = live_api._http._transport
    assert isinstance(transport, SchemeTransport)
    assert transport._plain is not None and transport._tls is None


def test_https_gets_a_verifying_context_with_the_ca_bundle() -> None:
    transport = SchemeTransport()
    context = _context(transport._for("https"))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
    assert transport._for("https") is transport._for("https") and transport._plain is None


def test_the_plain_transports_context_verifies_and_trusts_no_one() -> None:
    context = _context(SchemeTransport()._for("http"))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0


async def test_closing_closes_each_transport_made() -> None:
    transport = SchemeTransport()
    plain, tls = transport._for("http"), transport._for("https")
    closed: list[object] = []
    for made in (plain, tls):
        made.aclose = lambda made=made: _record(closed, made)  # type: ignore[method-assign]
    await transport.aclose()
    assert closed == [plain, tls]


async def _record(closed: list[object], transport: object) -> None:
    closed.append(transport)
