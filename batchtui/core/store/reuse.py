"""Answer reuse in the store: find stored succeeded answers by params hash, record what a submission reuses (before
anything is sent), and materialise the reused answers as result rows of the batch that shows them.

A reused row is a copy of its source's row under the new custom_id, with `reused_from`, `reused_custom_id` and
`reuse_saved_usd` (the source's cost) set and its own cost $0: nothing was paid for it in this batch, so batch totals
and the covering index's sums stay right without reading a single extra column. Its raw line is the source's with
the new custom_id and a `reused_from` object, so a JSONL export names the request as the new file does.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice

import aiosqlite

from batchtui.core.models import BatchRecord
from batchtui.core.reuse import LOCAL_PREFIX, ReuseSource
from batchtui.core.store.base import StoreBase
from batchtui.core.store.batches import wire_time
from batchtui.core.store.db import execute, executemany
from batchtui.core.store.search import drop_search_index

REUSE_CHUNK = 2000
ReuseRow = tuple[str, str, str, float | None]  # (custom_id, source batch id, source custom_id, saved_usd)

# Stored requests come in two kinds: sent as their file had them (params_hash), or changed on the way (auto-cache
# breakpoints: reuse_hash holds the file's params). Only a created submission's own, succeeded answers count:
# never a reused copy, never a local batch, never a batch that ended before `since`.
_ANSWERED = """
WITH wanted(h) AS (SELECT value FROM json_each(:hashes)),
matched(h, submission_id, custom_id) AS (
    SELECT w.h, q.submission_id, q.custom_id FROM wanted AS w
    JOIN requests AS q INDEXED BY requests_by_reuse_hash ON q.reuse_hash = w.h
    UNION ALL
    SELECT w.h, q.submission_id, q.custom_id FROM wanted AS w
    JOIN requests AS q INDEXED BY requests_by_hash ON q.params_hash = w.h
    WHERE q.reuse_hash IS NULL
)
SELECT m.h, b.id, m.custom_id, r.cost_usd, b.ended_at
FROM matched AS m
JOIN submissions AS s ON s.id = m.submission_id AND s.state = 'created'
JOIN batches AS b ON b.id = s.batch_id
JOIN results AS r ON r.batch_key = b.key AND r.custom_id = m.custom_id
WHERE b.local = 0 AND b.ended_at >= :since AND r.result_type = 'succeeded' AND r.reused_from IS NULL
"""

_MATERIALISE = """
INSERT INTO results (
    batch_key, custom_id, result_type, raw, text, model, stop_reason, error_type, error_message, input_tokens,
    output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, cache_saved_usd,
    reused_from, reused_custom_id, reuse_saved_usd
)
SELECT :key, u.custom_id, src.result_type,
    CASE WHEN json_valid(src.raw) THEN json_set(src.raw, '$.custom_id', u.custom_id, '$.reused_from',
        json_object('batch_id', u.source_batch_id, 'custom_id', u.source_custom_id, 'saved_usd', u.saved_usd))
    ELSE src.raw END,
    src.text, src.model, src.stop_reason, src.error_type, src.error_message, src.input_tokens, src.output_tokens,
    src.cache_creation_input_tokens, src.cache_read_input_tokens, 0, 0,
    u.source_batch_id, u.source_custom_id, u.saved_usd
FROM reuses AS u
JOIN batches AS sb ON sb.id = u.source_batch_id
JOIN results AS src ON src.batch_key = sb.key AND src.custom_id = u.source_custom_id
WHERE u.owner IN (SELECT value FROM json_each(:owners))
ON CONFLICT (batch_key, custom_id) DO NOTHING
"""

_SUMS = """
UPDATE batches SET
    reused_rows = (SELECT count(*) FROM results INDEXED BY results_reused
                   WHERE batch_key = :key AND reused_from IS NOT NULL),
    reuse_saved_usd = (SELECT total(reuse_saved_usd) FROM results INDEXED BY results_reused
                       WHERE batch_key = :key AND reused_from IS NOT NULL),
    reuse_unpriced = (SELECT count(*) FROM results INDEXED BY results_reused
                      WHERE batch_key = :key AND reused_from IS NOT NULL AND reuse_saved_usd IS NULL),
    results_rows = CASE WHEN results_state = 'complete'
        THEN (SELECT count(*) FROM results INDEXED BY results_scan WHERE batch_key = :key) ELSE results_rows END
WHERE key = :key
"""


def new_local_batch_id() -> str:
    return LOCAL_PREFIX + secrets.token_hex(12)


def _now() -> str:
    return wire_time(datetime.now(UTC))  # type: ignore[return-value]


async def materialise_reuses(conn: aiosqlite.Connection, submission_id: str) -> int:
    """Copy the answers a created submission reused (and, for a group's first part, its group's) into its batch's
    results, inside the caller's transaction. Idempotent; nothing while the batch row is not stored yet (the
    download's `finish_results` does it then). Returns the rows added."""
    rows = await conn.execute_fetchall(
        "SELECT s.group_id, s.group_part, b.key, b.id FROM submissions AS s JOIN batches AS b ON b.id = s.batch_id "
        "WHERE s.id = ? AND s.state = 'created'",
        (submission_id,),
    )
    row = next(iter(rows), None)
    if row is None:
        return 0
    group_id, part, key, batch_id = row
    owners = json.dumps([submission_id, *([group_id] if group_id and part == 1 else [])])
    found = await conn.execute_fetchall(
        "SELECT 1 FROM reuses WHERE owner IN (SELECT value FROM json_each(?)) LIMIT 1", (owners,)
    )
    if not list(found):
        return 0  # the usual case: a submission that reused nothing
    added = await execute(conn, _MATERIALISE, {"key": key, "owners": owners})  # type: ignore[arg-type]
    await execute(conn, _SUMS, {"key": key})  # type: ignore[arg-type]
    if added:
        await drop_search_index(conn, batch_id)  # the next search indexes the new rows too
    return added


async def materialise_for_batch(conn: aiosqlite.Connection, batch_id: str) -> int:
    """`materialise_reuses` for the created submission of this batch, if any (a results download calls it)."""
    rows = await conn.execute_fetchall(
        "SELECT id FROM submissions WHERE batch_id = ? AND state = 'created'", (batch_id,)
    )
    row = next(iter(rows), None)
    return 0 if row is None else await materialise_reuses(conn, row[0])


class ReuseMixin(StoreBase):
    async def answered(self, hashes: Sequence[str], *, since: datetime | None = None) -> dict[str, ReuseSource]:
        """For each params hash answered successfully in the cache (by a batch that ended at `since` or later), the
        newest such answer. One query: callers pass a chunk of hashes (a thousand or so) at a time."""
        if not hashes:
            return {}
        rows = await self._db.fetchall(
            _ANSWERED,
            {"hashes": json.dumps(list(hashes)), "since": wire_time(since) if since else ""},  # type: ignore[arg-type]
        )
        best: dict[str, ReuseSource] = {}
        for h, batch_id, custom_id, cost, ended in rows:
            if _better(ended, batch_id, custom_id, best.get(h)):
                best[h] = ReuseSource(batch_id, custom_id, cost, ended)
        return best

    async def recorded_reuses(self, owner: str, custom_ids: Sequence[str]) -> dict[str, ReuseSource]:
        """What `owner` (a group being continued) recorded it reuses, for these custom_ids."""
        if not custom_ids:
            return {}
        rows = await self._db.fetchall(
            "SELECT u.custom_id, u.source_batch_id, u.source_custom_id, u.saved_usd, coalesce(b.ended_at, '') "
            "FROM reuses AS u LEFT JOIN batches AS b ON b.id = u.source_batch_id "
            "WHERE u.owner = ? AND u.custom_id IN (SELECT value FROM json_each(?))",
            (owner, json.dumps(list(custom_ids))),
        )
        return {r[0]: ReuseSource(r[1], r[2], r[3], r[4]) for r in rows}

    async def record_reuses(self, owner: str, rows: Iterable[ReuseRow]) -> int:
        """Record, durably and before anything is sent, the answers `owner` takes from the cache. Streams `rows`
        a chunk at a time in one transaction; an answer already recorded for a custom_id is kept."""
        total = 0
        source = iter(rows)
        async with self._db.transaction(durable=True) as conn:
            total = await insert_reuses(conn, owner, source)
        return total

    async def set_reuse_hashes(self, submission_id: str, rows: Iterable[tuple[str, str]]) -> int:
        """(custom_id, hash of its params as the file had them) for requests sent changed (auto-cache marks)."""
        total = 0
        source = iter(rows)
        async with self._db.transaction() as conn:
            while chunk := list(islice(source, REUSE_CHUNK)):
                await executemany(
                    conn,
                    "UPDATE requests SET reuse_hash = ? WHERE submission_id = ? AND custom_id = ?",
                    [(h, submission_id, cid) for cid, h in chunk],
                )
                total += len(chunk)
        return total

    async def record_local_batch(
        self,
        *,
        label: str | None,
        source_file: str | None,
        source_digest: str,
        reused: Iterable[ReuseRow],
    ) -> BatchRecord:
        """Every request of a file was answered from the cache: nothing is sent, and the answers get a batch of
        their own (local: never on the API) so they can be read and exported under one id. One durable
        transaction: the submission, the batch, the reuses and the result rows exist together or not at all."""
        batch_id, submission_id, now = new_local_batch_id(), secrets.token_hex(16), _now()
        async with self._db.transaction(durable=True) as conn:
            await execute(
                conn,
                "INSERT INTO submissions (id, state, source_file, label, request_count, body_bytes, params_digest, "
                "created_at, sent_at, batch_id, source_digest) VALUES (?, 'created', ?, ?, 0, 0, ?, ?, NULL, ?, ?)",
                (submission_id, source_file, label, source_digest, now, batch_id, source_digest),
            )
            count = await insert_reuses(conn, submission_id, iter(reused))
            await execute(
                conn,
                "INSERT INTO batches (id, processing_status, count_succeeded, created_at, ended_at, label, "
                "source_file, submission_id, results_state, cost_usd, cache_saved_usd, last_synced_at, local) "
                "VALUES (?, 'ended', ?, ?, ?, ?, ?, ?, 'complete', 0, 0, ?, 1)",
                (batch_id, count, now, now, label, source_file, submission_id, now),
            )
            await materialise_reuses(conn, submission_id)
        batch = await self.get_batch(batch_id)  # type: ignore[attr-defined]
        assert batch is not None
        return batch


async def insert_reuses(conn: aiosqlite.Connection, owner: str, rows: Iterable[ReuseRow]) -> int:
    """Stream `rows` into `reuses` for `owner`, inside the caller's transaction, a chunk at a time."""
    total = 0
    source = iter(rows)
    while chunk := list(islice(source, REUSE_CHUNK)):
        await executemany(
            conn,
            "INSERT INTO reuses (owner, custom_id, source_batch_id, source_custom_id, saved_usd) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner, custom_id) DO NOTHING",
            [(owner, *row) for row in chunk],
        )
        total += len(chunk)
    return total


def _better(ended: str, batch_id: str, custom_id: str, than: ReuseSource | None) -> bool:
    """The newest answer wins; ties go to the smaller batch id, then custom_id: the same cache, the same answer."""
    if than is None or ended != than.ended_at:
        return than is None or ended > than.ended_at
    return (batch_id, custom_id) < (than.batch_id, than.custom_id)
