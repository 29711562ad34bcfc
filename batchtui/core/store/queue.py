"""The request queue's rows: adding a validated file all or nothing, clearing what is still queued, its status and
its triggers. Claiming rows for a flush and settling flushes live in queue_flushes.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

import aiosqlite

from batchtui.core.errors import UsageError
from batchtui.core.models import parse_time
from batchtui.core.queue import FlushRecord, QueueSettings, QueueStatus
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import executemany

QUEUE_CHUNK = 2000
CLASHES_SHOWN = 20
RECENT_FLUSHES = 10
FLUSH_COLUMNS = "id, reason, state, request_count, body_bytes, claimed_at, finished_at, submission_id, batch_id, error"


@dataclass(frozen=True)
class QueuedRequest:
    """One validated request as `queue add` stores it."""

    custom_id: str
    params: str  # compact JSON, exactly as the create body carries it
    params_hash: str
    item_bytes: int
    line: int | None = None
    metadata: str | None = None  # a JSON object, or None
    source_file: str | None = None


@dataclass(frozen=True)
class Clash:
    custom_id: str
    file: str | None
    line: int | None
    other_file: str | None
    other_line: int | None


class QueueClash(UsageError):
    """custom_ids already in the queue: a batch needs them unique, and the queue may put any two in one batch."""

    def __init__(self, clashes: list[Clash], total: int) -> None:
        self.clashes = clashes
        self.total = total
        lines = [
            f'{c.file or "<requests>"}:{c.line}: custom_id "{c.custom_id}" is already queued from '
            f"{c.other_file or '<requests>'}" + (f":{c.other_line}" if c.other_line is not None else "")
            for c in clashes
        ]
        more = f"\n… and {total - len(clashes)} more" if total > len(clashes) else ""
        super().__init__(
            "\n".join(lines) + more + f"\n{total} custom_id(s) clash with queued requests (custom_ids must be unique "
            "within a batch, and queued requests may share one); give these requests other custom_ids, or send the "
            "queue first (`batchtui queue flush`). Nothing was added."
        )


def flush_from_row(row: tuple) -> FlushRecord:
    return FlushRecord(
        id=row[0],
        reason=row[1],
        state=row[2],
        request_count=row[3],
        body_bytes=row[4],
        claimed_at=parse_time(row[5]),  # type: ignore[arg-type]
        finished_at=parse_time(row[6]),
        submission_id=row[7],
        batch_id=row[8],
        error=row[9],
    )


class QueueMixin(StoreBase):
    async def queue_add(
        self,
        rows: Iterable[QueuedRequest],
        *,
        add_id: str,
        added_at: datetime | None = None,
    ) -> int:
        """Queue every row or none (rows of several files: all of them or none): one transaction (fsynced), read a
        chunk at a time so a big file is never held in memory. A custom_id already in the queue (or earlier in these
        rows) raises QueueClash naming both sources, and nothing is added. Concurrent adders are serialized by the
        write lock, so the check and the insert cannot interleave."""
        at = wire_time(added_at or datetime.now(UTC))
        source = iter(rows)
        added = 0
        clashes: list[Clash] = []
        clash_count = 0
        async with self._db.transaction(durable=True) as conn:
            while chunk := list(islice(source, QUEUE_CHUNK)):
                found = await _clashes(conn, chunk)
                clash_count += len(found)
                clashes.extend(found[: CLASHES_SHOWN - len(clashes)])
                if clash_count:
                    continue  # keep looking, to name them all; nothing will be kept
                await executemany(
                    conn,
                    "INSERT INTO queue_requests (custom_id, params, params_hash, item_bytes, metadata, source_file, "
                    "line, add_id, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(r.custom_id, r.params, r.params_hash, r.item_bytes, r.metadata, r.source_file, r.line, add_id, at)
                     for r in chunk],
                )  # fmt: skip
                added += len(chunk)
            if clash_count:
                raise QueueClash(clashes, clash_count)  # rolls the whole add back
        return added

    async def queue_clear(self) -> int:
        """Remove every queued request not yet taken by a flush; returns how many."""
        async with self._db.transaction(durable=True) as conn:
            cursor = await conn.execute("DELETE FROM queue_requests WHERE flush_id IS NULL")
            try:
                return cursor.rowcount
            finally:
                await cursor.close()

    async def queue_settings(self) -> tuple[int | None, timedelta | None]:
        """The triggers `queue add` stored (None: not set, config or defaults apply)."""
        row = await self._db.fetchone("SELECT flush_size, flush_age_seconds FROM queue_settings WHERE id = 1")
        if row is None:
            return None, None
        return row[0], (timedelta(seconds=row[1]) if row[1] is not None else None)

    async def set_queue_settings(self, *, flush_size: int | None = None, flush_age: timedelta | None = None) -> None:
        """Remember the triggers given (the others stay as they are)."""
        age = flush_age.total_seconds() if flush_age is not None else None
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO queue_settings (id, flush_size, flush_age_seconds) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET flush_size = coalesce(excluded.flush_size, flush_size), "
                "flush_age_seconds = coalesce(excluded.flush_age_seconds, flush_age_seconds)",
                (flush_size, age),
            )

    async def queue_status(self, settings: QueueSettings) -> QueueStatus:
        queued, queued_bytes = await self._db.fetchone(
            "SELECT count(*), total(item_bytes) FROM queue_requests WHERE flush_id IS NULL"
        )  # type: ignore[misc]
        oldest = await self._db.scalar(
            "SELECT added_at FROM queue_requests WHERE flush_id IS NULL ORDER BY seq LIMIT 1"
        )
        taken = await self._db.scalar("SELECT count(*) FROM queue_requests WHERE flush_id IS NOT NULL")
        recent = [
            flush_from_row(r)
            for r in await self._db.fetchall(
                f"SELECT {FLUSH_COLUMNS} FROM queue_flushes ORDER BY id DESC LIMIT ?", (RECENT_FLUSHES,)
            )
        ]
        return QueueStatus(
            queued=queued,
            queued_bytes=int(queued_bytes),
            oldest_added_at=parse_time(oldest),
            taken=taken,
            settings=settings,
            recent=recent,
        )


async def _clashes(conn: aiosqlite.Connection, chunk: list[QueuedRequest]) -> list[Clash]:
    """Rows of `chunk` whose custom_id is queued already, or used earlier in the chunk (two files of one add)."""
    mine: dict[str, QueuedRequest] = {}
    found: list[Clash] = []
    for r in chunk:
        first = mine.setdefault(r.custom_id, r)
        if first is not r:
            found.append(Clash(r.custom_id, r.source_file, r.line, first.source_file, first.line))
    rows = await conn.execute_fetchall(
        "SELECT custom_id, source_file, line FROM queue_requests WHERE custom_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY seq",
        (json.dumps(list(mine)),),
    )
    found += [Clash(cid, mine[cid].source_file, mine[cid].line, source, line) for cid, source, line in rows]
    return found
