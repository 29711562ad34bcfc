"""What every command needs: settings, the store, the API client, and for --demo the embedded emulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchtui.core.config import Settings, resolve_settings
from batchtui.core.store import Store

if TYPE_CHECKING:
    from batchtui.core.client import BatchApi
    from batchtui.core.sync import SyncEngine


@dataclass
class Context:
    settings: Settings
    store: Store
    api: BatchApi | None  # None when working offline, or until connect()
    base_url: str | None = None
    stack: contextlib.AsyncExitStack | None = None

    async def connect(self) -> BatchApi:
        """Create the API client now (for the dashboard: after its first paint). The SDK import runs on a thread so
        the event loop keeps drawing meanwhile."""
        if self.api is None:
            client = await asyncio.to_thread(importlib.import_module, "batchtui.core.client")
            assert self.stack is not None
            self.api = await self.stack.enter_async_context(
                client.BatchApi(api_key=self.settings.api_key, base_url=self.base_url)
            )
        return self.api

    def sync(self, **kwargs) -> SyncEngine:
        from batchtui.core.sync import SyncEngine

        assert self.api is not None
        return SyncEngine(self.store, self.api, **kwargs)


@contextlib.asynccontextmanager
async def open_context(
    args: argparse.Namespace, *, online: bool = True, connect: bool = True
) -> AsyncIterator[Context]:
    """`online`: talk to the API (or, with --demo, start the embedded emulator). `connect=False` leaves creating
    the API client to `ctx.connect()`, so a caller can show the cache first."""
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
        ctx = Context(settings, store, None, base_url, stack)
        if seeded:
            # Recorded as submissions first: quick, and it gives them their labels as soon as they are listed.
            submissions = await _record_seeded(ctx, seeded)
        if online and (connect or seeded):
            await ctx.connect()
            if seeded:  # a fresh demo has nothing cached to paint: list its batches first
                await ctx.sync().refresh(full=True)
        if seeded:
            # Their prompts go in behind the first paint (started only now, so they do not slow the SDK import).
            background.append(asyncio.create_task(_import_seeded_requests(ctx, server, submissions)))
        yield ctx


async def _finish(tasks: list[asyncio.Task]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)


async def _record_seeded(ctx: Context, seeded) -> list[tuple[str, str]]:
    """Record each demo batch as a created submission, as if it had been submitted from this cache: it gets its
    label and source file when it is first listed. Returns (submission id, batch id) pairs."""
    out = []
    for batch in seeded:
        sub = await ctx.store.record_submission(
            source_file=batch.source_file,
            label=batch.label,
            request_count=0,
            body_bytes=0,
            params_digest=hashlib.sha256(batch.batch_id.encode()).hexdigest(),
        )
        await ctx.store.mark_submission_sending(sub.id)
        await ctx.store.mark_submission_created(sub.id, batch.batch_id)
        out.append((sub.id, batch.batch_id))
    return out


async def _import_seeded_requests(ctx: Context, server, submissions: list[tuple[str, str]]) -> None:
    """Copy the demo batches' requests from the emulator, so the results view shows each prompt beside its answer."""
    for submission_id, batch_id in submissions:
        rows = await server.emulator.state.request_params(batch_id)
        await ctx.store.add_requests(submission_id, rows)
        await ctx.store.link_requests(submission_id, batch_id)  # also resets the batch's search index
