"""`retry BATCH_ID`: send an ended batch's failed requests again as a linked child batch; `label BATCH_ID TEXT`."""

from __future__ import annotations

import argparse
import asyncio

from batchtui.commands.output import Progress, emit_json, note
from batchtui.commands.session import cli_session, settings_of
from batchtui.core import fmt


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("retry", help="send the failed requests of an ended batch again, as a new linked batch")
    p.add_argument("batch_id", metavar="BATCH_ID")
    p.add_argument(
        "--types",
        metavar="T[,T...]",
        help="result types to send again: errored, expired, canceled (default: errored,expired)",
    )
    p.add_argument(
        "--include-invalid",
        action="store_true",
        help="also send errored requests refused as invalid_request_error (they usually fail the same way)",
    )
    p.add_argument("--label", help="label of the new batch (default: the parent's, with ' (retry)')")
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send nothing")
    p.add_argument("--wait", action="store_true", help="wait until the new batch ends, then download its results")
    p.add_argument("--json", action="store_true", help='print {"batch_ids": [...], "parent_batch_id", ...} as JSON')
    p.set_defaults(handler=lambda a: asyncio.run(run_retry(a)))

    p = sub.add_parser("label", help="name a batch (shown instead of its id); an empty TEXT removes the label")
    p.add_argument("batch_id", metavar="BATCH_ID")
    p.add_argument("text", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print the batch object")
    p.set_defaults(handler=lambda a: asyncio.run(run_label(a)))


async def run_retry(args: argparse.Namespace) -> int:
    from batchtui.service.actions import wait
    from batchtui.service.labels import normalize_label
    from batchtui.service.retry import parse_types, retry

    types = parse_types(args.types)
    label = normalize_label(args.label)
    progress = Progress("submit", unit="bytes")
    async with cli_session(args) as session:
        try:
            outcome = await retry(
                session,
                args.batch_id,
                types,
                include_invalid=args.include_invalid,
                label=label,
                dry_run=args.dry_run,
                on_progress=lambda phase, done, total: progress.update(done, total) if phase == "upload" else None,
            )
        finally:
            progress.done()
        plan, submitted = outcome.plan, outcome.submitted
        batch = submitted.batch if submitted else None
        if batch is not None and args.wait:
            note(f"waiting for {batch.id} to end (Ctrl-C stops waiting; the batch keeps running)")
            batch = await wait(session, batch.id)
    skipped = (
        f"; {fmt.count(plan.skipped_invalid)} invalid_request_error left out (--include-invalid sends them)"
        if plan.skipped_invalid
        else ""
    )
    if not plan.chosen:
        note(f"nothing to retry in {args.batch_id} of types {', '.join(types)}{skipped}")
    elif batch is None:
        note(f"would send {fmt.count(len(plan.chosen))} requests again ({_kinds(plan.by_type)}){skipped}; nothing sent")
    else:
        note(f"sent {fmt.count(len(plan.chosen))} requests again ({_kinds(plan.by_type)}) as {batch.id}{skipped}")
    if args.json:
        emit_json(
            {
                "batch_ids": [batch.id] if batch else [],
                "parent_batch_id": args.batch_id,
                "request_count": len(plan.chosen),
                "retried": plan.by_type,
                "skipped_invalid": plan.skipped_invalid,
                "dry_run": args.dry_run,
                "submission_id": submitted.submission.id if submitted and submitted.submission else None,
                "batch": batch.to_json() if batch else None,
            }
        )
    elif batch is not None:
        print(batch.id)
    return 0


def _kinds(by_type: dict[str, int]) -> str:
    return ", ".join(f"{fmt.count(n)} {kind}" for kind, n in sorted(by_type.items()))


async def run_label(args: argparse.Namespace) -> int:
    from batchtui.service.labels import set_label

    online = settings_of(args).api_key is not None  # a cached batch can be labelled with no key and no network
    async with cli_session(args, online=online) as session:
        batch = await set_label(session, args.batch_id, args.text)
    if args.json:
        emit_json(batch.to_json())
    else:
        note(f"{batch.id}: " + (f"labelled {batch.label!r}" if batch.label else "label removed"))
    return 0
