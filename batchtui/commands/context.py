"""What every command needs: settings, the store, the API client, and for --demo the embedded emulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from batchtui.core.client import BatchApi
from batchtui.core.config import Settings, resolve_settings
from batchtui.core.store import Store
from batchtui.core.sync import SyncEngine


@dataclass
class Context:
    settings: Settings
    store: Store
    api: BatchApi | None  # None when working offline

    def sync(self, **kwargs) -> SyncEngine:
        assert self.api is not None
        return SyncEngine(self.store, self.api, **kwargs)


@contextlib.asynccontextmanager
async def open_context(args: argparse.Namespace, *, online: bool = True) -> AsyncIterator[Context]:
    settings = resolve_settings(db=args.db, base_url=args.base_url, demo=args.demo)
    async with contextlib.AsyncExitStack() as stack:
        base_url = settings.base_url
        seeded = []
        if settings.demo and online:
            from batchtui.demo import demo_server

            server = await stack.enter_async_context(demo_server(settings.db_path.parent))
            base_url, seeded = server.base_url, server.seeded
        store = await stack.enter_async_context(await Store.open(settings.db_path))
        background: list[asyncio.Task] = []
        stack.push_async_callback(_finish, background)
        api = None
        if online:
            api = await stack.enter_async_context(BatchApi(api_key=settings.api_key, base_url=base_url))
        ctx = Context(settings, store, api)
        if seeded:
            await _label_seeded(ctx, seeded)
            # Their prompts go in behind the first paint: the dashboard must appear within 2 seconds.
            background.append(asyncio.create_task(_import_seeded_requests(ctx, server, seeded)))
        yield ctx


async def _finish(tasks: list[asyncio.Task]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)


async def _label_seeded(ctx: Context, seeded) -> None:
    """Demo batches get the labels and source files a user would have given them."""
    await ctx.sync().refresh(full=True)
    for batch in seeded:
        await ctx.store.set_label(batch.batch_id, batch.label)
        await ctx.store.set_local(batch.batch_id, source_file=batch.source_file)


async def _import_seeded_requests(ctx: Context, server, seeded) -> None:
    """Record each demo batch as a submission with its requests, as if it had been submitted from this cache, so
    the results view can show each prompt beside its answer."""
    for batch in seeded:
        rows = await server.emulator.state.request_params(batch.batch_id)
        digest = hashlib.sha256("".join(p for _, p in rows).encode()).hexdigest()
        sub = await ctx.store.record_submission(
            source_file=batch.source_file,
            label=batch.label,
            request_count=len(rows),
            body_bytes=sum(len(c) + len(p) for c, p in rows),
            params_digest=digest,
        )
        await ctx.store.add_requests(sub.id, rows)
        await ctx.store.mark_submission_sending(sub.id)
        await ctx.store.mark_submission_created(sub.id, batch.batch_id)
