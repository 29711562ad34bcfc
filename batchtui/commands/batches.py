"""`list`, `show`, `cancel`, `delete`: batch metadata from the API, through the store."""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from batchtui.commands.output import emit_json, note, table
from batchtui.commands.session import cli_session
from batchtui.core import fmt, spend
from batchtui.core.cost import saved_usd
from batchtui.core.errors import NotFound, describe
from batchtui.core.models import BatchRecord
from batchtui.core.reuse import batch_reuse_text
from batchtui.core.sanitize import clean
from batchtui.core.spend import batch_cost_status

if TYPE_CHECKING:
    from batchtui.service.actions import ActionOutcome


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list every batch of the workspace (refreshed, then from the cache)")
    p.add_argument("--offline", action="store_true", help="show the cache only; make no API call")
    p.add_argument("--json", action="store_true", help="print a JSON array of batch objects")
    p.set_defaults(handler=lambda a: asyncio.run(list_batches(a)))

    p = sub.add_parser("show", help="show one batch (or group of batches) in detail")
    p.add_argument("batch_id", metavar="BATCH_ID", help="a batch id, or a group id (grp_...)")
    p.add_argument("--json", action="store_true", help="print the batch (or group) object as JSON")
    p.set_defaults(handler=lambda a: asyncio.run(show(a)))

    p = sub.add_parser("cancel", help="cancel in-progress batches")
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="+", help="batch ids, or workflow ids (batchtui-sub-...)")
    from batchtui.commands.temporal import add_engine_flags

    add_engine_flags(p)
    p.set_defaults(handler=lambda a: asyncio.run(cancel(a)))

    p = sub.add_parser(
        "delete", help="delete ended batches from the API (their results are downloaded first, and stay here)"
    )
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="+")
    p.add_argument(
        "--force", action="store_true", help="delete even when the results cannot be downloaded first (they are lost)"
    )
    p.set_defaults(handler=lambda a: asyncio.run(delete(a)))


def when_of(b: BatchRecord) -> str:
    if b.ended_at is not None:
        return f"ended {fmt.ago(b.ended_at)}"
    return f"expires {fmt.until(b.expires_at)}"


def render_list(batches: list[BatchRecord]) -> str:
    headers = [
        "ID",
        "LABEL",
        "STATUS",
        "SUCCEEDED",
        "ERRORED",
        "CANCELED",
        "EXPIRED",
        "PROCESSING",
        "TOTAL",
        "CREATED",
        "ENDED/EXPIRES",
        "COST",
        "SAVED",
    ]
    rows = []
    for b in batches:
        c = b.request_counts
        status = batch_cost_status(b)
        rows.append(
            [
                b.id,
                clean(b.label or ""),
                b.status_label,
                fmt.count(c.succeeded),
                fmt.count(c.errored),
                fmt.count(c.canceled),
                fmt.count(c.expired),
                fmt.count(c.processing),
                fmt.count(c.total),
                fmt.ago(b.created_at),
                when_of(b),
                spend.money(b.cost_usd, status),
                spend.money(saved_usd(b.cost_usd), status),  # against the standard API
            ]
        )
    return table(headers, rows, right={3, 4, 5, 6, 7, 8, 11, 12})


async def list_batches(args: argparse.Namespace) -> int:
    code = 0
    async with cli_session(args, online=not args.offline) as session:
        if session.api is not None:
            try:
                await session.engine.refresh()
            except Exception as exc:
                if not _api_failure(exc):
                    raise
                note(f"warning: could not refresh ({describe(exc)}); showing the cache")
                code = 1
        batches = await session.store.list_batches()
    if args.json:
        emit_json([b.to_json() for b in batches])
    elif batches:
        print(render_list(batches))
    else:
        note("no batches yet: create one with `batchtui submit FILE`")
    return code


async def show(args: argparse.Namespace) -> int:
    from batchtui.commands.groups import is_group_id, show_group

    if is_group_id(args.batch_id):
        return await show_group(args)
    code = 0
    async with cli_session(args) as session:
        try:
            await session.engine.refresh_one(args.batch_id)
        except Exception as exc:
            if _not_found(exc):
                if await session.store.get_batch(args.batch_id) is None:
                    raise NotFound(f"No batch {args.batch_id} in this workspace or the cache.") from None
                await session.store.mark_deleted(args.batch_id)
            elif _api_failure(exc):
                note(f"warning: could not refresh ({describe(exc)}); showing the cache")
                code = 1
            else:
                raise
        batch = await session.store.get_batch(args.batch_id)
        if batch is None:
            raise NotFound(f"No batch {args.batch_id} in the cache.")
        type_counts = await session.store.result_type_counts(batch.id)
        error_counts = await session.store.error_type_counts(batch.id)
        # The priced part of a batch whose total is unknown, to say what is known.
        split = await session.store.batch_cost(batch.id) if batch_cost_status(batch) == spend.UNKNOWN else None
    if args.json:
        emit_json(batch.to_json())
        return code
    c = batch.request_counts
    fields = [
        ("id", batch.id),
        ("label", clean(batch.label or "—")),
        ("status", batch.status_label + (" (local: every answer reused, nothing was sent)" if batch.local else "")),
        (
            "requests",
            f"{fmt.count(c.total)} total: {fmt.count(c.processing)} processing, "
            f"{fmt.count(c.succeeded)} succeeded, {fmt.count(c.errored)} errored, "
            f"{fmt.count(c.canceled)} canceled, {fmt.count(c.expired)} expired",
        ),
        ("created", f"{batch.created_at:%Y-%m-%d %H:%M:%S} UTC ({fmt.ago(batch.created_at)})"),
        ("ended" if batch.ended_at else "expires", when_of(batch)),
        ("cancel initiated", fmt.ago(batch.cancel_initiated_at) if batch.cancel_initiated_at else "—"),
        ("archived", fmt.ago(batch.archived_at) if batch.archived_at else "—"),
        ("results", f"{batch.results_state} ({fmt.count(batch.results_rows)} stored)"),
        ("cost", spend.batch_cost_text(batch, split)),
        ("prompt caching", spend.cache_saving_text(batch)),
        ("reused", batch_reuse_text(batch.reused_rows, batch.reuse_saved_usd, batch.reuse_unpriced)),
        ("source file", clean(batch.source_file or "—")),
        ("parent batch", batch.parent_batch_id or "—"),
        ("last request-id", batch.last_request_id or "—"),
    ]
    if type_counts:
        fields.append(("stored results", ", ".join(f"{fmt.count(n)} {t}" for t, n in sorted(type_counts.items()))))
    if error_counts:
        fields.append(("error types", ", ".join(f"{fmt.count(n)} {t}" for t, n in sorted(error_counts.items()))))
    width = max(len(k) for k, _ in fields)
    print("\n".join(f"{k.rjust(width)}  {v}" for k, v in fields))
    return code


async def cancel(args: argparse.Namespace) -> int:
    from batchtui.commands.temporal import cancel_through_workflows
    from batchtui.service.actions import cancel as cancel_batches

    rest, code = await cancel_through_workflows(args, args.batch_ids)
    if not rest:
        return code
    async with cli_session(args) as session:
        return _report(await cancel_batches(session, rest)) or code


async def delete(args: argparse.Namespace) -> int:
    from batchtui.service.actions import delete as delete_batches

    async with cli_session(args) as session:
        return _report(await delete_batches(session, args.batch_ids, force=args.force))


def _report(outcomes: list[ActionOutcome]) -> int:
    """`id<TAB>outcome` on stdout for each batch done; why not on stderr for the others. Exit 1 if any failed."""
    for o in outcomes:
        if o.ok:
            print(f"{o.batch_id}\t{o.status}")
        else:
            note(f"{o.batch_id}: {o.message}")
    return 0 if all(o.ok for o in outcomes) else 1


# The SDK is loaded by the time these run (the command is online); importing it here keeps `batchtui` quick to start.
def _api_failure(exc: BaseException) -> bool:
    from anthropic import APIError

    return isinstance(exc, APIError)


def _not_found(exc: BaseException) -> bool:
    from anthropic import NotFoundError

    return isinstance(exc, NotFoundError)
