"""`results BATCH_ID`: export a batch's results, or every part's of a group (downloading them first if needed),
streamed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.commands.output import Progress, note
from batchtui.commands.session import cli_session
from batchtui.core import fmt
from batchtui.core.errors import BatchtuiError, NotFound, UsageError
from batchtui.core.events import ResultsProgress
from batchtui.core.models import RESULT_TYPES, ResultFilter

if TYPE_CHECKING:
    from batchtui.service.session import Session

# The export formats' names (core/export.py: EXPORT_FORMATS), for --format, without importing the writers when the
# command line is built (tests/commands/test_static_tables.py keeps the two equal).
EXPORT_FORMAT_NAMES = ("jsonl", "csv", "md")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("results", help="export a batch's (or a group's) results as JSONL, CSV or Markdown")
    p.add_argument("batch_id", metavar="BATCH_ID", help="a batch id, or a group id (grp_...): every part's results")
    p.add_argument(
        "--type", dest="types", metavar="T[,T...]", help=f"only these result types: {', '.join(RESULT_TYPES)}"
    )
    p.add_argument("--format", choices=EXPORT_FORMAT_NAMES, default="jsonl", help="output format (default jsonl)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.set_defaults(handler=lambda a: asyncio.run(run(a)))


async def group_batches(session: Session, group_id: str) -> list[str]:
    """Every part's batch, in part order. A group with parts still unsent exports what exists, and says so."""
    group = await session.store.get_group(group_id)
    if group is None:
        raise NotFound(f"No group {group_id} in the cache (groups are local: see `batchtui groups`).")
    if not group.batch_ids:
        raise BatchtuiError(f"Group {group_id} has no batch yet: submit its file again to send its parts.")
    missing = [str(p.spec.part) for p in group.parts if not p.done]
    if missing:
        note(
            f"warning: part(s) {', '.join(missing)} of group {group_id} have no batch yet (submit its file again to "
            "send them); exporting the parts that do"
        )
    return group.batch_ids


def parse_types(text: str | None) -> frozenset[str]:
    if not text:
        return frozenset()
    types = {t.strip() for t in text.split(",") if t.strip()}
    unknown = types - set(RESULT_TYPES)
    if unknown:
        raise UsageError(f"--type: unknown result type(s) {', '.join(sorted(unknown))}; use {', '.join(RESULT_TYPES)}")
    return frozenset(types)


async def run(args: argparse.Namespace) -> int:
    from batchtui.commands.groups import is_group_id
    from batchtui.service.actions import ensure_results
    from batchtui.service.export import Selection, export

    flt = ResultFilter(types=parse_types(args.types))
    async with cli_session(args) as session:
        progress = Progress("download")
        session.events_to(lambda e: progress.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None)
        batch_ids = await group_batches(session, args.batch_id) if is_group_id(args.batch_id) else [args.batch_id]
        for batch_id in batch_ids:
            await ensure_results(session, batch_id)
        progress.done()
        selection = Selection(tuple(batch_ids), flt)
        outcome = await export(session, selection, args.format, args.output or sys.stdout, download=False)
        if args.output:
            note(f"wrote {fmt.count(outcome.rows)} results to {args.output}")
    return 0
