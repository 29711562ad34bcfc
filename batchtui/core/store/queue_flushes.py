"""Flushing the request queue exactly once: claim rows, link them to a submission before anything is sent, and
settle each flush from its submission's outcome.

Every step is one transaction that checks the state it moves from, so two flushers (the dashboard and
`sync --watch`, say) never take the same rows, and a process dying anywhere leaves a state the next settle reads:
- claimed, not linked: nothing can have been sent (a send needs the link). Once the claiming process is gone (or its
  lease lapsed) the flush is *abandoned* and its rows go back to the queue. A slow owner that links later finds its
  flush abandoned and sends nothing.
- sending (linked to submission S): S's outcome decides, as the reconcile rules settle it (service/reconcile.py):
  S created → the rows are sent (deleted here: their copy lives in `requests` under S); S failed (provably nothing
  created) → the rows go back to the queue; anything else (being sent, answer lost, probable) → wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from batchtui.core.create_body import BODY_HEAD, BODY_SEP, BODY_TAIL
from batchtui.core.models import parse_time
from batchtui.core.queue import FlushRecord
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import execute
from batchtui.core.store.leases import LEASE_SECONDS, _owner_gone
from batchtui.core.store.queue import FLUSH_COLUMNS, flush_from_row

# (queued count, oldest added_at) → the reason to flush now ("size", "age", "manual"), or None: not due.
DueRule = Callable[[int, datetime | None], str | None]

ABANDONED = "its process stopped before sending anything; the requests went back to the queue"


def _now() -> str:
    return wire_time(datetime.now(UTC))  # type: ignore[return-value]


class QueueFlushMixin(StoreBase):
    lease_owner: str

    @property
    def _claims_here(self) -> set[int]:
        """Flushes this store claimed and is still working on (a claim of this process is live only while here)."""
        return self.__dict__.setdefault("_queue_claims", set())

    async def queue_last_seq(self) -> int:
        return await self._db.scalar("SELECT coalesce(max(seq), 0) FROM queue_requests WHERE flush_id IS NULL")

    async def claim_flush(
        self, due: DueRule, *, max_requests: int, max_body_bytes: int, upto_seq: int | None = None
    ) -> FlushRecord | None:
        """Take the oldest queued rows (those with seq ≤ `upto_seq`), as many as one batch holds, for a new
        flush, if `due` says so for what is queued now. Exclusive: the check and the take are one transaction."""
        upto = upto_seq if upto_seq is not None else 2**62
        budget = max_body_bytes - len(BODY_HEAD) - len(BODY_TAIL) + len(BODY_SEP)
        async with self._db.transaction(durable=True) as conn:
            count, oldest = next(
                iter(
                    await conn.execute_fetchall(
                        "SELECT count(*), (SELECT added_at FROM queue_requests WHERE flush_id IS NULL AND seq <= ?1 "
                        "ORDER BY seq LIMIT 1) FROM queue_requests WHERE flush_id IS NULL AND seq <= ?1",
                        (upto,),
                    )
                )
            )
            reason = due(count, parse_time(oldest)) if count else None
            if reason is None:
                return None
            taken, last_seq, used = next(
                iter(
                    await conn.execute_fetchall(
                        "SELECT count(*), max(seq), max(used) FROM (SELECT seq, sum(item_bytes + ?) OVER (ORDER BY "
                        "seq) AS used FROM queue_requests WHERE flush_id IS NULL AND seq <= ? ORDER BY seq LIMIT ?) "
                        "WHERE used <= ?",
                        (len(BODY_SEP), upto, max_requests, budget),
                    )
                )
            )
            if not taken:
                raise ValueError(f"the oldest queued request does not fit in a batch of {max_body_bytes} bytes")
            body = len(BODY_HEAD) + used - len(BODY_SEP) + len(BODY_TAIL)
            lease_until = wire_time(datetime.now(UTC) + timedelta(seconds=LEASE_SECONDS))
            cursor = await conn.execute(
                "INSERT INTO queue_flushes (reason, state, request_count, body_bytes, claimed_at, lease_owner, "
                "lease_until) VALUES (?, 'claimed', ?, ?, ?, ?, ?)",
                (reason, taken, body, _now(), self.lease_owner, lease_until),
            )
            flush_id = cursor.lastrowid
            await cursor.close()
            await execute(
                conn,
                "UPDATE queue_requests SET flush_id = ? WHERE flush_id IS NULL AND seq <= ?",
                (flush_id, last_seq),
            )
        assert flush_id is not None
        self._claims_here.add(flush_id)
        return await self.get_flush(flush_id)  # type: ignore[return-value]

    async def iter_flush_items(self, flush_id: int, *, chunk: int = 2000) -> AsyncIterator[list[tuple[str, str]]]:
        """(custom_id, params JSON) of a flush's rows in queue order, `chunk` at a time (keyset pagination)."""
        after = -1
        while rows := await self._db.fetchall(
            "SELECT seq, custom_id, params FROM queue_requests WHERE flush_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (flush_id, after, chunk),
        ):
            yield [(r[1], r[2]) for r in rows]
            after = rows[-1][0]

    async def link_flush(self, flush_id: int, submission_id: str) -> bool:
        """Tie a claimed flush to the submission that will send it, and store its requests (with their metadata)
        under that submission: the commit point before any send. False when the flush is no longer this
        process's claim (abandoned by a settle while this one was slow): then nothing may be sent."""
        async with self._db.transaction(durable=True) as conn:
            linked = await execute(
                conn,
                "UPDATE queue_flushes SET state = 'sending', submission_id = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ? AND state = 'claimed' AND lease_owner = ?",
                (submission_id, flush_id, self.lease_owner),
            )
            if linked:
                await execute(
                    conn,
                    "INSERT INTO requests (submission_id, custom_id, params, params_hash, metadata) "
                    "SELECT ?, custom_id, params, params_hash, metadata FROM queue_requests WHERE flush_id = ?",
                    (submission_id, flush_id),
                )
        self._claims_here.discard(flush_id)
        return bool(linked)

    async def abandon_flush(self, flush_id: int, why: str = ABANDONED) -> bool:
        """A claim that will never be sent: its rows back to the queue. Only from `claimed` (never once linked)."""
        self._claims_here.discard(flush_id)
        async with self._db.transaction(durable=True) as conn:
            done = await execute(
                conn,
                "UPDATE queue_flushes SET state = 'abandoned', finished_at = ?, error = ?, lease_owner = NULL, "
                "lease_until = NULL WHERE id = ? AND state = 'claimed'",
                (_now(), why, flush_id),
            )
            if done:
                await execute(conn, "UPDATE queue_requests SET flush_id = NULL WHERE flush_id = ?", (flush_id,))
        return bool(done)

    async def settle_flush(self, flush_id: int) -> FlushRecord | None:
        """Move a linked flush on from its submission's outcome (idempotent; any process may call it)."""
        async with self._db.transaction(durable=True) as conn:
            rows = await conn.execute_fetchall(
                "SELECT s.state, s.batch_id, s.candidate_batch_id, s.error FROM queue_flushes AS f "
                "JOIN submissions AS s ON s.id = f.submission_id WHERE f.id = ? AND f.state = 'sending'",
                (flush_id,),
            )
            row = next(iter(rows), None)
            if row is not None:
                await _settle(conn, flush_id, *row)
        return await self.get_flush(flush_id)

    async def settle_flushes(self) -> list[FlushRecord]:
        """Settle every open flush: abandon dead claims, follow linked ones to their submission's outcome. Returns
        the flushes that changed."""
        changed = []
        for flush_id, state, owner, until in await self._db.fetchall(
            "SELECT id, state, lease_owner, lease_until FROM queue_flushes WHERE state IN ('claimed', 'sending') "
            "ORDER BY id"
        ):
            if state == "claimed":
                if not self._claim_live(flush_id, owner, parse_time(until)) and await self.abandon_flush(flush_id):
                    changed.append(await self.get_flush(flush_id))
                continue
            after = await self.settle_flush(flush_id)
            if after is not None and after.state != state:
                changed.append(after)
        return [f for f in changed if f is not None]

    def _claim_live(self, flush_id: int, owner: str | None, until: datetime | None) -> bool:
        """Someone is still turning this claim into a submission: this store right now, or another live process
        whose lease has not lapsed (the lease is checked on the real clock: it is written by it)."""
        if owner is None or until is None:
            return False
        if owner == self.lease_owner:
            return flush_id in self._claims_here
        return until > datetime.now(UTC) and not _owner_gone(owner)

    async def get_flush(self, flush_id: int) -> FlushRecord | None:
        row = await self._db.fetchone(f"SELECT {FLUSH_COLUMNS} FROM queue_flushes WHERE id = ?", (flush_id,))
        return flush_from_row(row) if row else None

    async def flushes(self, limit: int = 100) -> list[FlushRecord]:
        """The flush log, newest first."""
        rows = await self._db.fetchall(f"SELECT {FLUSH_COLUMNS} FROM queue_flushes ORDER BY id DESC LIMIT ?", (limit,))
        return [flush_from_row(r) for r in rows]


async def _settle(
    conn: Any, flush_id: int, state: str, batch_id: str | None, candidate: str | None, error: str | None
) -> None:
    if state == "created":
        await execute(conn, "DELETE FROM queue_requests WHERE flush_id = ?", (flush_id,))
        await execute(
            conn,
            "UPDATE queue_flushes SET state = 'sent', batch_id = ?, finished_at = ?, error = NULL WHERE id = ?",
            (batch_id, _now(), flush_id),
        )
    elif state == "failed":  # provably nothing was created: the rows may go out again
        await execute(conn, "UPDATE queue_requests SET flush_id = NULL WHERE flush_id = ?", (flush_id,))
        await execute(
            conn,
            "UPDATE queue_flushes SET state = 'failed', finished_at = ?, error = ? WHERE id = ?",
            (_now(), error, flush_id),
        )
    else:  # being sent, or sent with no answer yet: only reconcile can tell; show the probable batch meanwhile
        await execute(
            conn, "UPDATE queue_flushes SET batch_id = ?, error = ? WHERE id = ?", (candidate, error, flush_id)
        )
