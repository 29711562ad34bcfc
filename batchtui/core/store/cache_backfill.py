"""Schema v10's one step that needs Python: what prompt caching saved, for results stored before it was recorded.

Rows are re-read from their raw JSON in chunks (memory stays bounded whatever the cache holds) and priced at the
prices of the day their batch was created, as when they were first stored. Only rows that read or wrote the cache,
or whose cost is unknown, need it: every other succeeded row saved exactly $0 (set in SQL)."""

from __future__ import annotations

import aiosqlite

from batchtui.core.models import parse_time
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store.db import execute, executemany

CHUNK = 2000
_ROWS = """
SELECT r.rowid, r.raw, b.created_at FROM results AS r JOIN batches AS b ON b.key = r.batch_key
WHERE r.rowid > ? AND r.result_type = 'succeeded' AND r.cache_saved_usd IS NULL
ORDER BY r.rowid LIMIT ?
"""


async def price_cache_savings(conn: aiosqlite.Connection) -> None:
    await execute(
        conn,
        "UPDATE results SET cache_saved_usd = 0 WHERE result_type = 'succeeded' AND cost_usd IS NOT NULL "
        "AND coalesce(cache_creation_input_tokens, 0) = 0 AND coalesce(cache_read_input_tokens, 0) = 0",
    )
    after = 0
    while rows := list(await conn.execute_fetchall(_ROWS, (after, CHUNK))):
        updates = []
        for rowid, raw, created_at in rows:
            try:
                saved = parse_result_line("", raw, at=parse_time(created_at)).cache_saved_usd
            except ValueError:
                saved = None  # a line this version cannot read stays unknown
            updates.append((saved, rowid))
        await executemany(conn, "UPDATE results SET cache_saved_usd = ? WHERE rowid = ?", updates)
        after = rows[-1][0]
