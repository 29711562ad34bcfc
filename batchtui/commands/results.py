"""`results BATCH_ID`: export a batch's results (downloading them first if needed), streamed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from batchtui.commands.context import open_context
from batchtui.commands.output import Progress, note
from batchtui.core import fmt
from batchtui.core.errors import BatchtuiError, UsageError
from batchtui.core.events import ResultsProgress
from batchtui.core.models import RESULT_TYPES, ResultFilter


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("results", help="export a batch's results as JSONL, CSV or Markdown")
    p.add_argument("batch_id", metavar="BATCH_ID")
    p.add_argument(
        "--type", dest="types", metavar="T[,T...]", help=f"only these result types: {', '.join(RESULT_TYPES)}"
    )
    p.add_argument("--format", choices=("jsonl", "csv", "md"), default="jsonl", help="output format (default jsonl)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


def parse_types(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    types = {t.strip() for t in text.split(",") if t.strip()}
    unknown = types - set(RESULT_TYPES)
    if unknown:
        raise UsageError(f"--type: unknown result type(s) {', '.join(sorted(unknown))}; use {', '.join(RESULT_TYPES)}")
    return frozenset(types)


async def run(args: argparse.Namespace) -> int:
    from batchtui.core.export import export_results, write_atomically_async  # only this command needs it

    flt = ResultFilter(types=parse_types(args.types))
    async with open_context(args) as ctx:
        batch = await ctx.store.get_batch(args.batch_id)
        if batch is None or batch.results_state != "complete":
            progress = Progress("download")
            engine = ctx.sync(
                on_event=lambda e: progress.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None
            )
            await engine.refresh_one(args.batch_id)
            batch = await ctx.store.get_batch(args.batch_id)
            if batch.processing_status != "ended":
                raise BatchtuiError(
                    f"{args.batch_id} is {batch.processing_status}; results exist once it has ended "
                    f"(expires {fmt.until(batch.expires_at)})."
                )
            await engine.download_results(args.batch_id)
            progress.done()
        rows = ctx.store.iter_results(args.batch_id, flt)
        if args.output:
            n = await write_atomically_async(args.output, lambda out: export_results(rows, args.format, out))
            note(f"wrote {fmt.count(n)} results to {args.output}")
        else:
            n = await export_results(rows, args.format, sys.stdout)
    return 0
