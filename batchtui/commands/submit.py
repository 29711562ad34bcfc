"""`submit FILE`: validate, record, then create a batch. `--wait` follows it to the end and downloads results."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from batchtui.commands.context import open_context
from batchtui.commands.output import Progress, emit_json, note
from batchtui.core import fmt
from batchtui.core.events import ResultsProgress
from batchtui.core.inputs import ValidationReport
from batchtui.core.sanitize import clean
from batchtui.core.schedule import PollSchedule


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("submit", help="validate a requests file and create a batch from it")
    p.add_argument("file", metavar="FILE", type=Path, help='JSONL: one {"custom_id", "params"} object per line')
    p.add_argument("--label", help="a name for the batch (kept locally; the API has no batch metadata)")
    p.add_argument("--dry-run", action="store_true", help="validate and estimate only; send nothing")
    p.add_argument("--wait", action="store_true", help="wait until the batch ends, then download its results")
    p.add_argument("--json", action="store_true", help='print {"batch_ids": [...], ...} as JSON')
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


def print_errors(report: ValidationReport) -> None:
    for line in report.error_lines():
        note(line)
    note(f"{report.file}: {fmt.count(report.error_count)} problem(s); nothing was submitted")


def summary(report: ValidationReport) -> dict:
    low, high = report.estimated_cost_usd
    return {
        "file": report.file,
        "request_count": report.request_count,
        "file_bytes": report.total_bytes,
        "body_bytes": report.body_bytes,
        "unpriced_requests": report.unpriced_requests,
        "models": dict(report.models),
        "estimated_cost_usd": {"low": low, "high": high},
        "warnings": report.warning_lines(),
    }


async def run(args: argparse.Namespace) -> int:
    from batchtui.core.submit import ValidationFailed, submit_file  # imports the SDK: only when the command runs

    progress = Progress("submit", unit="bytes")

    def on_progress(phase: str, done: int, total: int) -> None:
        if phase == "upload":
            progress.update(done, total)

    async with open_context(args, online=not args.dry_run) as ctx:
        try:
            outcome = await submit_file(
                ctx.store, ctx.api, args.file, label=args.label, dry_run=args.dry_run, on_progress=on_progress
            )
        except ValidationFailed as exc:
            progress.done()
            print_errors(exc.report)
            return 2
        finally:
            progress.done()
        for warning in outcome.report.warning_lines():
            note(f"warning: {warning}")
        for line in outcome.notes:
            note(line)
        info = summary(outcome.report)
        batch = outcome.batch
        if args.dry_run:
            if args.json:
                emit_json({"batch_ids": [], "dry_run": True, **info})
            else:
                low, high = outcome.report.estimated_cost_usd
                models = ", ".join(f"{m} ×{fmt.count(n)}" for m, n in outcome.report.models.most_common())
                print(
                    f"{clean(str(args.file))}: {fmt.count(info['request_count'])} valid requests, "
                    f"{fmt.naturalsize(info['body_bytes'])} to send; models: {clean(models)}; "
                    f"estimated cost {fmt.money(low)}–{fmt.money(high)} at batch rates. Nothing was sent (--dry-run)."
                )
            return 0
        assert batch is not None and outcome.submission is not None
        if not args.json:
            note(
                f"submitted {fmt.count(batch.request_counts.total)} requests as {batch.id}"
                + (f" ({args.label})" if args.label else "")
            )
        if args.wait:
            batch = await _wait(ctx, batch.id)
        if args.json:
            emit_json(
                {
                    "batch_ids": [batch.id],
                    "submission_id": outcome.submission.id,
                    "dry_run": False,
                    "batch": batch.to_json(),
                    **info,
                }
            )
        else:
            print(batch.id)
    return 0


async def _wait(ctx, batch_id: str):
    """Poll one batch with backoff until it ends, then download its results."""
    schedule = PollSchedule(brisk=2.0, busy_cap=60.0)
    engine = ctx.sync()
    note(f"waiting for {batch_id} to end (Ctrl-C stops waiting; the batch keeps running)")
    while True:
        await engine.refresh_one(batch_id)
        batch = await ctx.store.get_batch(batch_id)
        if batch.processing_status == "ended":
            break
        await asyncio.sleep(schedule.after_success(changed=False, in_flight=True))
    progress = Progress("results")
    engine = ctx.sync(on_event=lambda e: progress.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None)
    await engine.download_results(batch_id)
    progress.done()
    return await ctx.store.get_batch(batch_id)
