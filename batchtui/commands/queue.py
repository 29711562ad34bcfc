"""`queue add|list|flush|clear`: collect requests from files and let them go out as batches when the queue reaches
a size or its oldest request an age (flushed by `sync --watch` or the dashboard, or now by `queue flush`). With
`--engine temporal`, one long-lived workflow per task queue holds the queue instead (commands/queue_temporal.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.commands.input_flags import add_input_flags, defaults_from
from batchtui.commands.output import emit_json, fail_validation, note, table
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.errors import UsageError
from batchtui.core.queue import QueueSettings, QueueStatus, config_settings, parse_duration
from batchtui.core.sanitize import clean

if TYPE_CHECKING:
    from batchtui.core.inputs import ValidationReport

WHO_FLUSHES = "flushed by `batchtui sync --watch` or the dashboard, whichever runs; `batchtui queue flush` sends now"


def _flush_size(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of requests, 1 or more (got {text!r})")
    return int(text)


def _flush_age(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _engine_flags(p: argparse.ArgumentParser) -> None:
    from batchtui.commands.temporal import add_engine_flags

    group = p.add_argument_group("Temporal engine (--engine temporal)")
    group.add_argument(
        "--engine", choices=("local", "temporal"), default="local",
        help="local: the queue lives in this cache; temporal: in a long-lived workflow on `batchtui worker`",
    )  # fmt: skip
    add_engine_flags(group)  # type: ignore[arg-type]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("queue", help="collect requests; they go out as batches by size or age")
    qsub = p.add_subparsers(dest="queue_command", metavar="SUBCOMMAND", required=True)

    add = qsub.add_parser("add", help="validate files and queue all their requests (or none)")
    add.add_argument("files", metavar="FILE", nargs="+", type=Path, help="requests in any input format")
    add.add_argument("--json", action="store_true", help="print what was queued and the queue's state as JSON")
    add.add_argument("--flush-size", type=_flush_size, metavar="N",
                     help="flush once N requests are queued (kept for later runs; default 10,000)")  # fmt: skip
    add.add_argument("--flush-age", type=_flush_age, metavar="DURATION",
                     help="flush once the oldest queued request is this old: 15m, 2h (kept; default 15m)")  # fmt: skip
    add_input_flags(add)
    _engine_flags(add)
    add.add_argument("--spool-dir", type=Path, help="temporal: where workers read the queued requests (shared)")
    add.set_defaults(handler=lambda a: asyncio.run(_dispatch(a, add_files)))

    lst = qsub.add_parser("list", help="what is queued, when it flushes next, and the recent flushes")
    lst.add_argument("--json", action="store_true", help="print the queue's state as JSON")
    _engine_flags(lst)
    lst.set_defaults(handler=lambda a: asyncio.run(_dispatch(a, list_queue)))

    flush = qsub.add_parser("flush", help="send everything queued now, whatever the triggers say")
    flush.add_argument("--json", action="store_true", help='print {"batch_ids": [...], "flushes": [...]}')
    _engine_flags(flush)
    flush.set_defaults(handler=lambda a: asyncio.run(_dispatch(a, flush_now)))

    clear = qsub.add_parser("clear", help="remove queued requests not yet taken by a flush")
    clear.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    clear.add_argument("--json", action="store_true", help='print {"removed": N}')
    _engine_flags(clear)
    clear.set_defaults(handler=lambda a: asyncio.run(_dispatch(a, clear_queue)))


async def _dispatch(args: argparse.Namespace, local: Callable[[argparse.Namespace], Awaitable[int]]) -> int:
    """The local command, or its namesake in queue_temporal.py."""
    if args.engine == "temporal":
        from batchtui.commands import queue_temporal

        return await getattr(queue_temporal, local.__name__)(args)
    return await local(args)


def print_problems(reports: list[ValidationReport]) -> None:
    for report in reports:
        for line in report.error_lines():
            note(line)
        note(f"{report.file}: {fmt.count(report.error_count)} problem(s)")
    note("nothing was queued")
    fail_validation(reports, f"{fmt.count(sum(r.error_count for r in reports))} problem(s); nothing was queued")


def file_json(report: ValidationReport) -> dict[str, object]:
    low, high = report.estimated_cost_usd
    return {
        "file": report.file,
        "format": report.format,
        "request_count": report.request_count,
        "generated_custom_ids": report.generated_ids,
        "estimated_cost_usd": {"low": low, "high": high},
        "warnings": report.warning_lines(),
    }


async def add_files(args: argparse.Namespace) -> int:
    from batchtui.service.queue_add import QueueValidationFailed, add_to_queue
    from batchtui.service.queue_flush import queue_status

    config = config_settings()  # a bad [queue] table is a usage error before anything is added
    async with cli_session(args, online=False) as session:
        try:
            added = await add_to_queue(session, args.files, fmt=args.input_format, defaults=defaults_from(args))
        except QueueValidationFailed as exc:
            print_problems(exc.reports)
            return 2
        if args.flush_size is not None or args.flush_age is not None:
            await session.store.set_queue_settings(flush_size=args.flush_size, flush_age=args.flush_age)
        status = await queue_status(session, config)
    now = datetime.now(UTC)
    for report in added.reports:
        for warning in report.warning_lines():
            note(f"warning: {warning}")
    if args.json:
        emit_json({"add_id": added.add_id, "added": added.added, "files": [file_json(r) for r in added.reports],
                   "queue": status.to_json(now)})  # fmt: skip
    else:
        files = ", ".join(clean(r.file) for r in added.reports)
        note(f"queued {fmt.count(added.added)} request(s) from {files}; {describe_status(status, now)}")
        note(WHO_FLUSHES)
    return 0


def describe_status(status: QueueStatus, now: datetime) -> str:
    """'the queue holds 1,234 requests (oldest 3m 05s); next flush in 11m 55s (age)'."""
    if not status.queued:
        return "nothing is queued" + (f"; {fmt.count(status.taken)} request(s) on their way" if status.taken else "")
    oldest = ""
    if status.oldest_added_at is not None:
        oldest = f" (oldest {fmt.duration((now - status.oldest_added_at).total_seconds())})"
    text = f"the queue holds {fmt.count(status.queued)} request(s){oldest}"
    upcoming = status.next_flush(now)
    if upcoming is not None:
        when, why = upcoming
        seconds = (when - now).total_seconds()
        text += f"; next flush {'now' if seconds < 1 else 'in ' + fmt.duration(seconds)} ({why})"
    return text


def triggers(settings: QueueSettings) -> str:
    return (
        f"{fmt.count(settings.flush_size)} requests or {fmt.duration(settings.flush_age.total_seconds())} "
        f"({settings.source})"
    )


async def list_queue(args: argparse.Namespace) -> int:
    from batchtui.service.queue_flush import queue_status, settle

    config = config_settings()
    async with cli_session(args, online=False) as session:
        await settle(session)
        status = await queue_status(session, config)
    now = datetime.now(UTC)
    if args.json:
        emit_json(status.to_json(now))
        return 0
    print(describe_status(status, now))
    if status.taken:
        print(f"{fmt.count(status.taken)} request(s) taken by flushes still being sent or resolved (`batchtui sync`)")
    print(f"triggers: {triggers(status.settings)}")
    if status.recent and status.recent[0].state == "failed":
        print(f"the last flush failed: {clean(status.recent[0].error or '')}; its requests wait in the queue")
    if status.recent:
        print()
        print(
            table(
                ["FLUSH", "REASON", "STATE", "REQUESTS", "WHEN", "BATCH", "NOTE"],
                [[f"#{f.id}", f.reason, f.state, fmt.count(f.request_count), fmt.ago(f.claimed_at, now),
                  f.batch_id or "", clean(f.error or "")[:80]] for f in status.recent],
                right={3},
            )
        )  # fmt: skip
    return 0


async def flush_now(args: argparse.Namespace) -> int:
    from batchtui.service.queue_flush import flush_queue, queue_status

    config = config_settings()
    async with cli_session(args) as session:
        outcomes = await flush_queue(session, force=True, config=config)
        status = await queue_status(session, config)
    for o in outcomes:
        for line in o.notes:
            note(line)
        note(o.describe())
    batch_ids = [o.batch.id for o in outcomes if o.batch is not None]
    if not outcomes:
        note("nothing is queued")
    if args.json:
        emit_json({"batch_ids": batch_ids, "flushes": [o.to_json() for o in outcomes],
                   "queue": status.to_json(datetime.now(UTC))})  # fmt: skip
    else:
        for batch_id in batch_ids:
            print(batch_id)
    return 0 if all(o.sent for o in outcomes) else 1


def confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError("queue clear asks for confirmation: pass --yes to clear without asking")
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


async def clear_queue(args: argparse.Namespace) -> int:
    from batchtui.service.queue_flush import queue_status

    async with cli_session(args, online=False) as session:
        status = await queue_status(session, None)
        if not args.yes and status.queued and not confirm(f"Remove {fmt.count(status.queued)} queued request(s)?"):
            note("nothing was removed")
            return 1
        removed = await session.store.queue_clear()
    if args.json:
        emit_json({"removed": removed})
    note(f"removed {fmt.count(removed)} queued request(s)" + (" (requests already taken by a flush stay: they "
         "are being sent)" if status.taken else ""))  # fmt: skip
    return 0
