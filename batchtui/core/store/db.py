"""The SQLite connection: file creation with private permissions, pragmas, and serialized transactions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32 * 1024  # page cache per connection; bounded so a 100k-row ingest stays well under the RSS budget


def create_private_file(path: Path) -> None:
    """Make the parent dir if missing and the DB file with mode 0600 (results can be sensitive)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # an existing file keeps its old mode otherwise; SQLite copies it to -wal and -shm


class Database:
    """One aiosqlite connection in autocommit mode; writes go through `transaction()`, which serializes them.

    A single connection is shared by every coroutine of the process, so two interleaved `BEGIN`s would fail: the
    lock makes each transaction atomic with respect to the others. Reads run outside the lock.
    """

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False

    @classmethod
    async def connect(cls, path: Path) -> Database:
        create_private_file(path)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in (
                # First: the pragmas below take locks (turning a new file to WAL takes an exclusive one), and a
                # second process opening the same new cache (two dashboards, two serve tabs) must wait, not fail.
                f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
                # 8 KiB pages hold ~1 KB result rows with less waste and fewer splits: ~20 % less CPU per row than
                # the 4 KiB default. Only takes effect on a new file (before WAL is on); harmless otherwise.
                "PRAGMA page_size=8192",
                "PRAGMA journal_mode=WAL",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA foreign_keys=ON",
                f"PRAGMA cache_size=-{CACHE_KIB}",
                "PRAGMA temp_store=MEMORY",
                # A results chunk dirties pages all over the indexes; checkpointing every 32 MB instead of every
                # 4 MB copies each such page to the database once per several chunks. The file is cut back after.
                "PRAGMA wal_autocheckpoint=4096",
                "PRAGMA journal_size_limit=67108864",
            ):
                await _pragma(conn, pragma)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        async with self._lock:  # let a running transaction finish first
            with contextlib.suppress(Exception):
                await execute(self.conn, "PRAGMA optimize")
            await self.conn.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @contextlib.asynccontextmanager
    async def transaction(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """`BEGIN IMMEDIATE` … `COMMIT` (rollback on any exception, cancellation included).

        `durable`: fsync the WAL at commit. In WAL mode `synchronous=NORMAL` survives a process crash but may lose
        the last commits on power loss; the submission log must not, so its writes pay for one fsync.
        """
        async with self._lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            conn = self.conn
            try:
                if durable:
                    await execute(conn, "PRAGMA synchronous=FULL")
                await execute(conn, "BEGIN IMMEDIATE")
                try:
                    yield conn
                    # Shielded: a cancellation must not leave the shared connection inside an open transaction.
                    await asyncio.shield(execute(conn, "COMMIT"))
                except BaseException:
                    with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
                        await asyncio.shield(execute(conn, "ROLLBACK"))
                    raise
            finally:
                if durable:
                    await asyncio.shield(execute(conn, "PRAGMA synchronous=NORMAL"))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


async def execute(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement and return its rowcount, closing the cursor."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        await cursor.close()


async def executemany(conn: aiosqlite.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    cursor = await conn.executemany(sql, rows)
    await cursor.close()


async def _pragma(conn: aiosqlite.Connection, pragma: str, tries: int = 100) -> None:
    """Run a setup pragma, waiting while another process sets up the same new file: SQLite answers "database is
    locked" at once, busy_timeout or not, when turning a new file to WAL races another connection doing the same."""
    for _ in range(tries - 1):
        try:
            await execute(conn, pragma)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            await asyncio.sleep(0.05)
    await execute(conn, pragma)
