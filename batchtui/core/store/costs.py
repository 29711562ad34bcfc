"""A batch's cost from its stored results: the total (unknown when a billed result has no known price), and the
priced part with how many have none."""

from __future__ import annotations

from batchtui.core.spend import BatchCost
from batchtui.core.store.base import StoreBase

# A billed result (not errored, canceled or expired) with no cost had no known price: its batch's total is unknown.
# Such rows are few and have a partial index of their own (schema v15), which a query names with this condition.
UNPRICED_ROWS = "cost_usd IS NULL AND result_type NOT IN ('errored', 'canceled', 'expired')"

# The batch's total once its results are all stored: NULL (unknown) when any billed result has no known price;
# otherwise their sum, $0 when nothing was billed. Never a partial sum passed off as the whole. The unpriced ones
# are looked for in their index, and the sum reads only the cost column of the covering one: 6 ms at 100k results,
# where one pass testing each row for both took 26.
BATCH_TOTAL_SQL = (
    "(CASE WHEN EXISTS (SELECT 1 FROM results INDEXED BY results_unpriced "
    f"WHERE batch_key = batches.key AND {UNPRICED_ROWS}) THEN NULL ELSE "
    "(SELECT total(r.cost_usd) FROM results AS r INDEXED BY results_scan WHERE r.batch_key = batches.key) END)"
)

# What prompt caching saved over a batch's results: NULL (unknown) when a succeeded result's saving is unknown (no
# known price). Only rows with a saving other than 0, or an unknown one, are in the partial index it reads: a sum over
# the table itself would read every row's raw JSON (the column lies after it).
CACHED_ROWS = "(cache_saved_usd != 0 OR (cache_saved_usd IS NULL AND result_type = 'succeeded'))"
BATCH_CACHE_SAVED_SQL = (
    "(SELECT CASE WHEN sum(r.cache_saved_usd IS NULL) > 0 THEN NULL ELSE total(r.cache_saved_usd) END "
    f"FROM results AS r INDEXED BY results_cached WHERE r.batch_key = batches.key AND {CACHED_ROWS})"
)


class CostsMixin(StoreBase):
    async def batch_cost(self, batch_id: str) -> BatchCost | None:
        """The priced part of a batch's stored results and how many billed ones have no price (None: no batch)."""
        key = await self._batch_key(batch_id)
        if key is None:
            return None
        row = await self._db.fetchone(
            "SELECT (SELECT total(r.cost_usd) FROM results AS r INDEXED BY results_scan WHERE r.batch_key = ?1), "
            f"(SELECT count(*) FROM results INDEXED BY results_unpriced WHERE batch_key = ?1 AND {UNPRICED_ROWS})",
            (key,),
        )
        assert row is not None  # an aggregate always answers one row
        return BatchCost(priced_usd=row[0], unpriced_results=row[1])
