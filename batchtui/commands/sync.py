"""`sync`: reconcile interrupted submissions, refresh metadata, download results of ended batches."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from batchtui.commands.context import open_context
from batchtui.commands.output import Progress, emit_json, note
from batchtui.core import fmt
from batchtui.core.events import (
    BatchEnded,
    ResultsComplete,
    ResultsFailed,
    ResultsProgress,
    SyncEvent,
    SyncFailed,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="refresh batches and download results of ended ones")
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="*", help="download results of these only")
    p.add_argument("--watch", action="store_true", help="keep polling (adaptive backoff) until Ctrl-C")
    p.add_argument("--json", action="store_true", help="print a JSON summary (with --watch: one event per line)")
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    from batchtui.core.submit import reconcile  # imports the SDK: only when the command runs

    async with open_context(args) as ctx:
        reconciled = await reconcile(ctx.store, ctx.api)
        for r in reconciled:
            note(f"submission {r.submission_id}: {r.state}" + (f" as {r.batch_id}" if r.batch_id else ""))
        if args.watch:
            return await _watch(ctx, args)
        progress = Progress("results")
        engine = ctx.sync(on_event=lambda e: _show_progress(e, progress))
        changed = await engine.refresh(full=True)
        if args.batch_ids:
            for batch_id in args.batch_ids:
                if await ctx.store.get_batch(batch_id) is None:
                    await engine.refresh_one(batch_id)
        outcome = await engine.download_pending(args.batch_ids or None)
        progress.done()
        batches = await ctx.store.list_batches()
    downloaded = {k: v for k, v in outcome.items() if isinstance(v, int)}
    errors = {k: v for k, v in outcome.items() if isinstance(v, str)}
    if args.json:
        emit_json(
            {
                "batches": len(batches),
                "changed": changed,
                "downloaded": downloaded,
                "errors": errors,
                "reconciled": [r.__dict__ for r in reconciled],
            }
        )
    else:
        note(f"{fmt.count(len(batches))} batches, {len(changed)} changed")
        for batch_id, rows in downloaded.items():
            note(f"{batch_id}: {fmt.count(rows)} results stored")
        for batch_id, message in errors.items():
            note(f"{batch_id}: results not downloaded: {message}")
    return 1 if errors else 0


def _show_progress(event: SyncEvent, progress: Progress) -> None:
    if isinstance(event, ResultsProgress):
        progress.label = f"results {event.batch_id[-8:]}"
        progress.update(event.rows, event.total)


async def _watch(ctx, args: argparse.Namespace) -> int:
    def on_event(event: SyncEvent) -> None:
        if args.json:
            record = {"event": type(event).__name__, **{k: v for k, v in event.__dict__.items()}}
            sys.stdout.write(json.dumps(record, default=str) + "\n")
            sys.stdout.flush()
        elif isinstance(event, BatchEnded):
            note(f"{event.batch_id} ended")
        elif isinstance(event, ResultsComplete):
            note(f"{event.batch_id}: {fmt.count(event.rows)} results stored")
        elif isinstance(event, ResultsFailed):
            note(f"{event.batch_id}: results not downloaded: {event.message}")
        elif isinstance(event, SyncFailed):
            note(f"sync failed: {event.message}; retrying in {fmt.duration(event.retry_in)}")

    engine = ctx.sync(on_event=on_event)
    note("watching; Ctrl-C to stop")
    try:
        await engine.run()
    except asyncio.CancelledError:
        pass
    return 0
