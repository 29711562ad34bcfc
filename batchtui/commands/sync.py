"""`sync`: reconcile interrupted submissions, refresh metadata, download results of ended batches."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from batchtui.commands.output import Progress, emit_json, note
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.events import (
    BatchEnded,
    ResultsComplete,
    ResultsFailed,
    ResultsProgress,
    SubmissionResolved,
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
    from batchtui.service.sync import sync_once, watch

    async with cli_session(args) as session:
        if args.watch:
            session.events_to(lambda e: _watch_event(e, args.json))
            note("watching; Ctrl-C to stop")
            try:
                await watch(session)
            except asyncio.CancelledError:
                pass
            return 0
        progress = Progress("results")
        session.events_to(lambda e: _show_progress(e, progress))
        report = await sync_once(session, args.batch_ids)
        progress.done()
    for r in report.reconciled:
        note(r.describe())
    if args.json:
        emit_json(report.to_json())
    else:
        note(f"{fmt.count(report.batches)} batches, {len(report.changed)} changed")
        for batch_id, rows in report.downloaded.items():
            note(f"{batch_id}: {fmt.count(rows)} results stored")
        for batch_id, message in report.errors.items():
            note(f"{batch_id}: results not downloaded: {message}")
    return 1 if report.errors else 0


def _show_progress(event: SyncEvent, progress: Progress) -> None:
    if isinstance(event, ResultsProgress):
        progress.label = f"results {event.batch_id[-8:]}"
        progress.update(event.rows, event.total)


def _watch_event(event: SyncEvent, as_json: bool) -> None:
    if as_json:
        record = {"event": type(event).__name__, **dict(event.__dict__.items())}
        sys.stdout.write(json.dumps(record, default=str) + "\n")
        sys.stdout.flush()
    elif isinstance(event, BatchEnded):
        note(f"{event.batch_id} ended")
    elif isinstance(event, ResultsComplete):
        note(f"{event.batch_id}: {fmt.count(event.rows)} results stored")
    elif isinstance(event, ResultsFailed):
        note(f"{event.batch_id}: results not downloaded: {event.message}")
    elif isinstance(event, SubmissionResolved):
        on = f" as {event.batch_id}" if event.batch_id else ""
        note(f"submission {event.submission_id}: {event.state}{on} ({event.message})")
    elif isinstance(event, SyncFailed):
        note(f"sync failed: {event.message}; retrying in {fmt.duration(event.retry_in)}")
