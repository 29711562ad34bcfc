"""`list`, `show`, `cancel`, `delete`: batch metadata from the API, through the store."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from batchtui.commands.context import Context, open_context
from batchtui.commands.output import emit_json, note, table
from batchtui.core import fmt
from batchtui.core.errors import BatchtuiError, describe
from batchtui.core.models import BatchRecord
from batchtui.core.sanitize import clean


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="list every batch of the workspace (refreshed, then from the cache)")
    p.add_argument("--offline", action="store_true", help="show the cache only; make no API call")
    p.add_argument("--json", action="store_true", help="print a JSON array of batch objects")
    p.set_defaults(handler=lambda a: asyncio.run(list_batches(a)))

    p = sub.add_parser("show", help="show one batch in detail")
    p.add_argument("batch_id", metavar="BATCH_ID")
    p.add_argument("--json", action="store_true", help="print the batch object as JSON")
    p.set_defaults(handler=lambda a: asyncio.run(show(a)))

    p = sub.add_parser("cancel", help="cancel in-progress batches")
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="+")
    p.set_defaults(handler=lambda a: asyncio.run(cancel(a)))

    p = sub.add_parser("delete", help="delete ended batches from the API (the local copy and results stay)")
    p.add_argument("batch_ids", metavar="BATCH_ID", nargs="+")
    p.set_defaults(handler=lambda a: asyncio.run(delete(a)))


def status_of(b: BatchRecord) -> str:
    if b.deleted_remotely:
        return "deleted"
    if b.archived_at is not None:
        return "archived"
    return b.processing_status


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
    ]
    rows = []
    for b in batches:
        c = b.request_counts
        rows.append(
            [
                b.id,
                clean(b.label or ""),
                status_of(b),
                fmt.count(c.succeeded),
                fmt.count(c.errored),
                fmt.count(c.canceled),
                fmt.count(c.expired),
                fmt.count(c.processing),
                fmt.count(c.total),
                fmt.ago(b.created_at),
                when_of(b),
                fmt.money(b.cost_usd),
            ]
        )
    return table(headers, rows, right={3, 4, 5, 6, 7, 8, 11})


async def list_batches(args: argparse.Namespace) -> int:
    code = 0
    async with open_context(args, online=not args.offline) as ctx:
        if ctx.api is not None:
            try:
                await ctx.sync().refresh()
            except Exception as exc:
                if not _api_failure(exc):
                    raise
                note(f"warning: could not refresh ({describe(exc)}); showing the cache")
                code = 1
        batches = await ctx.store.list_batches()
    if args.json:
        emit_json([b.to_json() for b in batches])
    elif batches:
        print(render_list(batches))
    else:
        note("no batches yet: create one with `batchtui submit FILE`")
    return code


async def show(args: argparse.Namespace) -> int:
    code = 0
    async with open_context(args) as ctx:
        try:
            await ctx.sync().refresh_one(args.batch_id)
        except Exception as exc:
            if _not_found(exc):
                if await ctx.store.get_batch(args.batch_id) is None:
                    raise BatchtuiError(f"No batch {args.batch_id} in this workspace or the cache.") from None
                await ctx.store.mark_deleted(args.batch_id)
            elif _api_failure(exc):
                note(f"warning: could not refresh ({describe(exc)}); showing the cache")
                code = 1
            else:
                raise
        batch = await ctx.store.get_batch(args.batch_id)
        if batch is None:
            raise BatchtuiError(f"No batch {args.batch_id} in the cache.")
        type_counts = await ctx.store.result_type_counts(batch.id)
        error_counts = await ctx.store.error_type_counts(batch.id)
    if args.json:
        emit_json(batch.to_json())
        return code
    c = batch.request_counts
    fields = [
        ("id", batch.id),
        ("label", clean(batch.label or "—")),
        ("status", status_of(batch)),
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
        ("cost", fmt.money(batch.cost_usd)),
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
    async def one(ctx: Context, batch_id: str) -> str:
        batch = await ctx.api.cancel(batch_id)
        await ctx.sync().refresh_one(batch_id)
        return batch["processing_status"]

    return await _for_each(args, one)


async def delete(args: argparse.Namespace) -> int:
    async def one(ctx: Context, batch_id: str) -> str:
        await ctx.api.delete(batch_id)
        await ctx.store.mark_deleted(batch_id)  # the local copy and its results stay
        return "deleted"

    return await _for_each(args, one)


async def _for_each(args: argparse.Namespace, action: Callable[[Context, str], Awaitable[str]]) -> int:
    """Apply `action` to every BATCH_ID, printing `id<TAB>outcome`; one failure does not stop the others."""
    failures = 0
    async with open_context(args) as ctx:
        for batch_id in args.batch_ids:
            try:
                print(f"{batch_id}\t{await action(ctx, batch_id)}")
            except Exception as exc:
                if not _api_failure(exc):
                    raise
                failures += 1
                note(f"{batch_id}: {describe(exc)}")
    return 1 if failures else 0


# The SDK is loaded by the time these run (the command is online); importing it here keeps `batchtui` quick to start.
def _api_failure(exc: BaseException) -> bool:
    from anthropic import APIError

    return isinstance(exc, APIError)


def _not_found(exc: BaseException) -> bool:
    from anthropic import NotFoundError

    return isinstance(exc, NotFoundError)
