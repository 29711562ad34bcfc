"""Schema of answer reuse (`submit --reuse`), a migration step of its own (schema.py lists it as v12).

- `reuses`: the answers a submission takes from the cache instead of sending, recorded with it before anything is
  sent. `owner` is the submission, or the group (its reused answers are shown with its first part). Copied into
  `results` (materialised) once the owner's batch exists: core/store/reuse.py.
- `requests.reuse_hash`: the hash of a request's params as its file gave them, kept only when what was sent
  differs (auto-cache added breakpoints): a later identical file finds its answer by the file's params.
- `results.reused_from` / `reused_custom_id` / `reuse_saved_usd`: a materialised reused answer, where it came
  from and what that result cost (what not sending it again saved; NULL: no known price). Its own `cost_usd` is 0.
- `batches.local`: a batch made here, never on the API: the answers of a submission that reused every one.
  `reused_rows`, `reuse_saved_usd` (known part) and `reuse_unpriced`: a batch's reused answers, summed.
- `submissions.source_digest`, `groups.source_digest`: the file's requests as read, whatever was reused, so
  submitting the same file again is recognised even when the cache now answers more of it.
"""

from __future__ import annotations

REUSE_STEP = (
    """
    CREATE TABLE reuses (
        owner TEXT NOT NULL,               -- a submission id, or a group id
        custom_id TEXT NOT NULL,           -- the request as the new file names it
        source_batch_id TEXT NOT NULL,     -- the batch whose succeeded result answers it
        source_custom_id TEXT NOT NULL,
        saved_usd REAL,                    -- that result's cost at batch rates (NULL: no known price)
        PRIMARY KEY (owner, custom_id)
    ) WITHOUT ROWID
    """,
    "ALTER TABLE requests ADD COLUMN reuse_hash TEXT",
    "CREATE INDEX requests_by_reuse_hash ON requests (reuse_hash) WHERE reuse_hash IS NOT NULL",
    "ALTER TABLE results ADD COLUMN reused_from TEXT",
    "ALTER TABLE results ADD COLUMN reused_custom_id TEXT",
    "ALTER TABLE results ADD COLUMN reuse_saved_usd REAL",
    # A batch's reused rows summed off this small index, never by reading every row of the batch.
    "CREATE INDEX results_reused ON results (batch_key, reuse_saved_usd) WHERE reused_from IS NOT NULL",
    "ALTER TABLE batches ADD COLUMN local INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batches ADD COLUMN reused_rows INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE batches ADD COLUMN reuse_saved_usd REAL NOT NULL DEFAULT 0",
    "ALTER TABLE batches ADD COLUMN reuse_unpriced INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE submissions ADD COLUMN source_digest TEXT",
    "CREATE INDEX submissions_by_source ON submissions (source_digest) WHERE source_digest IS NOT NULL",
    "ALTER TABLE groups ADD COLUMN source_digest TEXT",
    "CREATE INDEX groups_by_source ON groups (source_digest, created_at) WHERE source_digest IS NOT NULL",
)
