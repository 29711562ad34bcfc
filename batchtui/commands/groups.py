"""`groups`: files sent as several batches, one row each with summed counts and cost; `show GROUP_ID` prints one."""

from __future__ import annotations

import argparse
import asyncio

from batchtui.commands.output import emit_json, note, table
from batchtui.commands.session import cli_session
from batchtui.core import fmt, spend
from batchtui.core.cost import saved_usd
from batchtui.core.errors import describe, is_sdk_error
from batchtui.core.groups import GROUP_PREFIX, GroupSummary
from batchtui.core.reuse import batch_reuse_text
from batchtui.core.sanitize import clean


def is_group_id(text: str) -> bool:
    return text.startswith(GROUP_PREFIX)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("groups", help="list files sent as several batches (groups), with summed counts and cost")
    p.add_argument("--offline", action="store_true", help="show the cache only; make no API call")
    p.add_argument("--json", action="store_true", help="print a JSON array of group objects")
    p.set_defaults(handler=lambda a: asyncio.run(list_groups(a)))


def status_of(g: GroupSummary) -> str:
    if not g.complete:
        return f"incomplete ({g.parts_done}/{g.group.part_count})"
    return g.processing_status or "—"


def render(groups: list[GroupSummary]) -> str:
    headers = ["ID", "NAME", "PARTS", "STATUS", "SUCCEEDED", "ERRORED", "CANCELED", "EXPIRED", "PROCESSING", "TOTAL",
               "CREATED", "COST", "SAVED"]  # fmt: skip
    rows = []
    for g in groups:
        c, status, cost = g.request_counts, g.cost_status, g.cost_usd
        rows.append(
            [g.id, clean(g.group.name), f"{g.parts_done}/{g.group.part_count}", status_of(g), fmt.count(c.succeeded),
             fmt.count(c.errored), fmt.count(c.canceled), fmt.count(c.expired), fmt.count(c.processing),
             fmt.count(c.total), fmt.ago(g.group.created_at), spend.money(cost, status),
             spend.money(saved_usd(cost), status)]
        )  # fmt: skip
    return table(headers, rows, right={4, 5, 6, 7, 8, 9, 11, 12})


async def list_groups(args: argparse.Namespace) -> int:
    code = 0
    async with cli_session(args, online=not args.offline) as session:
        if session.api is not None:
            try:
                await session.engine.refresh()
            except Exception as exc:
                if not is_sdk_error(exc):
                    raise
                note(f"warning: could not refresh ({describe(exc)}); showing the cache")
                code = 1
        groups = await session.store.list_groups()
    if args.json:
        emit_json([g.to_json() for g in groups])
    elif groups:
        print(render(groups))
    else:
        note("no groups yet: a file with more than 100,000 requests (or near 256 MB) is sent as one")
    return code


def print_group(g: GroupSummary) -> None:
    """`show GROUP_ID`: the group's fields, then one line per part."""
    c = g.request_counts
    cost = g.cost_usd
    cost_text = (
        f"{fmt.money(cost)} at batch rates ({spend.saving_text(cost)})"
        if g.cost_status == "known"
        else ("unknown (some part's cost is unknown)" if g.cost_status == spend.UNKNOWN else fmt.MISSING)
    )
    fields = [
        ("id", g.id),
        ("name", clean(g.group.name)),
        ("status", status_of(g)),
        ("parts", f"{g.parts_done} of {g.group.part_count} have a batch"),
        ("requests", f"{fmt.count(g.group.request_count)} {'sent' if g.reused[0] else 'in the file'}; "
                     f"{fmt.count(c.total)} in batches: "
                     f"{fmt.count(c.processing)} processing, {fmt.count(c.succeeded)} succeeded, "
                     f"{fmt.count(c.errored)} errored, {fmt.count(c.canceled)} canceled, {fmt.count(c.expired)} "
                     "expired"),
        ("created", f"{g.group.created_at:%Y-%m-%d %H:%M:%S} UTC ({fmt.ago(g.group.created_at)})"),
        ("cost", cost_text),
        ("reused", batch_reuse_text(*g.reused)),
        ("source file", clean(g.group.source_file or "—")),
    ]  # fmt: skip
    width = max(len(k) for k, _ in fields)
    print("\n".join(f"{k.rjust(width)}  {v}" for k, v in fields))
    rows = [
        [str(p.spec.part), p.state, p.batch_id or "—", p.batch.processing_status if p.batch else "—",
         fmt.count(p.spec.request_count), fmt.naturalsize(p.spec.body_bytes),
         clean(f"{p.spec.first_custom_id} … {p.spec.last_custom_id}"),
         clean(p.submission.error or "") if p.state == "failed" and p.submission else ""]
        for p in g.parts
    ]  # fmt: skip
    print()
    print(table(["PART", "STATE", "BATCH", "STATUS", "REQUESTS", "SIZE", "CUSTOM_IDS", "ERROR"], rows, right={0, 4, 5}))


async def show_group(args: argparse.Namespace) -> int:
    """`show GROUP_ID`: its batches refreshed first (exit 1 with the cached view if the API cannot be reached)."""
    from batchtui.core.errors import NotFound

    code = 0
    async with cli_session(args) as session:
        group = await session.store.get_group(args.batch_id)
        if group is None:
            raise NotFound(f"No group {args.batch_id} in the cache (groups are local: see `batchtui groups`).")
        try:
            for batch_id in group.batch_ids:
                await session.engine.refresh_one(batch_id)
        except Exception as exc:
            if not is_sdk_error(exc):
                raise
            note(f"warning: could not refresh ({describe(exc)}); showing the cache")
            code = 1
        group = await session.store.get_group(args.batch_id)
    assert group is not None
    if args.json:
        emit_json(group.to_json())
    else:
        print_group(group)
    return code
