"""Schema v7: totals stored by older versions (priced rows summed, unpriced ones ignored) are recomputed."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.store.schema import migrate


async def test_old_partial_totals_become_unknown_and_unbilled_ones_zero(db_path: Path, line) -> None:
    rows = {
        "mixed": [line("a"), line("b", model="claude-fable-5-2")],  # one priced, one with no known price
        "errored": [line("c", "errored")],
        "priced": [line("d")],
        "running": [],
    }
    db_path.parent.mkdir(parents=True)
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        assert await migrate(conn, db_path, target=6) == 6
        for batch_id, lines in rows.items():
            # What v6 stored: the sum of the priced rows (0.5 stands for it), NULL for a running batch.
            await conn.execute(
                "INSERT INTO batches (id, processing_status, created_at, results_state, cost_usd) "
                "VALUES (?, 'ended', '2026-09-30T10:00:00.000000Z', ?, ?)",
                (batch_id, "complete" if lines else "none", 0.5 if lines else None),
            )
            for raw in lines:
                r = parse_result_line(batch_id, raw)
                await conn.execute(
                    "INSERT INTO results (batch_key, custom_id, result_type, raw, cost_usd) "
                    "VALUES ((SELECT key FROM batches WHERE id = ?), ?, ?, ?, ?)",
                    (batch_id, r.custom_id, r.result_type, r.raw, r.cost_usd),
                )
    async with await Store.open(db_path) as store:
        totals = {b: getattr(await store.get_batch(b), "cost_usd", "missing") for b in rows}
    assert totals["mixed"] is None
    assert totals["errored"] == 0.0
    assert totals["priced"] == pytest.approx((10 * 1.5 + 20 * 7.5) / 1e6)  # Sonnet 4.5, 10 in, 20 out
    assert totals["running"] is None
