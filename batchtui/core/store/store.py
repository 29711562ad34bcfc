"""`Store`: the SQLite cache behind the dashboard and the CLI, assembled from one mixin per concern."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

from batchtui.core.store.batches import BatchesMixin
from batchtui.core.store.db import Database
from batchtui.core.store.groups import GroupsMixin
from batchtui.core.store.hooks import HooksMixin
from batchtui.core.store.leases import new_owner
from batchtui.core.store.lineage import LineageMixin
from batchtui.core.store.metadata import RequestMetadataMixin
from batchtui.core.store.queue import QueueMixin
from batchtui.core.store.queue_flushes import QueueFlushMixin
from batchtui.core.store.requests import RequestsMixin
from batchtui.core.store.results import ResultsMixin
from batchtui.core.store.reuse import ReuseMixin
from batchtui.core.store.schema import migrate
from batchtui.core.store.search import PROMPT_TEXT_FN, prompt_text
from batchtui.core.store.stats import StatsMixin
from batchtui.core.store.submissions import SubmissionsMixin


class Store(
    ResultsMixin,
    LineageMixin,
    BatchesMixin,
    SubmissionsMixin,
    GroupsMixin,
    RequestsMixin,
    RequestMetadataMixin,
    HooksMixin,
    StatsMixin,
    QueueMixin,
    QueueFlushMixin,
    ReuseMixin,
):
    """Open with `await Store.open(path)` and always close it (`async with` or `close()`): aiosqlite's worker
    thread is not a daemon, so a forgotten store keeps the process alive."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._keys = {}
        self.lease_owner = new_owner()
        self._lease_keeper = None
        self._leased_here = set()

    @classmethod
    async def open(cls, path: Path) -> Store:
        """Open (creating with mode 0600 if needed) and upgrade the database at `path`."""
        db = await Database.connect(Path(path))
        try:
            await migrate(db.conn, db.path)
            await db.conn.create_function(PROMPT_TEXT_FN, 1, prompt_text, deterministic=True)
        except BaseException:
            await db.close()
            raise
        return cls(db)

    @property
    def path(self) -> Path:
        return self._db.path

    async def close(self) -> None:
        """Idempotent."""
        with contextlib.suppress(Exception):  # a store already closed, or a database gone: nothing to release
            await self.release_leases()
        await self._db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
