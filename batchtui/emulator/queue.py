"""The workspace's processing queue (`--queue-limit N`): a create that would put more than N requests in
`processing` across the workspace is refused, as the API refuses it, with 429 `rate_limit_error` and a
`retry-after`. Nothing is stored for a refused create.

The documents give the status and error type of this answer but not its wording; the message below is the
emulator's own and names the queue, so a client can tell it from a per-minute rate limit.
"""

from __future__ import annotations

import math
import sqlite3

from batchtui.emulator.wire import ApiError

# A batch's requests count as processing until it ends: created + duration, or the end of a cancel, or expiry
# (the same end as EmulatorState.end_time), as `list` shows them.
_IN_FLIGHT = """
SELECT coalesce(sum(n_requests), 0), min(ends) FROM (
    SELECT n_requests,
           min(created_at + duration, coalesce(cancel_initiated_at + cancel_seconds, expires_at), expires_at) AS ends
    FROM batches WHERE deleted_at IS NULL
) WHERE ends > ?
"""


def in_flight(db: sqlite3.Connection, now: float) -> tuple[int, float | None]:
    """Requests processing across the workspace, and when the first in-flight batch ends (None: none runs)."""
    processing, first_end = db.execute(_IN_FLIGHT, (now,)).fetchone()
    return int(processing), first_end


def check_queue(db: sqlite3.Connection, now: float, limit: int | None, adding: int) -> None:
    """Raise the API's 429 if `adding` more requests would pass the queue limit."""
    if limit is None:
        return
    processing, first_end = in_flight(db, now)
    if processing + adding <= limit:
        return
    wait = 1 if first_end is None else max(1, math.ceil(first_end - now))
    raise ApiError(
        "rate_limit_error",
        f"Number of batch requests in the processing queue would exceed your limit of {limit:,} "
        f"({processing:,} processing, {adding:,} in this batch); wait for batches in progress to finish, or create "
        "a smaller batch.",
        headers={"retry-after": str(wait)},
    )
