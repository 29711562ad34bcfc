"""The web server: textual-serve's Server with batchtui's access checks, its own page, one `AppProcess` per tab,
and a shutdown that ends every app process it started."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from batchtui.serve.access import access_middleware, is_loopback
from batchtui.serve.process import AppProcess

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "batchtui"  # fixed: nothing from the command line, the cache or the API reaches the page's markup


class DashboardServer(Server):
    def __init__(
        self,
        argv: list[str],
        *,
        host: str,
        port: int,
        token: str | None,
        max_tabs: int,
        public_url: str | None,
    ) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title=TITLE, templates_path=TEMPLATES)
        self.argv = argv
        self.token = token
        self.max_tabs = max_tabs
        self.public_url = public_url  # "https://host/prefix/": what browsers use, behind a reverse proxy
        self.apps: set[AppProcess] = set()

    async def _make_app(self) -> web.Application:
        loopback, origin = is_loopback(self.host), public_origin(self.public_url)
        guard = access_middleware(token=self.token, loopback=loopback, port=lambda: self.port, origin=origin)
        app = web.Application(middlewares=[guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        return app

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        # URLs from the request's own host, not the bind address: a page opened as http://box:8000 must not point
        # its socket at 0.0.0.0. (The access check has already vetted the Host header.)
        # Behind a reverse proxy, from --public-url: its scheme (wss for https) and its path prefix.
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            base = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}"
            static, websocket = f"{parts.path}static/", f"{base}ws"
        else:
            scheme = "wss" if request.secure else "ws"
            static, websocket = "/static/", f"{scheme}://{request.host}/ws"
        return {
            "title": TITLE,
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "static_url": static,
            "websocket_url": websocket,
        }

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if len(self.apps) >= self.max_tabs:  # each tab is a process holding the key: a bound, not a leak
            logging.getLogger("batchtui.serve").warning(
                "refused a tab: %d dashboards are open (--max-tabs %d); close one", len(self.apps), self.max_tabs
            )
            raise web.HTTPServiceUnavailable(
                text=f"batchtui serve: {len(self.apps)} dashboards are open, the most it runs (--max-tabs "
                f"{self.max_tabs}); close a tab and reload\n"
            )
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        app = AppProcess(
            self.argv,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.apps.add(app)
        try:
            await app.start(to_int(request.query.get("width", "80"), 80), to_int(request.query.get("height", "24"), 24))
            await self._process_messages(websocket, app)  # until the tab closes or the app exits
        except Exception:
            logging.getLogger("batchtui.serve").exception("a dashboard session failed")
        finally:
            await app.stop()  # a closed tab ends its process
            self.apps.discard(app)
            await websocket.close()
        return websocket

    async def stop_apps(self) -> None:
        await asyncio.gather(*(app.stop() for app in list(self.apps)), return_exceptions=True)

    async def run(self, announce=print) -> None:
        """Serve until SIGINT or SIGTERM, then end every app process, then close the sockets."""
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
            self.port = runner.addresses[0][1]  # the real one when --port 0
            host = f"[{self.host}]" if ":" in self.host else self.host
            announce(f"http://{host}:{self.port}/")
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await self.stop_apps()
            await runner.cleanup()


def public_origin(public_url: str | None) -> str | None:
    """`https://host` of a --public-url: the Origin its pages send."""
    if public_url is None:
        return None
    parts = urlsplit(public_url)
    return f"{parts.scheme}://{parts.netloc}"


def serve_dashboard(
    argv: list[str],
    *,
    host: str,
    port: int,
    token: str | None,
    max_tabs: int,
    public_url: str | None,
) -> int:
    server = DashboardServer(argv, host=host, port=port, token=token, max_tabs=max_tabs, public_url=public_url)
    logging.basicConfig(level=logging.WARNING, format="batchtui serve: %(message)s", stream=sys.stderr)

    def announce(url: str) -> None:
        print(url, flush=True)
        # stdout carries the URL alone (scripts read it); textual-serve prints a failed app's stderr to stdout:
        # from here on that goes to stderr, with the server's own messages.
        sys.stdout = sys.stderr
        with_token = " (add ?token=TOKEN the first time)" if token else ""
        where = f" (browsers use {public_url})" if public_url else ""
        print(
            f"batchtui serve: the dashboard is at {url}{where}{with_token}; Ctrl-C to stop", file=sys.stderr, flush=True
        )

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(server.run(announce))
    print("batchtui serve: stopped; every dashboard process it started has ended", file=sys.stderr, flush=True)
    return 0
