"""`batchtui emulator`: serve the local Message Batches API until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import platformdirs


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "emulator",
        help="serve a local emulator of the Message Batches API",
        description="Serve a local, faithful emulator of the Message Batches API. Point any client at the "
        "printed base URL (ANTHROPIC_BASE_URL) with any API key.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    p.add_argument("--port", type=int, default=8787, help="port (0 picks a free one; default 8787)")
    p.add_argument("--state", type=Path, default=None, help="SQLite state file (default: in the user state dir)")
    p.add_argument("--batch-seconds", type=_non_negative, default=30.0, help="how long a batch takes (default 30)")
    p.add_argument("--error-rate", type=_rate, default=0.0, help="share of requests that end errored (0-1)")
    p.add_argument("--expire-rate", type=_rate, default=0.0, help="share of requests that end expired (0-1)")
    p.add_argument("--fault-rate", type=_rate, default=0.0, help="share of HTTP calls given an injected fault (0-1)")
    p.add_argument("--seed", type=int, default=None, help="make ids, timings, outcomes and faults reproducible")
    p.add_argument(
        "--queue-limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="most requests processing across the workspace; a create past it gets the API's 429 (default: none)",
    )
    p.add_argument("--demo-data", action="store_true", help="fill an empty state with demo batches")
    p.set_defaults(handler=run)


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of requests, at least 1 (got {text!r})")
    return int(text)


def _non_negative(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def run(args: argparse.Namespace) -> int:
    from batchtui.emulator import EmulatorConfig, run_forever  # the server's imports are for this command only

    state = args.state or platformdirs.user_state_path("batchtui") / "emulator.sqlite3"
    config = EmulatorConfig(
        host=args.host,
        port=args.port,
        state_path=state,
        batch_seconds=args.batch_seconds,
        error_rate=args.error_rate,
        expire_rate=args.expire_rate,
        fault_rate=args.fault_rate,
        seed=args.seed,
        queue_limit=args.queue_limit,
    )

    def announce(base_url: str) -> None:
        print(base_url, flush=True)
        print(f"batchtui emulator: state in {state}; Ctrl-C to stop", file=sys.stderr, flush=True)

    try:
        asyncio.run(run_forever(config, seed_demo=args.demo_data, announce=announce))
    except OSError as exc:
        print(f"batchtui emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("batchtui emulator: stopped", file=sys.stderr)
    return 0
