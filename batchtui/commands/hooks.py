"""Completion hooks on the command line: the flags `sync` and `submit --wait` share, and `batchtui hooks`, which
lists every delivery with its state, tries and last error."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.commands.output import emit_json, note, table
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.hook_settings import HookSettings, resolve_hooks
from batchtui.core.sanitize import clean

if TYPE_CHECKING:
    from batchtui.service.hooks import HookOutcome


def add_hook_flags(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    p.add_argument(
        "--notify-webhook",
        metavar="URL",
        help="when a batch ends, POST a JSON summary here (default: [hooks] notify_webhook in config.toml)",
    )
    p.add_argument(
        "--on-complete",
        metavar="CMD",
        help="when a batch ends, run CMD with BATCHTUI_BATCH_ID and BATCHTUI_RESULTS_FILE set "
        "(default: [hooks] on_complete in config.toml)",
    )
    p.add_argument(
        "--results-dir", type=Path, help="where hooks find each batch's results JSONL (default: <data dir>/results)"
    )


def hook_settings_of(args: argparse.Namespace) -> HookSettings:
    return resolve_hooks(
        webhook=getattr(args, "notify_webhook", None),
        on_complete=getattr(args, "on_complete", None),
        results_dir=getattr(args, "results_dir", None),
    )


def describe_outcome(o: HookOutcome) -> str:
    if o.ok:
        return f"{o.batch_id}: {o.target}: done"
    later = f"; trying again in {fmt.duration(o.retry_in)}" if o.retry_in is not None else "; gave up"
    return f"{o.batch_id}: {o.target}: failed: {o.error}{later}"


def outcome_json(o: HookOutcome) -> dict:
    return {"batch_id": o.batch_id, "hook": o.target, "ok": o.ok, "error": o.error, "retry_in": o.retry_in}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hooks", help="completion hook deliveries: state, tries and last error")
    p.add_argument("batch_id", metavar="BATCH_ID", nargs="?", help="only this batch's")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=lambda a: asyncio.run(list_deliveries(a)))


async def list_deliveries(args: argparse.Namespace) -> int:
    async with cli_session(args, online=False) as session:
        rows = await session.store.deliveries(args.batch_id)
    if args.json:
        emit_json(
            [
                {"batch_id": d.batch_id, "hook": d.target, "state": d.state, "attempts": d.attempts,
                 "last_error": d.last_error, "next_at": d.next_at.isoformat() if d.next_at else None,
                 "done_at": d.done_at.isoformat() if d.done_at else None}
                for d in rows
            ]
        )  # fmt: skip
        return 0
    if not rows:
        note("no hook deliveries yet (hooks fire for batches that end after they are set up)")
        return 0
    print(
        table(
            ["BATCH", "HOOK", "STATE", "TRIES", "NEXT TRY", "LAST ERROR"],
            [[clean(d.batch_id), clean(d.target)[:60], d.state, str(d.attempts),
              fmt.until(d.next_at) if d.state == "pending" and d.next_at else "", clean(d.last_error or "")[:80]]
             for d in rows],
        )
    )  # fmt: skip
    return 0
