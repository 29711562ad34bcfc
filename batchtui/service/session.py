"""A session: settings → store → API client (→ the embedded demo emulator), and the one sync engine they share.

Front ends open one per run and hand it to the actions. Opening removes spool files left by crashed runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchtui.core.config import Settings
from batchtui.core.errors import NoApiKey
from batchtui.core.schedule import PollSchedule
from batchtui.core.store import Store
from batchtui.service.spool import clean_orphans, spool_dir_for

if TYPE_CHECKING:
    from batchtui.core.client import BatchApi
    from batchtui.core.events import EventSink
    from batchtui.core.sync import SyncEngine
    from batchtui.service.settle import SettlePolicy


@dataclass
class Session:
    store: Store
    api: BatchApi | None = None  # None when offline, or until connect()
    settings: Settings | None = None
    base_url: str | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)  # for the SyncEngine built on first use
    # Set by a caller that waits (`submit --wait`): a lost create is settled before submit returns, not left
    # unknown for `sync` (service/settle.py).
    settle: SettlePolicy | None = None
    _engine: SyncEngine | None = None
    _stack: contextlib.AsyncExitStack | None = None

    @property
    def online(self) -> bool:
        return self.api is not None

    @property
    def spool_dir(self) -> Path:
        return spool_dir_for(self.store.path)

    async def connect(self) -> BatchApi:
        """Create the API client now. The SDK import (over a second) runs on a thread, so a dashboard keeps
        drawing meanwhile."""
        if self.api is None:
            if self.settings is None or not self.settings.api_key:
                raise NoApiKey()
            client = await asyncio.to_thread(importlib.import_module, "batchtui.core.client")
            api = client.BatchApi(api_key=self.settings.api_key, base_url=self.base_url)
            if self._stack is not None:
                self._stack.push_async_callback(api.close)
            self.api = api
        return self.api

    def require_api(self) -> BatchApi:
        if self.api is None:
            raise NoApiKey() if self.settings is None or not self.settings.api_key else RuntimeError("not connected")
        return self.api

    @property
    def engine(self) -> SyncEngine:
        """The session's sync engine: one per session, so a download asked for twice runs once."""
        if self._engine is None:
            from batchtui.core.sync import SyncEngine

            self._engine = SyncEngine(self.store, self.require_api(), **self.engine_options)
        return self._engine

    @engine.setter
    def engine(self, engine: SyncEngine | None) -> None:
        self._engine = engine

    def events_to(self, sink: EventSink | None) -> SyncEngine:
        """The engine, reporting to `sink` from now on (CLI progress bars, the dashboard's relay)."""
        engine = self.engine
        engine.set_event_sink(sink)
        return engine


@contextlib.asynccontextmanager
async def open_session(
    settings: Settings, *, online: bool = True, connect: bool = True, **engine_options: Any
) -> AsyncIterator[Session]:
    """`online`: talk to the API (with `settings.demo`, start the embedded emulator first). `connect=False` leaves
    creating the API client to `session.connect()`, so a dashboard can paint the cache first."""
    async with contextlib.AsyncExitStack() as stack:
        base_url = settings.base_url
        demo = None
        if settings.demo and online:
            from batchtui.service.demo import demo_server

            demo = await stack.enter_async_context(
                demo_server(settings.db_path.parent, batch_seconds=settings.demo_batch_seconds)
            )
            base_url = demo.base_url
            # The emulator says how long its batches run: poll as their ends come due, not a backoff later.
            engine_options.setdefault("schedule", PollSchedule.for_known_duration(demo.emulator.config.batch_seconds))
        store = await stack.enter_async_context(await Store.open(settings.db_path))
        await clean_orphans(store)
        session = Session(store, None, settings, base_url, dict(engine_options), _stack=stack)
        if online and (connect or (demo and demo.seeded)):
            await session.connect()
        if demo is not None:
            await stack.enter_async_context(demo.attach(session))
        yield session
