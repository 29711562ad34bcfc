"""The emulator's durable state: batches and their requests in SQLite, with progress as a function of time.

All SQLite work runs on one dedicated thread so that a 100k-request create or a results stream never blocks the
event loop (which, in `--demo`, is also the dashboard's loop).
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from batchtui.emulator import prompt_cache, replies
from batchtui.emulator.clock import Clock
from batchtui.emulator.config import EmulatorConfig
from batchtui.emulator.queue import check_queue
from batchtui.emulator.tokens import input_tokens
from batchtui.emulator.validation import params_error, validate_envelope
from batchtui.emulator.wire import ApiError, new_id, rfc3339

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    created_at REAL NOT NULL,
    duration REAL NOT NULL,             -- seconds from creation to the natural end
    expires_at REAL NOT NULL,
    archive_at REAL NOT NULL,
    cancel_initiated_at REAL,
    cancel_seconds REAL NOT NULL,       -- how long `canceling` lasts
    deleted_at REAL,
    n_requests INTEGER NOT NULL,
    final_counts TEXT                   -- JSON request_counts, cached once ended
);
CREATE TABLE IF NOT EXISTS requests (
    batch_seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    custom_id TEXT NOT NULL,
    params TEXT NOT NULL,
    outcome TEXT NOT NULL,              -- succeeded | expired | invalid_request_error | api_error | overloaded_error
    error TEXT,                         -- message for errored outcomes
    done_offset REAL NOT NULL,          -- seconds after creation when this request is processed
    PRIMARY KEY (batch_seq, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS requests_by_done ON requests (batch_seq, done_offset, idx);
-- An ended batch's results never change: encoded once, then served from here (chunk -1 marks "complete"), so
-- the emulator is never the bottleneck of a download.
-- The workspace's prompt cache (prompt_cache.py): an entry per prefix written, alive until expires_at.
CREATE TABLE IF NOT EXISTS prompt_cache (
    key BLOB PRIMARY KEY,
    written_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    ttl REAL NOT NULL                   -- seconds a use keeps it alive
) WITHOUT ROWID;
-- What each request read from and wrote to that cache, decided once when its batch was stored.
CREATE TABLE IF NOT EXISTS request_cache (
    batch_seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    read INTEGER NOT NULL,
    write_5m INTEGER NOT NULL,
    write_1h INTEGER NOT NULL,
    PRIMARY KEY (batch_seq, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS result_cache (
    batch_seq INTEGER NOT NULL,
    chunk INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (batch_seq, chunk)
) WITHOUT ROWID;
"""

COUNT_KEYS = ("processing", "succeeded", "errored", "canceled", "expired")
RESULT_CHUNK_ROWS = 2000

# The effective outcome of a request once its batch has ended; cancel and expiry override the intrinsic one.
_EFFECTIVE = """
CASE WHEN :cancel_off IS NOT NULL AND done_offset > :cancel_off THEN 'canceled'
     WHEN done_offset > :expiry_off THEN 'expired'
     WHEN outcome IN ('succeeded', 'expired') THEN outcome
     ELSE 'errored' END
"""


class EmulatorState:
    def __init__(self, config: EmulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.rng = random.Random(config.seed)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emulator-db")
        self._db: sqlite3.Connection | None = None

    # -- plumbing -------------------------------------------------------------------------------------------

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        if self._db is None:
            await self._run(self._open)

    def _open(self) -> None:
        path = str(self.config.state_path) if self.config.state_path else ":memory:"
        if self.config.state_path:
            self.config.state_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA busy_timeout=5000")  # first: WAL on a new file takes a lock another process may hold
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        db.row_factory = sqlite3.Row
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._run(self._db.close)
            self._db = None
        self._executor.shutdown(wait=True)

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "state is not open"
        return self._db

    # -- lifecycle maths ------------------------------------------------------------------------------------

    @staticmethod
    def end_time(row: sqlite3.Row) -> float:
        end = row["created_at"] + row["duration"]
        if row["cancel_initiated_at"] is not None:
            end = min(end, row["cancel_initiated_at"] + row["cancel_seconds"])
        return min(end, row["expires_at"])

    def _offsets(self, row: sqlite3.Row) -> dict[str, float | None]:
        cancel = row["cancel_initiated_at"]
        return {
            "cancel_off": None if cancel is None else cancel - row["created_at"],
            "expiry_off": row["expires_at"] - row["created_at"],
        }

    def _final_counts(self, row: sqlite3.Row) -> dict[str, int]:
        if row["final_counts"]:
            return json.loads(row["final_counts"])
        counts = dict.fromkeys(COUNT_KEYS, 0)
        sql = f"SELECT {_EFFECTIVE} AS eff, count(*) FROM requests WHERE batch_seq = :seq GROUP BY eff"
        for eff, n in self.db.execute(sql, {"seq": row["seq"], **self._offsets(row)}):
            counts[eff] = n
        self.db.execute("UPDATE batches SET final_counts = ? WHERE seq = ?", (json.dumps(counts), row["seq"]))
        return counts

    def _view(self, row: sqlite3.Row, base_url: str) -> dict:
        """The MessageBatch object at the current time. Every key is always present."""
        now = self.clock.now()
        end = self.end_time(row)
        ended = now >= end
        if ended:
            status = "ended"
            counts = self._final_counts(row)
        else:
            status = "canceling" if row["cancel_initiated_at"] is not None else "in_progress"
            counts = dict.fromkeys(COUNT_KEYS, 0)
            counts["processing"] = row["n_requests"]  # the API reports no progress until the end
        archived = ended and now >= row["archive_at"]
        return {
            "id": row["id"],
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "created_at": rfc3339(row["created_at"]),
            "expires_at": rfc3339(row["expires_at"]),
            "ended_at": rfc3339(end) if ended else None,
            "cancel_initiated_at": rfc3339(row["cancel_initiated_at"]),
            "archived_at": rfc3339(row["archive_at"]) if archived else None,
            "results_url": f"{base_url}/v1/messages/batches/{row['id']}/results" if ended else None,
        }

    def _row(self, batch_id: str, *, include_deleted: bool = False) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
        if row is None or (row["deleted_at"] is not None and not include_deleted):
            raise ApiError("not_found_error", f"message_batch_id: no batch with id '{batch_id}'")
        return row

    # -- create ---------------------------------------------------------------------------------------------

    async def create_from_body(self, body: bytes, base_url: str) -> dict:
        return await self._run(self._create_from_body, body, base_url)

    def _create_from_body(self, body: bytes, base_url: str) -> dict:
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError("invalid_request_error", f"The request body is not valid JSON: {exc}") from None
        requests = validate_envelope(parsed)
        del parsed
        # On the state thread, like the insert below: two creates cannot both take the last room in the queue.
        check_queue(self.db, self.clock.now(), self.config.queue_limit, len(requests))
        duration = self.config.batch_seconds * self.rng.uniform(0.7, 1.3)
        row = self.insert_batch(requests, created_at=self.clock.now(), duration=duration)
        return self._view(row, base_url)

    def insert_batch(
        self,
        requests: list[dict],
        *,
        created_at: float,
        duration: float,
        cancel_initiated_at: float | None = None,
        cancel_seconds: float | None = None,
        expiry_seconds: float | None = None,
        error_rate: float | None = None,
        expire_rate: float | None = None,
    ) -> sqlite3.Row:
        """Store a validated batch and decide each request's fate. Runs on the state thread (or before serving)."""
        cfg = self.config
        error_rate = cfg.error_rate if error_rate is None else error_rate
        expire_rate = cfg.expire_rate if expire_rate is None else expire_rate
        db = self.db
        batch_id = new_id("msgbatch_", self.rng)
        while db.execute("SELECT 1 FROM batches WHERE id = ?", (batch_id,)).fetchone() is not None:
            # A seeded emulator reopened on its own state file mints the same id sequence again; skip taken ids
            # (without this the first create after a restart failed with a UNIQUE-constraint 500).
            batch_id = new_id("msgbatch_", self.rng)
        outcome_rng = random.Random(self.rng.random())
        db.execute("BEGIN")
        try:
            cur = db.execute(
                "INSERT INTO batches (id, created_at, duration, expires_at, archive_at, cancel_initiated_at,"
                " cancel_seconds, n_requests) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    batch_id,
                    created_at,
                    duration,
                    created_at + (expiry_seconds if expiry_seconds is not None else cfg.expiry_seconds),
                    created_at + cfg.archive_seconds,
                    cancel_initiated_at,
                    cancel_seconds if cancel_seconds is not None else cfg.cancel_seconds,
                    len(requests),
                ),
            )
            seq = cur.lastrowid
            cached: list[tuple[float, int, dict]] = []  # requests that mark a cache breakpoint, and their times

            def rows():
                for idx, req in enumerate(requests):
                    params = req["params"]
                    error = params_error(params)
                    r = outcome_rng.random()
                    if error is not None:
                        outcome = "invalid_request_error"
                    elif r < error_rate:
                        outcome = "api_error" if outcome_rng.random() < 0.5 else "overloaded_error"
                        error = replies.TRANSIENT_MESSAGES[outcome]
                    elif r < error_rate + expire_rate:
                        outcome = "expired"
                    else:
                        outcome = "succeeded"
                    done = duration * outcome_rng.random()
                    encoded = json.dumps(params, separators=(",", ":"))
                    if outcome == "succeeded" and '"cache_control"' in encoded:
                        cached.append((done, idx, params))
                    yield (seq, idx, req["custom_id"], encoded, outcome, error, done)

            db.executemany("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?)", rows())
            cancel_off = None if cancel_initiated_at is None else cancel_initiated_at - created_at
            expiry_off = expiry_seconds if expiry_seconds is not None else cfg.expiry_seconds
            self._use_prompt_cache(seq, created_at, cached, cancel_off, expiry_off)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return self._row(batch_id)

    def _use_prompt_cache(
        self, seq: int, created_at: float, cached: list[tuple[float, int, dict]], cancel: float | None, expiry: float
    ) -> None:
        """Run the requests that mark breakpoints through the workspace's cache in processing order (in the
        batch's transaction); a request canceled or expired before its turn never reaches it."""
        db = self.db
        for done, idx, params in sorted(cached, key=lambda c: (c[0], c[1])):
            if (cancel is not None and done > cancel) or done > expiry:
                continue
            at = created_at + done

            def live(key: bytes, at: float = at) -> bool:
                sql = "SELECT 1 FROM prompt_cache WHERE key = ? AND written_at <= ? AND expires_at > ?"
                return db.execute(sql, (key, at, at)).fetchone() is not None

            bounds = prompt_cache.boundaries(params, input_tokens(params))
            use = prompt_cache.use(bounds, prompt_cache.minimum_tokens(params.get("model")), live)
            if use.read_key is not None:  # a hit keeps the entry alive for another TTL
                db.execute(
                    "UPDATE prompt_cache SET expires_at = max(expires_at, ? + ttl) WHERE key = ?", (at, use.read_key)
                )
            for key, ttl in use.writes:
                seconds = prompt_cache.TTL_SECONDS[ttl]
                db.execute(
                    "INSERT INTO prompt_cache VALUES (:key, :at, :until, :ttl) ON CONFLICT (key) DO UPDATE SET "
                    "written_at = CASE WHEN expires_at <= :at THEN :at ELSE min(written_at, :at) END, "
                    "expires_at = CASE WHEN expires_at <= :at THEN :until ELSE max(expires_at, :until) END, "
                    "ttl = max(ttl, :ttl)",
                    {"key": key, "at": at, "until": at + seconds, "ttl": seconds},
                )
            if use.cached:
                db.execute(
                    "INSERT OR REPLACE INTO request_cache VALUES (?, ?, ?, ?, ?)",
                    (seq, idx, use.read, use.write_5m, use.write_1h),
                )

    # -- read / list ----------------------------------------------------------------------------------------

    async def run(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the state thread (for seeding and tests)."""
        return await self._run(fn, *args)

    async def request_params(self, batch_id: str) -> list[tuple[str, str]]:
        """(custom_id, params JSON) of a batch's requests in order: what its submitter would have on file."""
        sql = (
            "SELECT r.custom_id, r.params FROM requests r JOIN batches b ON b.seq = r.batch_seq "
            "WHERE b.id = ? ORDER BY r.idx"
        )
        return await self._run(lambda: [(c, p) for c, p in self.db.execute(sql, (batch_id,))])

    def is_empty(self) -> bool:
        return self.db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0

    async def get(self, batch_id: str, base_url: str) -> dict:
        return await self._run(lambda: self._view(self._row(batch_id), base_url))

    async def list_page(self, limit: int, after_id: str | None, before_id: str | None, base_url: str) -> dict:
        return await self._run(self._list_page, limit, after_id, before_id, base_url)

    def _list_page(self, limit: int, after_id: str | None, before_id: str | None, base_url: str) -> dict:
        live = "deleted_at IS NULL"
        if before_id is not None:
            pivot = self._row(before_id, include_deleted=True)["seq"]
            rows = self.db.execute(
                f"SELECT * FROM batches WHERE {live} AND seq > ? ORDER BY seq ASC LIMIT ?", (pivot, limit + 1)
            ).fetchall()
            has_more = len(rows) > limit
            rows = list(reversed(rows[:limit]))
        else:
            if after_id is not None:
                pivot = self._row(after_id, include_deleted=True)["seq"]
                sql, args = f"SELECT * FROM batches WHERE {live} AND seq < ? ORDER BY seq DESC LIMIT ?", (pivot,)
            else:
                sql, args = f"SELECT * FROM batches WHERE {live} ORDER BY seq DESC LIMIT ?", ()
            rows = self.db.execute(sql, (*args, limit + 1)).fetchall()
            has_more = len(rows) > limit
            rows = rows[:limit]
        data = [self._view(r, base_url) for r in rows]
        return {
            "data": data,
            "has_more": has_more,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }

    # -- cancel / delete ------------------------------------------------------------------------------------

    async def cancel(self, batch_id: str, base_url: str) -> dict:
        return await self._run(self._cancel, batch_id, base_url)

    def _cancel(self, batch_id: str, base_url: str) -> dict:
        row = self._row(batch_id)
        now = self.clock.now()
        if now >= self.end_time(row):
            # 400, not 409: the SDK retries 409 and 5xx, and retrying cannot help here.
            raise ApiError(
                "invalid_request_error",
                f"Batch '{batch_id}' has already ended and cannot be canceled.",
            )
        if row["cancel_initiated_at"] is None:
            self.db.execute("UPDATE batches SET cancel_initiated_at = ? WHERE seq = ?", (now, row["seq"]))
            row = self._row(batch_id)
        return self._view(row, base_url)

    async def delete(self, batch_id: str) -> dict:
        return await self._run(self._delete, batch_id)

    def _delete(self, batch_id: str) -> dict:
        row = self._row(batch_id)
        if self.clock.now() < self.end_time(row):
            status = "canceling" if row["cancel_initiated_at"] is not None else "in_progress"
            raise ApiError(
                "invalid_request_error",
                f"Batch '{batch_id}' is {status}; only ended batches can be deleted. Cancel it first.",
            )
        db = self.db
        db.execute("BEGIN")
        db.execute("UPDATE batches SET deleted_at = ? WHERE seq = ?", (self.clock.now(), row["seq"]))
        db.execute("DELETE FROM requests WHERE batch_seq = ?", (row["seq"],))
        db.execute("DELETE FROM result_cache WHERE batch_seq = ?", (row["seq"],))
        db.execute("DELETE FROM request_cache WHERE batch_seq = ?", (row["seq"],))
        db.execute("COMMIT")
        return {"id": batch_id, "type": "message_batch_deleted"}

    # -- results --------------------------------------------------------------------------------------------

    async def open_results(self, batch_id: str) -> sqlite3.Row:
        """Check that results can be served now; raise the API error otherwise."""
        return await self._run(self._open_results, batch_id)

    def _open_results(self, batch_id: str) -> sqlite3.Row:
        row = self._row(batch_id)
        now = self.clock.now()
        if now < self.end_time(row):
            status = "canceling" if row["cancel_initiated_at"] is not None else "in_progress"
            raise ApiError(
                "invalid_request_error",
                f"Batch '{batch_id}' has not finished processing (processing_status: {status}); "
                "results are available once it has ended.",
            )
        if now >= row["archive_at"]:
            raise ApiError(
                "not_found_error",
                f"Results of batch '{batch_id}' were archived 29 days after creation and are no longer available.",
            )
        return row

    async def result_chunks(self, row: sqlite3.Row) -> AsyncIterator[bytes]:
        """The results JSONL in processing order, RESULT_CHUNK_ROWS lines at a time: never the whole batch."""
        if await self._run(self._cached_complete, row["seq"]):
            chunk_no = 0
            while (data := await self._run(self._cached_chunk, row["seq"], chunk_no)) is not None:
                yield data
                chunk_no += 1
            return
        cursor: tuple[float, int] = (-1.0, -1)
        chunk_no = 0
        while True:
            chunk, cursor = await self._run(self._result_chunk, row, cursor, chunk_no)
            if not chunk:
                await self._run(self._cache_put, row["seq"], -1, b"")
                return
            yield chunk
            chunk_no += 1

    def _cached_complete(self, seq: int) -> bool:
        return (
            self.db.execute("SELECT 1 FROM result_cache WHERE batch_seq = ? AND chunk = -1", (seq,)).fetchone()
            is not None
        )

    def _cached_chunk(self, seq: int, chunk_no: int) -> bytes | None:
        found = self.db.execute(
            "SELECT data FROM result_cache WHERE batch_seq = ? AND chunk = ?", (seq, chunk_no)
        ).fetchone()
        return None if found is None else found[0]

    def _cache_put(self, seq: int, chunk_no: int, data: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO result_cache VALUES (?, ?, ?)", (seq, chunk_no, data))

    def _result_chunk(
        self, row: sqlite3.Row, cursor: tuple[float, int], chunk_no: int
    ) -> tuple[bytes, tuple[float, int]]:
        sql = (
            f"SELECT r.idx, r.custom_id, r.params, r.outcome, r.error, r.done_offset, {_EFFECTIVE} AS eff, "
            "c.read, c.write_5m, c.write_1h FROM requests AS r "
            "LEFT JOIN request_cache AS c ON c.batch_seq = r.batch_seq AND c.idx = r.idx "
            "WHERE r.batch_seq = :seq AND (r.done_offset, r.idx) > (:d, :i) ORDER BY r.done_offset, r.idx LIMIT :n"
        )
        args = {"seq": row["seq"], "d": cursor[0], "i": cursor[1], "n": RESULT_CHUNK_ROWS, **self._offsets(row)}
        lines: list[str] = []
        last = cursor
        for r in self.db.execute(sql, args):
            eff = r["eff"]
            if eff == "succeeded":
                cache = None if r["read"] is None else (r["read"], r["write_5m"], r["write_1h"])
                result = replies.succeeded(row["id"], r["custom_id"], json.loads(r["params"]), cache)
            elif eff == "errored":
                result = replies.errored(r["outcome"], r["error"])
            else:
                result = {"type": eff}
            lines.append(json.dumps({"custom_id": r["custom_id"], "result": result}, separators=(",", ":")))
            last = (r["done_offset"], r["idx"])
        if not lines:
            return b"", last
        data = ("\n".join(lines) + "\n").encode()
        self._cache_put(row["seq"], chunk_no, data)
        return data, last
