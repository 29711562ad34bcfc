"""The completion-hook outbox: the log of batch ends this cache saw, which hooks are armed, and each delivery's
attempts. A hook fires once per end logged after it was armed; a failed try waits for its `next_at`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from batchtui.core.models import parse_time
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import execute

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class DueDelivery:
    event_id: int
    batch_id: str
    target: str
    attempts: int  # tries so far


@dataclass(frozen=True)
class Delivery:
    event_id: int
    batch_id: str
    target: str
    state: str
    attempts: int
    last_error: str | None
    next_at: datetime | None
    done_at: datetime | None


class HooksMixin(StoreBase):
    async def arm_hooks(self, targets: list[str]) -> None:
        """A target seen for the first time fires for ends logged from now on, never for older ones."""
        now = wire_time(datetime.now(UTC))
        async with self._db.transaction() as conn:
            for target in targets:
                await execute(
                    conn,
                    "INSERT OR IGNORE INTO hook_targets (target, armed_at, armed_after) "
                    "VALUES (?, ?, (SELECT coalesce(max(id), 0) FROM batch_events))",
                    (target, now),
                )

    async def due_deliveries(self, targets: list[str], now: datetime, *, limit: int = 100) -> list[DueDelivery]:
        """Ends each armed target still owes, oldest first: never tried, or failed and due again."""
        if not targets:
            return []
        marks = ", ".join("?" * len(targets))
        rows = await self._db.fetchall(
            "SELECT e.id, e.batch_id, t.target, coalesce(d.attempts, 0) FROM hook_targets t "
            "JOIN batch_events e ON e.id > t.armed_after AND e.kind = 'ended' "
            "LEFT JOIN hook_deliveries d ON d.event_id = e.id AND d.target = t.target "
            f"WHERE t.target IN ({marks}) AND (d.state IS NULL OR (d.state = 'pending' AND d.next_at <= ?)) "
            "ORDER BY e.id, t.target LIMIT ?",
            (*targets, wire_time(now), limit),
        )
        return [DueDelivery(*r) for r in rows]

    async def next_delivery_at(self, targets: list[str]) -> datetime | None:
        """When the earliest waiting retry is due (None: nothing waits)."""
        if not targets:
            return None
        marks = ", ".join("?" * len(targets))
        at = await self._db.scalar(
            f"SELECT min(next_at) FROM hook_deliveries WHERE state = 'pending' AND target IN ({marks})", targets
        )
        return parse_time(at) if at else None

    async def record_delivery(
        self, event_id: int, target: str, *, ok: bool, error: str | None = None, next_at: datetime | None = None
    ) -> None:
        """One try: delivered, or failed with its error and when to try again (`next_at` None: gave up)."""
        now = wire_time(datetime.now(UTC))
        state = DELIVERED if ok else PENDING if next_at is not None else FAILED
        async with self._db.transaction() as conn:
            await execute(
                conn,
                "INSERT INTO hook_deliveries (event_id, target, state, attempts, next_at, last_error, done_at) "
                "VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT (event_id, target) DO UPDATE SET state = excluded.state, "
                "attempts = attempts + 1, next_at = excluded.next_at, last_error = excluded.last_error, "
                "done_at = excluded.done_at",
                (event_id, target, state, wire_time(next_at) if next_at else None, error,
                 now if state != PENDING else None),
            )  # fmt: skip

    async def deliveries(self, batch_id: str | None = None) -> list[Delivery]:
        where, params = ("WHERE e.batch_id = ?", (batch_id,)) if batch_id else ("", ())
        rows = await self._db.fetchall(
            "SELECT d.event_id, e.batch_id, d.target, d.state, d.attempts, d.last_error, d.next_at, d.done_at "
            f"FROM hook_deliveries d JOIN batch_events e ON e.id = d.event_id {where} ORDER BY d.event_id, d.target",
            params,
        )
        return [
            Delivery(r[0], r[1], r[2], r[3], r[4], r[5], parse_time(r[6]) if r[6] else None,
                     parse_time(r[7]) if r[7] else None)
            for r in rows
        ]  # fmt: skip
