"""Submitted requests (custom_id → params): shown beside their answers, resubmitted on failure, and found again by
`params_hash` when an identical request was already answered."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from itertools import islice

from batchtui.core.models import params_hash
from batchtui.core.store.base import StoreBase
from batchtui.core.store.db import execute, executemany
from batchtui.core.store.errors import InvalidTransitionError, NotFoundError
from batchtui.core.store.search import drop_search_index

REQUEST_CHUNK = 2000

_INSERT = """
INSERT INTO requests (submission_id, custom_id, params, params_hash) VALUES (?, ?, ?, ?)
ON CONFLICT (submission_id, custom_id) DO UPDATE SET params = excluded.params, params_hash = excluded.params_hash
"""


_INHERIT = """
UPDATE requests SET reuse_hash = (
    SELECT p.reuse_hash FROM submissions AS ps JOIN requests AS p ON p.submission_id = ps.id
    WHERE ps.batch_id = :parent AND p.custom_id = requests.custom_id AND p.params_hash = requests.params_hash
)
WHERE submission_id = :sub AND reuse_hash IS NULL
"""


class RequestsMixin(StoreBase):
    async def add_requests(self, submission_id: str, rows: Iterable[tuple[str, str]]) -> int:
        """Store (custom_id, params_json) rows in one transaction, streaming: `rows` may be a generator over a
        100k-line file and is read one chunk at a time. Returns the number of rows stored."""

        def with_hash(row: tuple[str, str]) -> tuple[str, str, str, str]:
            custom_id, params = row
            return (submission_id, custom_id, params, params_hash(params))

        total = 0
        source = iter(rows)
        async with self._db.transaction() as conn:
            while chunk := list(islice(source, REQUEST_CHUNK)):
                # `map` is consumed by sqlite3 on the connection's thread: hashing stays off the event loop.
                await executemany(conn, _INSERT, map(with_hash, chunk))
                total += len(chunk)
            linked = await conn.execute_fetchall(
                "SELECT batch_id, parent_batch_id FROM submissions WHERE id = ?", (submission_id,)
            )
            batch_id, parent = next(iter(linked), (None, None))
            if parent is not None and total:
                # A retry sends its parent's requests as sent (auto-cache marks included): each keeps the hash its
                # file had, so a later identical file finds the retry's answer too (core/store/reuse.py).
                await execute(conn, _INHERIT, {"sub": submission_id, "parent": parent})
            if batch_id is not None and total:
                # An index built before these prompts arrived (the demo copies them in after its first listing)
                # would never find a word of them.
                await drop_search_index(conn, batch_id)
        return total

    async def link_requests(self, submission_id: str, batch_id: str) -> None:
        """Tie a submission's requests to the batch its create made. Requests reach their batch through
        `submissions.batch_id`, which `mark_submission_created` already sets: this is then a no-op check."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall("SELECT batch_id FROM submissions WHERE id = ?", (submission_id,))
            row = next(iter(rows), None)
            if row is None:
                raise NotFoundError(f"no submission {submission_id!r} in the store")
            if row[0] == batch_id:
                return
            if row[0] is not None:
                raise InvalidTransitionError(f"submission {submission_id} is already linked to batch {row[0]}")
            try:
                await execute(conn, "UPDATE submissions SET batch_id = ? WHERE id = ?", (batch_id, submission_id))
            except sqlite3.IntegrityError as exc:  # submissions_by_batch: one submission per batch
                raise InvalidTransitionError(f"batch {batch_id} is already linked to another submission") from exc
            await drop_search_index(conn, batch_id)  # its documents now have prompts

    async def get_request_params(self, batch_id: str, custom_id: str) -> str | None:
        """The params JSON text as submitted, or None when the batch was not submitted through batchtui. A reused
        answer's (`submit --reuse`) are those of the request it was copied from: identical, as the file had them."""
        params = await self._db.scalar(
            "SELECT r.params FROM submissions AS s JOIN requests AS r ON r.submission_id = s.id "
            "WHERE s.batch_id = ? AND r.custom_id = ?",
            (batch_id, custom_id),
        )
        if params is None:
            source = await self._db.fetchone(
                "SELECT r.reused_from, r.reused_custom_id FROM results AS r JOIN batches AS b ON b.key = r.batch_key "
                "WHERE b.id = ? AND r.custom_id = ? AND r.reused_from IS NOT NULL",
                (batch_id, custom_id),
            )
            if source is not None and source[0] != batch_id:
                return await self.get_request_params(source[0], source[1])
        return params

    async def iter_batch_requests(self, batch_id: str, *, chunk: int = 2000) -> AsyncIterator[tuple[str, str]]:
        """(custom_id, params JSON) of every request submitted as this batch, in custom_id order, `chunk` rows per
        query (keyset pagination: a 100k-request batch is never held in memory). Nothing for a batch created
        elsewhere."""
        after = ""
        while True:
            rows = await self._db.fetchall(
                "SELECT r.custom_id, r.params FROM submissions AS s JOIN requests AS r ON r.submission_id = s.id "
                "WHERE s.batch_id = ? AND r.custom_id > ? ORDER BY r.custom_id LIMIT ?",
                (batch_id, after, chunk),
            )
            for row in rows:
                yield row[0], row[1]
            if len(rows) < chunk:
                return
            after = rows[-1][0]

    async def find_by_params_hash(self, digest: str) -> list[tuple[str, str]]:
        """(batch_id, custom_id) of every submitted request with these exact params, oldest submission first."""
        rows = await self._db.fetchall(
            "SELECT s.batch_id, r.custom_id FROM requests AS r JOIN submissions AS s ON s.id = r.submission_id "
            "WHERE r.params_hash = ? AND s.batch_id IS NOT NULL ORDER BY s.created_at, r.custom_id",
            (digest,),
        )
        return [(r[0], r[1]) for r in rows]
