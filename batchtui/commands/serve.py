"""`batchtui serve`: the dashboard in a browser, one app process per tab, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys

from batchtui.core.errors import UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the dashboard to a web browser",
        description="Serve the dashboard to a web browser (textual-serve): every screen and key of the terminal "
        "app, one app process per tab. Loopback only unless a token is given; the API key stays on this machine.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=_port, default=8000, help="port (0 picks a free one; default 8000)")
    # SUPPRESS: absent here, `batchtui --demo serve` keeps the main parser's --demo.
    p.add_argument("--demo", action="store_true", default=argparse.SUPPRESS, help="serve the built-in demo (no key)")
    p.add_argument(
        "--token",
        default=None,
        help="required to bind beyond loopback; open the page once with ?token=TOKEN (default: $BATCHTUI_SERVE_TOKEN)",
    )
    p.add_argument(
        "--max-tabs", type=_tabs, default=DEFAULT_MAX_TABS,
        help=f"dashboards open at once, one process each (default {DEFAULT_MAX_TABS}); one more tab is refused",
    )  # fmt: skip
    p.add_argument(
        "--public-url",
        type=_public_url,
        help="the address browsers use when a reverse proxy (TLS) stands in front, e.g. https://batches.example.com/:"
        " the page's socket and scripts are addressed from it, and its origin is the one allowed",
    )
    p.set_defaults(handler=run)


DEFAULT_MAX_TABS = 10


def _tabs(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of tabs, 1 or more (got {text!r})")
    return int(text)


def _public_url(text: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"must be an http(s) URL such as https://batches.example.com/ (got {text!r})")
    return text.rstrip("/") + "/"


def _port(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number, 0 to 65535 (got {text!r})")
    return int(text)


def app_argv(args: argparse.Namespace) -> list[str]:
    """The dashboard each tab runs: this interpreter, this batchtui, the same cache and API flags."""
    argv = [sys.executable, "-m", "batchtui"]
    if args.db is not None:
        argv += ["--db", str(args.db)]
    if args.base_url is not None:
        argv += ["--base-url", args.base_url]
    if args.demo:
        argv.append("--demo")
        seconds = getattr(args, "demo_batch_seconds", None)  # `--batch-seconds`, where the CLI has it
        if seconds is not None:
            argv += ["--batch-seconds", str(seconds)]
    return argv


def run(args: argparse.Namespace) -> int:
    from batchtui.serve.access import TOKEN_ENV, check_binding

    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    check_binding(args.host, token)
    try:
        from batchtui.serve.server import serve_dashboard
    except ImportError as exc:
        raise UsageError(
            f"batchtui serve needs textual-serve ({exc.name} is missing): pip install 'batchtui[serve]'"
        ) from exc
    try:
        return serve_dashboard(
            app_argv(args), host=args.host, port=args.port, token=token, max_tabs=args.max_tabs,
            public_url=args.public_url,
        )  # fmt: skip
    except OSError as exc:
        print(f"batchtui serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
