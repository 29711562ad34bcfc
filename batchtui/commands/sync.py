"""`sync`: reconcile interrupted submissions, refresh metadata, download results of ended batches."""

from __future__ import annotations

import argparse
import asyncio

from batchtui.commands.hooks import add_hook_flags, describe_outcome, hook_settings_of, outcome_json
from batchtui.commands.output import Progress, emit_json, emit_json_line, note
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.events import (
    BatchEnded,
    HookDelivered,
    HookFailed,
    QueueFlushed,
    ResultsComplete,
    ResultsFailed,
    ResultsProgress,
    SubmissionResolved,
    SyncEvent,
    SyncFailed,
)
from batchtui.core.queue import config_settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="refresh batches and download results of ended ones")
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="*", help="download results of these only")
    p.add_argument("--watch", action="store_true", help="keep polling (adaptive backoff) until Ctrl-C")
    p.add_argument("--json", action="store_true", help="print a JSON summary (with --watch: one event per line)")
    add_hook_flags(p)
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


async def run(args: argparse.Namespace) -> int:
    from batchtui.service.sync import sync_once, watch

    hooks = hook_settings_of(args)  # a bad flag or config is a usage error before anything runs
    queue_config = config_settings() if args.watch else None
    async with cli_session(args) as session:
        runner = None
        if hooks.any:  # the hooks' runner (and the export formats it delivers in) is loaded only when one is set
            from batchtui.service.hooks import HookRunner

            runner = HookRunner(session, hooks)
        if runner is not None:
            await runner.arm()  # before the sync: the ends it sees fire the hooks
        if args.watch:
            session.events_to(lambda e: _watch_event(e, args.json))
            note("watching; Ctrl-C to stop")
            stop = asyncio.Event()
            hook_task = asyncio.create_task(runner.run(stop)) if runner else None  # never blocks the poll loop
            try:
                await watch(session, queue=queue_config)  # with the request queue's triggers
            except asyncio.CancelledError:
                pass
            finally:
                stop.set()
                if hook_task is not None:
                    await asyncio.wait_for(hook_task, 60)
            return 0
        progress = Progress("results")
        session.events_to(lambda e: _show_progress(e, progress))
        report = await sync_once(session, args.batch_ids)
        progress.done()
        delivered = await runner.run_due() if runner is not None else []
    for r in report.reconciled:
        note(r.describe())
    if args.json:
        emit_json({**report.to_json(), **({"hooks": [outcome_json(o) for o in delivered]} if runner else {})})
    else:
        note(f"{fmt.count(report.batches)} batches, {len(report.changed)} changed")
        for batch_id, rows in report.downloaded.items():
            note(f"{batch_id}: {fmt.count(rows)} results stored")
        for batch_id, message in report.errors.items():
            note(f"{batch_id}: results not downloaded: {message}")
        for o in delivered:
            note(f"hook {describe_outcome(o)}")
    return 1 if report.errors else 0


def _show_progress(event: SyncEvent, progress: Progress) -> None:
    if isinstance(event, ResultsProgress):
        progress.label = f"results {event.batch_id[-8:]}"
        progress.update(event.rows, event.total)


def _watch_event(event: SyncEvent, as_json: bool) -> None:
    if as_json:
        record = {"event": type(event).__name__, **dict(event.__dict__.items())}
        emit_json_line(record)
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
    elif isinstance(event, HookDelivered):
        note(f"{event.batch_id}: hook done: {event.target}")
    elif isinstance(event, QueueFlushed):
        what = f"queue flush #{event.flush_id} ({event.reason}): {fmt.count(event.request_count)} request(s)"
        note(f"{what} sent as {event.batch_id}" if event.batch_id else f"{what}: {event.error}")
    elif isinstance(event, HookFailed):
        later = f"; trying again in {fmt.duration(event.retry_in)}" if event.retry_in is not None else "; gave up"
        note(f"{event.batch_id}: hook failed: {event.target}: {event.message}{later}")
