"""Schema migrations, driven by `PRAGMA user_version`: step N upgrades a version-N database to N+1.

Never edit a released step; append a new one. Each step runs in its own transaction with the version bump, so a
crash mid-upgrade leaves the previous version intact.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from batchtui.core.store.cache_backfill import price_cache_savings
from batchtui.core.store.costs import BATCH_CACHE_SAVED_SQL, CACHED_ROWS, UNPRICED_ROWS
from batchtui.core.store.db import run, run_in_turn
from batchtui.core.store.errors import SchemaTooNewError
from batchtui.core.store.queue_schema import QUEUE_STEP
from batchtui.core.store.reuse_schema import REUSE_STEP

# A step is SQL, or (rarely: a figure SQL cannot compute) a coroutine run on the connection in the same transaction.
Step = str | Callable[[aiosqlite.Connection], Awaitable[None]]

# v1: batches, the submission log, submitted requests and results.
_V1 = (
    """
    CREATE TABLE batches (
        key INTEGER PRIMARY KEY,           -- results refer to this: index entries 2-3x smaller than with the id
        id TEXT NOT NULL UNIQUE,
        processing_status TEXT NOT NULL,
        count_processing INTEGER NOT NULL DEFAULT 0,
        count_succeeded INTEGER NOT NULL DEFAULT 0,
        count_errored INTEGER NOT NULL DEFAULT 0,
        count_canceled INTEGER NOT NULL DEFAULT 0,
        count_expired INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,          -- RFC 3339, always ...%fZ so text order is time order
        expires_at TEXT,
        ended_at TEXT,
        cancel_initiated_at TEXT,
        archived_at TEXT,
        results_url TEXT,
        -- local fields: never written by upsert_batches
        label TEXT,
        source_file TEXT,
        submission_id TEXT,
        parent_batch_id TEXT,
        results_state TEXT NOT NULL DEFAULT 'none',
        results_rows INTEGER NOT NULL DEFAULT 0,
        results_error TEXT,
        cost_usd REAL,
        last_synced_at TEXT,
        last_request_id TEXT,
        deleted_remotely INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX batches_by_created ON batches (created_at DESC, id)",
    "CREATE INDEX batches_by_status ON batches (processing_status)",
    """
    CREATE TABLE submissions (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('recorded', 'sending', 'created', 'failed', 'unknown')),
        source_file TEXT,
        label TEXT,
        request_count INTEGER NOT NULL,
        body_bytes INTEGER NOT NULL,
        params_digest TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        batch_id TEXT,
        error TEXT,
        parent_batch_id TEXT
    )
    """,
    # One create makes one batch: a batch id can belong to one submission only.
    "CREATE UNIQUE INDEX submissions_by_batch ON submissions (batch_id) WHERE batch_id IS NOT NULL",
    "CREATE INDEX submissions_by_state ON submissions (state)",
    # Requests reach their batch through submissions.batch_id, so linking them is one row update, not 100k.
    """
    CREATE TABLE requests (
        submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
        custom_id TEXT NOT NULL,
        params TEXT NOT NULL,
        params_hash TEXT NOT NULL,
        PRIMARY KEY (submission_id, custom_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX requests_by_hash ON requests (params_hash)",
    """
    CREATE TABLE results (
        batch_key INTEGER NOT NULL REFERENCES batches (key) ON DELETE CASCADE,
        custom_id TEXT NOT NULL,
        result_type TEXT NOT NULL,
        text TEXT,
        model TEXT,
        stop_reason TEXT,
        error_type TEXT,
        error_message TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cache_creation_input_tokens INTEGER,
        cache_read_input_tokens INTEGER,
        cost_usd REAL,
        raw TEXT NOT NULL,
        UNIQUE (batch_key, custom_id)
    )
    """,
    # Covering index for every non-text filter, the custom_id order, the per-type counts and the cost sum: a
    # filtered count or page over 100k rows walks this small index and reads only the rows it returns.
    "CREATE INDEX results_scan ON results (batch_key, custom_id, result_type, error_type, cost_usd)",
)

# v2: full-text search over prompts and answers, built lazily per batch (see search.py).
_V2 = (
    """
    CREATE VIRTUAL TABLE results_fts USING fts5 (
        prompt, answer, tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TABLE search_index (
        batch_key INTEGER PRIMARY KEY REFERENCES batches (key) ON DELETE CASCADE,
        cursor TEXT,                       -- last custom_id indexed while building
        complete INTEGER NOT NULL DEFAULT 0
    )
    """,
)

# v3: a reconcile that is never wrong. A submission whose create outcome is unknown may hold a *candidate* batch
# (probably its own: the single unclaimed batch of its size and time) until that batch ends and its custom_ids are
# compared; batches found not to be its own are remembered, so the search goes on without them.
_V3 = (
    "ALTER TABLE submissions ADD COLUMN candidate_batch_id TEXT",
    "CREATE UNIQUE INDEX submissions_by_candidate ON submissions (candidate_batch_id) "
    "WHERE candidate_batch_id IS NOT NULL",
    """
    CREATE TABLE submission_rejections (
        submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
        batch_id TEXT NOT NULL,
        PRIMARY KEY (submission_id, batch_id)
    ) WITHOUT ROWID
    """,
)

# v4: submissions carried by a Temporal workflow (batchtui/temporal): the workflow's id, and the phase its
# activities last reached, so the dashboard can show both from the cache alone.
_V4 = (
    "ALTER TABLE submissions ADD COLUMN workflow_id TEXT",
    "ALTER TABLE submissions ADD COLUMN workflow_phase TEXT",
)

# v5: completion hooks (service/hooks.py). Every end of a batch this cache saw running is logged in the same
# transaction as the status change, so a crash cannot lose one; each hook (a webhook URL or a command) fires for
# the ends logged after it was first armed, once, with its attempts and next try kept per (end, hook).
_V5 = (
    """
    CREATE TABLE batch_events (
        id INTEGER PRIMARY KEY,
        batch_id TEXT NOT NULL,
        kind TEXT NOT NULL,                -- 'ended'
        at TEXT NOT NULL                   -- when this cache saw it
    )
    """,
    """
    CREATE TABLE hook_targets (
        target TEXT PRIMARY KEY,           -- 'webhook <url>' or 'command <shell command>'
        armed_at TEXT NOT NULL,
        armed_after INTEGER NOT NULL       -- it fires for batch_events with a greater id
    )
    """,
    """
    CREATE TABLE hook_deliveries (
        event_id INTEGER NOT NULL REFERENCES batch_events (id) ON DELETE CASCADE,
        target TEXT NOT NULL,
        state TEXT NOT NULL,               -- pending, delivered, failed (gave up)
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at TEXT,
        last_error TEXT,
        done_at TEXT,
        PRIMARY KEY (event_id, target)
    ) WITHOUT ROWID
    """,
)

# v6: metadata of a submitted request (the extra columns of a CSV row, the extra keys of a simple JSON item), a
# JSON object: kept locally and exported beside the request's result, never sent to the API.
_V6 = ("ALTER TABLE requests ADD COLUMN metadata TEXT",)

# v7: a batch's total cost is unknown (NULL) when a billed result has no known price, no longer the sum of the
# priced ones passed off as the whole; and $0, not NULL, when nothing was billed. Recomputed for stored batches.
_V7 = (
    """
    UPDATE batches SET cost_usd = (
        SELECT CASE WHEN sum(r.cost_usd IS NULL AND r.result_type NOT IN ('errored', 'canceled', 'expired')) > 0
                    THEN NULL ELSE total(r.cost_usd) END
        FROM results AS r INDEXED BY results_scan WHERE r.batch_key = batches.key
    )
    WHERE results_state = 'complete'
    """,
)

# v8: groups. A file over one batch's limits is sent as several batches (its parts), each a normal submission
# linked to its group with its 1-based part number. The plan (every part's size and body digest) is recorded
# before the first part is sent, so submitting the same file again finds the group by its digest and continues it.
_V8 = (
    """
    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,                -- --label, or the file's name
        source_file TEXT,
        digest TEXT NOT NULL,              -- sha256 over the parts' body digests, in order
        request_count INTEGER NOT NULL,
        body_bytes INTEGER NOT NULL,
        part_count INTEGER NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX groups_by_digest ON groups (digest, created_at)",
    """
    CREATE TABLE group_parts (
        group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        part INTEGER NOT NULL,             -- 1-based, in file order
        request_count INTEGER NOT NULL,
        body_bytes INTEGER NOT NULL,
        params_digest TEXT NOT NULL,       -- the part's create body, as its submissions carry it
        first_custom_id TEXT,
        last_custom_id TEXT,
        PRIMARY KEY (group_id, part)
    ) WITHOUT ROWID
    """,
    "ALTER TABLE submissions ADD COLUMN group_id TEXT",
    "ALTER TABLE submissions ADD COLUMN group_part INTEGER",
    "CREATE INDEX submissions_by_group ON submissions (group_id, group_part) WHERE group_id IS NOT NULL",
    # Local fields of a batch, filled from its submission like label and source_file.
    "ALTER TABLE batches ADD COLUMN group_id TEXT",
    "ALTER TABLE batches ADD COLUMN group_part INTEGER",
)

# v9: a lease on a submission being recorded or sent: which process holds it and until when (renewed while it
# works). Reconcile leaves a leased submission alone, so a slow 250 MB upload is never judged lost by another process
# while it is still going (core/store/leases.py).
_V9 = (
    "ALTER TABLE submissions ADD COLUMN lease_owner TEXT",
    "ALTER TABLE submissions ADD COLUMN lease_until TEXT",
)

# v10: what prompt caching saved, per result (its cached tokens as plain input minus what they cost as cache writes
# and reads) and per batch (NULL while a succeeded result's saving is unknown). The partial index holds only the
# rows with a saving other than $0 or an unknown one, so a batch's sum reads neither the others nor any raw JSON.
# Results stored before are priced from their raw usage (cache_backfill.py), and complete batches summed.
_V10: tuple[Step, ...] = (
    "ALTER TABLE results ADD COLUMN cache_saved_usd REAL",
    "ALTER TABLE batches ADD COLUMN cache_saved_usd REAL",
    f"CREATE INDEX results_cached ON results (batch_key, cache_saved_usd, result_type) WHERE {CACHED_ROWS}",
    price_cache_savings,
    f"UPDATE batches SET cache_saved_usd = {BATCH_CACHE_SAVED_SQL} WHERE results_state = 'complete'",
)

# v11: the request queue (`batchtui queue`): queued requests, the flush log, the triggers (queue_schema.py).
_V11: tuple[Step, ...] = QUEUE_STEP

# v12: answer reuse (`submit --reuse`): reused answers, where they came from, local batches (reuse_schema.py).
_V12: tuple[Step, ...] = REUSE_STEP

# v13: a batch's retries found by index. A retry chain's walk (the results view reads it on every open) made SQLite
# build an automatic index over every batch each time: 6 ms at 10,000 batches, 0.02 ms with this one.
_V13 = ("CREATE INDEX batches_by_parent ON batches (parent_batch_id) WHERE parent_batch_id IS NOT NULL",)

# v14: the errored results by batch and error type, in a partial index as small as they are few (4% of a batch is
# many). A batch's error types (every results view open) read them instead of walking all of its results: 9 against
# 0.7 ms at 100k; the stats screen's, over every batch: 17 against 2 ms at 200k. Writing a succeeded result skips it.
_V14 = ("CREATE INDEX results_errored ON results (batch_key, error_type) WHERE result_type = 'errored'",)

# v15: the billed results with no known price, by batch, in a partial index (almost always empty). A batch's total
# asks whether it has any (costs.BATCH_TOTAL_SQL) without testing each of its results: the end of a 100k download
# took 26 ms for that test, 6 for the sum alone.
_V15 = (f"CREATE INDEX results_unpriced ON results (batch_key) WHERE {UNPRICED_ROWS}",)

# v16: the results neither succeeded nor errored (canceled, expired, a type the API may add), by batch and type, in
# a partial index (few, if any). A batch's counts per type (every results view open) take them and the errored from
# their indexes and the succeeded as what is left of the total: 14 against 3 ms at 100k.
UNUSUAL_ROWS = "result_type NOT IN ('succeeded', 'errored')"
_V16 = (f"CREATE INDEX results_unusual ON results (batch_key, result_type) WHERE {UNUSUAL_ROWS}",)

MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    _V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9, _V10, _V11, _V12, _V13, _V14, _V15, _V16
)  # fmt: skip
LATEST_VERSION = len(MIGRATIONS)


async def user_version(conn: aiosqlite.Connection) -> int:
    rows = await conn.execute_fetchall("PRAGMA user_version")
    return int(next(iter(rows))[0])


async def migrate(conn: aiosqlite.Connection, path: object, *, target: int = LATEST_VERSION) -> int:
    """Upgrade to `target` (the latest by default); returns the version now in the file."""
    while True:
        # Read the version inside the write transaction: two processes opening a fresh file at once must not
        # both run the same step.
        await run(conn, "BEGIN IMMEDIATE")
        try:
            version = await user_version(conn)
            if version > LATEST_VERSION:
                raise SchemaTooNewError(
                    f"{path} has schema version {version}, but this batchtui only knows up to {LATEST_VERSION}. "
                    "Upgrade batchtui, or point it at another database with --db."
                )
            if version >= target:
                await run(conn, "COMMIT")
                return version
            # A step's SQL is queued at once (a fresh cache runs ~60 statements); a coroutine step runs in its turn.
            pending: list[tuple[str, tuple[()]]] = []
            for statement in MIGRATIONS[version]:
                if isinstance(statement, str):
                    pending.append((statement, ()))
                else:
                    await run_in_turn(conn, *pending)
                    pending = []
                    await statement(conn)
            await run_in_turn(conn, *pending, (f"PRAGMA user_version = {version + 1}", ()))
            await run(conn, "COMMIT")
        except BaseException:
            await run(conn, "ROLLBACK")
            raise
