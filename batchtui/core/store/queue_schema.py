"""Schema of the request queue (`batchtui queue`), a migration step of its own (schema.py lists it as v11).

- `queue_requests`: requests waiting to be sent, in the order they were added (`seq`). A row is *queued* while
  `flush_id` is NULL and *taken* once a flush claimed it; it is deleted when its batch is proven created (its copy
  lives on in `requests`, under the flush's submission). custom_ids are unique among all rows, queued or taken:
  any of them may end up in one batch together.
- `queue_flushes`: the flush log. One flush claims up to one batch's worth of rows and sends them as one
  submission: claimed → sending (linked to its submission, before anything is sent) → sent | failed (nothing was
  created: its rows went back to the queue) | abandoned (its process died before linking: nothing was sent).
- `queue_settings`: the size and age triggers set by `queue add --flush-size/--flush-age` (NULL: config or
  defaults).
"""

from __future__ import annotations

QUEUE_STEP = (
    """
    CREATE TABLE queue_flushes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: a flush's number names its batch's label
        reason TEXT NOT NULL,                   -- size, age or manual
        state TEXT NOT NULL CHECK (state IN ('claimed', 'sending', 'sent', 'failed', 'abandoned')),
        request_count INTEGER NOT NULL,
        body_bytes INTEGER NOT NULL,
        claimed_at TEXT NOT NULL,
        finished_at TEXT,
        submission_id TEXT,
        batch_id TEXT,
        error TEXT,
        lease_owner TEXT,                       -- the claiming process, until it links a submission
        lease_until TEXT
    )
    """,
    "CREATE INDEX queue_flushes_open ON queue_flushes (state) WHERE state IN ('claimed', 'sending')",
    """
    CREATE TABLE queue_requests (
        seq INTEGER PRIMARY KEY,                -- add order: a flush takes the oldest first
        custom_id TEXT NOT NULL,
        params TEXT NOT NULL,                   -- compact JSON, exactly as the create body carries it
        params_hash TEXT NOT NULL,
        item_bytes INTEGER NOT NULL,            -- its share of a create body, to cut batches by size
        metadata TEXT,                          -- local only (CSV extra columns), never sent
        source_file TEXT,
        line INTEGER,
        add_id TEXT NOT NULL,                   -- the `queue add` that brought it
        added_at TEXT NOT NULL,
        flush_id INTEGER REFERENCES queue_flushes (id)
    )
    """,
    # Queued and taken rows may meet in one batch, where custom_ids must be unique.
    "CREATE UNIQUE INDEX queue_requests_by_custom_id ON queue_requests (custom_id)",
    "CREATE INDEX queue_requests_by_flush ON queue_requests (flush_id, seq)",
    """
    CREATE TABLE queue_settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        flush_size INTEGER,
        flush_age_seconds REAL
    )
    """,
)
