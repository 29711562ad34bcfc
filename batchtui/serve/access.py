"""Who may reach the served dashboard: loopback by default, a token for anything else, and no other site's page.

The dashboard behind the page holds the API key and can submit and cancel batches, so a request that fails these
checks is answered before any app process starts:
- a token, when one is set, comes as `?token=` (then kept in an HttpOnly cookie), a cookie or `Authorization:
  Bearer`; it is compared in constant time; without it: 401;
- on loopback with no token, the Host header must name loopback (a DNS-rebound name gets 403);
- the websocket's Origin, when a browser sends one, must be the page's own, or --public-url's when a reverse proxy
  stands in front (another site's script gets 403).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from batchtui.core.errors import UsageError

TOKEN_ENV = "BATCHTUI_SERVE_TOKEN"
MIN_TOKEN_LENGTH = 16
MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe())'"
LOOPBACK_NAMES = {"localhost", "localhost.", "127.0.0.1", "::1"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve anywhere


def check_binding(host: str, token: str | None) -> None:
    """Refuse, before anything listens, a non-loopback address with no token, and a token too short to hold."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise UsageError(
            f"--token / ${TOKEN_ENV}: a token needs at least {MIN_TOKEN_LENGTH} characters "
            f"(make one with: {MAKE_TOKEN})"
        )
    if token is None and not is_loopback(host):
        raise UsageError(
            f"--host {host}: serving beyond loopback needs a token, or anyone who reaches the port drives your "
            f"batches with your key. Pass --token TOKEN or set ${TOKEN_ENV} (make one with: {MAKE_TOKEN}), "
            "then open the printed URL."
        )


def cookie_name(port: int) -> str:
    # Cookies are not kept apart by port: one per port, so two servers on one host never overwrite each other's.
    return f"batchtui_serve_{port}"


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _host_name(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def access_middleware(
    *, token: str | None, loopback: bool, port: Callable[[], int], origin: str | None = None
) -> Callable[..., Awaitable]:
    """`port` is read per request: with --port 0 it is known only once the server listens. `origin`: the one a
    --public-url's pages send (a reverse proxy's), allowed besides the server's own."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if token is None and loopback and _host_name(request.host) not in LOOPBACK_NAMES:
            raise web.HTTPForbidden(text="batchtui serve: this server answers loopback names only\n")
        sent = request.headers.get("Origin")
        if request.path == "/ws" and sent is not None and sent not in (f"{request.scheme}://{request.host}", origin):
            raise web.HTTPForbidden(text="batchtui serve: another site's page may not open the dashboard\n")
        if token is None:
            return await handler(request)
        name = cookie_name(port())
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or None
        from_query = request.query.get("token")
        if not any(_same(given, token) for given in (from_query, request.cookies.get(name), bearer)):
            raise web.HTTPUnauthorized(
                text="batchtui serve: open the URL with ?token=TOKEN (the one the server was started with)\n"
            )
        if from_query is not None and request.method == "GET" and request.path == "/":
            # Keep the token out of the address bar and history: a cookie carries it from here on (the page's
            # websocket and static files included).
            rest = {key: value for key, value in request.query.items() if key != "token"}
            response = web.HTTPSeeOther(location=str(request.rel_url.with_query(rest)))
            response.set_cookie(name, token, httponly=True, samesite="Strict", path="/")
            raise response
        return await handler(request)

    return guard
