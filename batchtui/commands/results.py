"""`results BATCH_ID`: export a batch's results, or every part's of a group (downloading them first if needed),
streamed. `--merged`: the final results across the batch's retry chain (each request once, its latest outcome)."""

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
    p.add_argument(
        "--merged",
        action="store_true",
        help="the final results across the retry chain (`batchtui retry`): every request of the original batch "
        "once, with its latest outcome (from the last retry that holds it; JSONL adds a batch_id key, CSV a "
        "batch_id column); a retry given exports its whole chain, a group each part's; --type filters the final "
        "outcomes; retries still running are left out (their requests keep their earlier outcome)",
    )
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


async def merged_batches(session: Session, batch_ids: list[str]) -> tuple[str, ...]:
    """The original batch of each one's retry chain, with the results of every batch of the chains downloaded:
    the originals' as `results` does (an error when they have none to give), the retries' when they have ended
    (one still running, or archived before its download, is said and left out: its requests keep their earlier
    outcome, as in the dashboard's merged view)."""
    from batchtui.service.actions import ensure_results
    from batchtui.service.export import original_batches

    store = session.store
    for batch_id in batch_ids:  # the retry given may be the only one of its chain the cache has heard of yet
        if await store.get_batch(batch_id) is None:
            await ensure_results(session, batch_id)
    roots = await original_batches(store, tuple(batch_ids))
    if len(batch_ids) == 1 and roots[0] != batch_ids[0]:
        note(f"{batch_ids[0]} is a retry of {roots[0]}: exporting that chain's final results")
    for root in roots:
        chain = await store.retry_chain(root)
        assert chain is not None
        await ensure_results(session, root)
        for retry_id in chain.ids[1:]:
            try:
                await ensure_results(session, retry_id)
            except BatchtuiError as exc:
                note(f"warning: retry {retry_id} left out ({exc}); its requests keep their earlier outcome")
    return roots


async def run(args: argparse.Namespace) -> int:
    from batchtui.commands.groups import is_group_id
    from batchtui.service.actions import ensure_results
    from batchtui.service.export import Selection, export

    flt = ResultFilter(types=parse_types(args.types))
    async with cli_session(args) as session:
        progress = Progress("download")
        session.events_to(lambda e: progress.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None)
        batch_ids = await group_batches(session, args.batch_id) if is_group_id(args.batch_id) else [args.batch_id]
        if args.merged:
            batch_ids = list(await merged_batches(session, batch_ids))
        else:
            for batch_id in batch_ids:
                await ensure_results(session, batch_id)
        progress.done()
        selection = Selection(tuple(batch_ids), flt, merged=args.merged)
        outcome = await export(session, selection, args.format, args.output or sys.stdout, download=False)
        if args.output:
            what = "final results" if args.merged else "results"
            note(f"wrote {fmt.count(outcome.rows)} {what} to {args.output}")
    return 0
