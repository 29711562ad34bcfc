"""`results BATCH_ID`: export a batch's results (downloading them first if needed), streamed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from batchtui.commands.output import Progress, note
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.errors import UsageError
from batchtui.core.events import ResultsProgress
from batchtui.core.export import EXPORT_FORMATS
from batchtui.core.models import RESULT_TYPES, ResultFilter


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("results", help="export a batch's results as JSONL, CSV or Markdown")
    p.add_argument("batch_id", metavar="BATCH_ID")
    p.add_argument(
        "--type", dest="types", metavar="T[,T...]", help=f"only these result types: {', '.join(RESULT_TYPES)}"
    )
    p.add_argument("--format", choices=tuple(EXPORT_FORMATS), default="jsonl", help="output format (default jsonl)")
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
    from batchtui.service.actions import ensure_results
    from batchtui.service.export import Selection, export

    flt = ResultFilter(types=parse_types(args.types))
    async with cli_session(args) as session:
        progress = Progress("download")
        session.events_to(lambda e: progress.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None)
        await ensure_results(session, args.batch_id)
        progress.done()
        selection = Selection((args.batch_id,), flt)
        outcome = await export(session, selection, args.format, args.output or sys.stdout, download=False)
        if args.output:
            note(f"wrote {fmt.count(outcome.rows)} results to {args.output}")
    return 0
