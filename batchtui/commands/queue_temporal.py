"""`queue add|list|flush|clear --engine temporal`: the queue lives in one long-lived workflow per task queue
(`batchtui-queue-<queue>`), which `batchtui worker` runs; these commands signal it and query it."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from batchtui.commands.input_flags import defaults_from
from batchtui.commands.output import emit_json, note, table
from batchtui.commands.queue import WHO_FLUSHES, file_json, print_problems
from batchtui.commands.session import settings_of
from batchtui.commands.temporal import _address, _need_temporal
from batchtui.core import fmt
from batchtui.core.queue import config_settings
from batchtui.core.sanitize import clean


def _options(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from batchtui.temporal.submit import EngineOptions

    return EngineOptions(
        address=_address(args),
        namespace=args.namespace,
        task_queue=args.task_queue,
        spool_dir=getattr(args, "spool_dir", None),
    )


def state_json(state: Any) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "workflow_id": state.workflow_id,
        "queued": state.queued,
        "queued_bytes": state.queued_bytes,
        "oldest_added_at": when(state.oldest_added_at),
        "settings": {"flush_size": state.flush_size, "flush_age_seconds": state.flush_age_seconds},
        "next_flush_at": when(state.next_flush_at),
        "next_flush_reason": state.next_flush_reason,
        "flushing": state.flushing,
        "flushes": [
            {"flush_id": f.number, "reason": f.reason, "request_count": f.request_count,
             "workflow_ids": list(f.workflow_ids), "at": when(f.at), "error": f.error}
            for f in state.flushes
        ],
    }  # fmt: skip


async def add_files(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.service.queue_add import QueueValidationFailed
    from batchtui.temporal.queue_client import add_to_queue_workflow

    try:
        done = await add_to_queue_workflow(
            settings_of(args), args.files, _options(args), fmt=args.input_format, defaults=defaults_from(args),
            flush_size=args.flush_size, flush_age=args.flush_age, config=config_settings(),
        )  # fmt: skip
    except QueueValidationFailed as exc:
        print_problems(exc.reports)
        return 2
    for report in done.reports:
        for warning in report.warning_lines():
            note(f"warning: {warning}")
    if args.json:
        emit_json({"add_id": done.add.add_id, "added": done.added, "workflow_id": done.handle.id,
                   "files": [file_json(r) for r in done.reports]})  # fmt: skip
    else:
        note(f"queued {fmt.count(done.added)} request(s) in workflow {done.handle.id}")
        note(WHO_FLUSHES.replace("`batchtui sync --watch` or the dashboard, whichever runs", "the workflow"))
    return 0


async def list_queue(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.temporal.queue_client import queue_workflow_state

    state = await queue_workflow_state(_options(args))
    if args.json:
        emit_json(state_json(state))
        return 0
    now = datetime.now(UTC)
    oldest = f" (oldest {fmt.ago(state.oldest_added_at, now)})" if state.oldest_added_at else ""
    print(f"{state.workflow_id}: {fmt.count(state.queued)} request(s) queued{oldest}")
    if state.next_flush_at is not None:
        print(f"next flush {fmt.until(state.next_flush_at, now)} ({state.next_flush_reason})")
    print(f"triggers: {fmt.count(state.flush_size)} requests or {fmt.duration(state.flush_age_seconds)}")
    if state.flushes:
        print()
        print(table(["FLUSH", "REASON", "REQUESTS", "WHEN", "WORKFLOWS"],
                    [[f"#{f.number}", f.reason, fmt.count(f.request_count), fmt.ago(f.at, now),
                      clean(f.error or ", ".join(f.workflow_ids))] for f in state.flushes], right={2}))  # fmt: skip
    return 0


async def flush_now(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.temporal.queue_client import signal_queue_workflow

    workflow_id = await signal_queue_workflow(_options(args), "flush")
    if args.json:
        emit_json({"workflow_id": workflow_id, "flush_requested": True})
    note(f"flush requested: {workflow_id} starts a submission workflow per batch (`batchtui workflows` lists them)")
    return 0


async def clear_queue(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.commands.queue import confirm
    from batchtui.temporal.queue_client import signal_queue_workflow

    if not args.yes and not confirm("Remove every request queued in the workflow?"):
        note("nothing was removed")
        return 1
    workflow_id = await signal_queue_workflow(_options(args), "clear")
    if args.json:
        emit_json({"workflow_id": workflow_id, "clear_requested": True})
    note(f"clear requested: {workflow_id} drops what no flush took yet")
    return 0
