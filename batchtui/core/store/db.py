"""The SQLite connection: file creation with private permissions, pragmas, and serialized transactions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 32 * 1024  # page cache per connection; bounded so a 100k-row ingest stays well under the RSS budget
WAL_AUTOCHECKPOINT = 4096  # pages
# In a bulk run, how long a transaction waits before its BEGIN for the checkpointer to reach the commit before
# (meanwhile the next chunk is staged): a WAL checkpointed whole when the next transaction starts is written again
# from its start, so a 100k-result download keeps a WAL of one chunk (6 MB) instead of 112 MB, which the store's
# close then deletes (~35 ms of discard on an ext4 mounted with it) and whose every page was a new one for the kernel
# to find.
CATCH_UP_SECONDS = 0.1
ANALYSIS_LIMIT = 1000  # index entries PRAGMA optimize samples per index


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
        self._bulk = 0  # bulk() scopes open
        self._checkpointer: _Checkpointer | None = None

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
                f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}",
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
                # Statistics from a sample of each index, as SQLite advises for optimize: after a 100k-result
                # download a full ANALYZE of results reads every index entry (~30 ms), this ~2 ms.
                await execute(self.conn, f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
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
        async with self.held() as conn, self.begun(conn, durable=durable):
            yield conn

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, with no transaction of this process open on it until the scope ends: statements run
        here are each their own transaction, and `begun(conn)` opens one."""
        async with self._lock:
            if self._closed:
                raise RuntimeError("the store is closed")
            yield self.conn

    @contextlib.asynccontextmanager
    async def begun(self, conn: aiosqlite.Connection, *, durable: bool = False) -> AsyncIterator[None]:
        """`transaction()`'s `BEGIN IMMEDIATE` … `COMMIT`, inside a `held()` scope. In a bulk run it first waits
        for the checkpointer (CATCH_UP_SECONDS at most) to reach the commit before, so this one writes the WAL from
        its start; work done in the scope before (staging the next chunk) runs meanwhile."""
        try:
            if durable:
                await execute(conn, "PRAGMA synchronous=FULL")
            if self._checkpointer is not None:
                await self._checkpointer.caught_up(CATCH_UP_SECONDS)
            await run(conn, "BEGIN IMMEDIATE")
            try:
                yield
                # Shielded: a cancellation must not leave the shared connection inside an open transaction.
                await asyncio.shield(run(conn, "COMMIT"))
                if self._checkpointer is not None:
                    self._checkpointer.poke()
            except BaseException:
                with contextlib.suppress(sqlite3.OperationalError):  # "no transaction is active"
                    await asyncio.shield(run(conn, "ROLLBACK"))
                raise
        finally:
            if durable:
                await asyncio.shield(execute(conn, "PRAGMA synchronous=NORMAL"))

    @contextlib.asynccontextmanager
    async def bulk(self) -> AsyncIterator[None]:
        """A run of large write transactions (a results download, chunk after chunk). Their commits do not
        checkpoint: a checkpoint copies the WAL into the database and syncs both, ~100 ms for each 32 MB of WAL,
        which would hold up the next chunk. A second connection checkpoints instead, on a thread of its own, after
        each commit (PASSIVE: it never blocks a reader or a writer), while the next chunk is parsed and staged; the
        next transaction waits for it before its BEGIN (CATCH_UP_SECONDS at most) so the WAL restarts. The WAL and
        the database are synced exactly as before; only who waits for it changes."""
        self._bulk += 1
        if self._bulk == 1:
            with contextlib.suppress(Exception):
                await execute(self.conn, "PRAGMA wal_autocheckpoint=0")
                self._checkpointer = _Checkpointer(self.path)
        try:
            yield
        finally:
            self._bulk -= 1
            if self._bulk == 0:
                checkpointer, self._checkpointer = self._checkpointer, None
                if checkpointer is not None:
                    await asyncio.shield(asyncio.to_thread(checkpointer.stop))
                with contextlib.suppress(Exception):
                    await asyncio.shield(execute(self.conn, f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}"))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class _Checkpointer:
    """A connection of its own on a thread of its own, running `PRAGMA wal_checkpoint(PASSIVE)` once after each
    poke (pokes that come while it runs make one more checkpoint, not one each)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="batchtui-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._idle.clear()
        self._wake.set()

    async def caught_up(self, seconds: float) -> None:
        """Wait (at most `seconds`) until every commit poked about is checkpointed."""
        if not self._idle.is_set():
            await asyncio.to_thread(self._idle.wait, seconds)

    def stop(self) -> None:
        """Finish the checkpoint under way (if any) and close: blocks, call it on a worker thread."""
        self._stopping = True
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stopping:
                    return
                with contextlib.suppress(sqlite3.Error):  # busy, or the file went away: the next poke tries again
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if not self._wake.is_set():
                    self._idle.set()
        finally:
            self._idle.set()
            conn.close()


async def execute(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one statement and return its rowcount, closing the cursor."""
    cursor = await conn.execute(sql, params)
    try:
        return cursor.rowcount
    finally:
        await cursor.close()


async def run(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> None:
    """Run one statement whose rowcount is not wanted: one trip to the connection's thread, not two (`execute`
    closes its cursor with a second). Each trip waits on the event loop, which a busy parse thread slows."""
    await conn.execute_fetchall(sql, params)


async def run_in_turn(conn: aiosqlite.Connection, *statements: tuple[str, Sequence[Any]]) -> None:
    """`run` each statement, in order, queued on the connection's thread at once: it runs them back to back, not
    waiting for the event loop between two. The first error is raised once all have run (a transaction's
    rollback undoes them all)."""
    queued = [asyncio.ensure_future(run(conn, sql, params)) for sql, params in statements]
    results = await asyncio.gather(*queued, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def executemany(conn: aiosqlite.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    cursor = await conn.executemany(sql, rows)
    await cursor.close()


async def _pragma(conn: aiosqlite.Connection, pragma: str, tries: int = 100) -> None:
    """Run a setup pragma, waiting while another process sets up the same new file: SQLite answers "database is
    locked" at once, busy_timeout or not, when turning a new file to WAL races another connection doing the same."""
    for _ in range(tries - 1):
        try:
            await run(conn, pragma)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            await asyncio.sleep(0.05)
    await run(conn, pragma)
