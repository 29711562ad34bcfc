"""Retry lineage: the batches retried from a batch (by `parent_batch_id`), and the final results merged across
such a retry chain (for each custom_id, the outcome of the latest batch of the chain that holds it).

The merged view pages like a single batch's: it walks the root batch's rows in custom_id order on the covering
index (a retry only ever sends again requests of its parent, so the root holds every custom_id of the chain) and,
per row, probes the later batches newest first for the same custom_id (one unique-index lookup each). The winning
row's filter columns come from the covering index too, so a count or a deep page over 100k rows reads only the
rows it returns; nothing is sorted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from batchtui.core.models import RESULT_TYPES, ResultFilter, ResultRow
from batchtui.core.store.results import filter_sql
from batchtui.core.store.search import SearchMixin, fts_query

# The batch and its descendants through parent_batch_id, oldest first (a retry is always younger than its parent).
# The batches table holds thousands of rows at most: one scan per generation, no index needed.
_CHAIN = """
WITH RECURSIVE chain(id, key, created_at) AS (
    SELECT id, key, created_at FROM batches WHERE id = ?
    UNION
    SELECT b.id, b.key, b.created_at FROM batches AS b JOIN chain AS c ON b.parent_batch_id = c.id
)
SELECT id, key FROM chain ORDER BY created_at, id
"""

# The batch's ancestors through parent_batch_id, the batch first; the last one in the store is the original batch (a
# parent missing from the store ends the walk there). The depth bound stops a cycle a corrupt cache could hold.
_ANCESTORS = """
WITH RECURSIVE up(id, parent, depth) AS (
    SELECT id, parent_batch_id, 0 FROM batches WHERE id = ?
    UNION
    SELECT b.id, b.parent_batch_id, u.depth + 1 FROM batches AS b JOIN up AS u ON b.id = u.parent WHERE u.depth < 1000
)
SELECT id FROM up ORDER BY depth DESC LIMIT 1
"""

_COLUMNS = (
    "w.batch_key, w.custom_id, w.result_type, w.raw, w.text, w.model, w.stop_reason, w.error_type, "
    "w.error_message, w.input_tokens, w.output_tokens, w.cache_creation_input_tokens, w.cache_read_input_tokens, "
    "w.cost_usd, w.cache_saved_usd, w.reused_from, w.reused_custom_id, w.reuse_saved_usd"
)


@dataclass(frozen=True)
class Chain:
    """A batch (`ids[0]`) and the batches retried from it, oldest first, with their store keys."""

    ids: tuple[str, ...]
    keys: tuple[int, ...]

    @property
    def root(self) -> str:
        return self.ids[0]

    @property
    def retries(self) -> int:
        return len(self.ids) - 1

    def join_sql(self) -> tuple[str, list[Any]]:
        """FROM … JOIN … picking, for each root row `b`, the winning row `w`; and the parameters it takes. The
        unary plus on `b.custom_id` is no mistake: with a plain equality SQLite carries a range on `b.custom_id`
        over to `w.custom_id` and scans `w` per root row (a chunked walk became quadratic: 100k rows in minutes)."""
        later = self.keys[:0:-1]  # newest first: the first that holds the custom_id wins
        probes = " ".join(
            "WHEN EXISTS (SELECT 1 FROM results INDEXED BY results_scan WHERE batch_key = ? "
            "AND custom_id = b.custom_id) THEN ?"
            for _ in later
        )
        winner = f"CASE {probes} ELSE ? END" if later else "?"
        params: list[Any] = [v for key in later for v in (key, key)]
        params.append(self.keys[0])
        sql = (
            "FROM results AS b INDEXED BY results_scan "
            f"JOIN results AS w INDEXED BY results_scan ON w.batch_key = ({winner}) AND w.custom_id = +b.custom_id"
        )
        return sql, params


def merged_chunk_sql(source: str, where: str) -> str:
    """The next chunk of final results after a custom_id (its parameters: the merged ones, then that custom_id and
    the chunk's size). The root's range is walked on the index from there; the winner is looked up by equality
    (join_sql's `+b.custom_id` keeps SQLite from turning `b.custom_id > ?` into a range scan of `w` per row)."""
    return f"SELECT {_COLUMNS} {source} WHERE {where} AND b.custom_id > ? ORDER BY b.custom_id LIMIT ?"


class LineageMixin(SearchMixin):
    async def retry_chain(self, batch_id: str) -> Chain | None:
        """`batch_id` and every batch retried from it (children, their children, …), oldest first; None when the
        batch is not in the store."""
        rows = await self._db.fetchall(_CHAIN, (batch_id,))
        if not rows:
            return None
        return Chain(tuple(r[0] for r in rows), tuple(r[1] for r in rows))

    async def original_batch(self, batch_id: str) -> str | None:
        """The batch `batch_id` was retried from, and so on up: the original batch of its retry chain (`batch_id`
        itself when it is no retry); None when the batch is not in the store."""
        return await self._db.scalar(_ANCESTORS, (batch_id,))

    async def whole_chain(self, batch_id: str) -> Chain | None:
        """The whole retry chain `batch_id` belongs to, from its original batch (a retry given resolves to it)."""
        root = await self.original_batch(batch_id)
        return None if root is None else await self.retry_chain(root)

    async def count_merged_results(self, chain: Chain, flt: ResultFilter = ResultFilter()) -> int:  # noqa: B008
        if flt.is_empty:  # one final outcome per root row: the root's count, off the index alone
            return await self._db.scalar(
                "SELECT count(*) FROM results INDEXED BY results_scan WHERE batch_key = ?", (chain.keys[0],)
            )
        source, where, params = await self._merged(chain, flt)
        return await self._db.scalar(f"SELECT count(*) {source} WHERE {where}", params)

    async def page_merged_results(self, chain: Chain, flt: ResultFilter, *, offset: int, limit: int) -> list[ResultRow]:
        """One page of the final results in custom_id order; each row names the batch its outcome comes from."""
        source, where, params = await self._merged(chain, flt)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} {source} WHERE {where} ORDER BY b.custom_id LIMIT ? OFFSET ?",
            (*params, max(0, limit), max(0, offset)),
        )
        ids = dict(zip(chain.keys, chain.ids, strict=True))
        return [ResultRow(ids[r[0]], *r[1:]) for r in rows]

    async def iter_merged_results(
        self,
        chain: Chain,
        flt: ResultFilter = ResultFilter(),  # noqa: B008
        *,
        chunk: int = 1000,
    ) -> AsyncIterator[ResultRow]:
        """Every final result matching `flt`, in custom_id order, `chunk` rows per query: keyset pagination on the
        root's custom_id (as iter_results), so memory stays bounded and no query rescans what came before."""
        source, where, params = await self._merged(chain, flt)
        ids = dict(zip(chain.keys, chain.ids, strict=True))
        after = ""
        while True:
            rows = await self._db.fetchall(merged_chunk_sql(source, where), (*params, after, chunk))
            for r in rows:
                yield ResultRow(ids[r[0]], *r[1:])
            if len(rows) < chunk:
                return
            after = rows[-1][1]

    async def merged_type_counts(self, chain: Chain) -> dict[str, int]:
        """Final outcomes per result type; the four API types are always present (0 when none)."""
        source, where, params = await self._merged(chain, ResultFilter())
        rows = await self._db.fetchall(f"SELECT w.result_type, count(*) {source} WHERE {where} GROUP BY 1", params)
        return {**dict.fromkeys(RESULT_TYPES, 0), **dict(rows)}

    async def merged_error_type_counts(self, chain: Chain) -> dict[str, int]:
        """Final errored outcomes per inner error type, most frequent first (`unknown` when the API gave none)."""
        source, where, params = await self._merged(chain, ResultFilter(types=frozenset({"errored"})))
        rows = await self._db.fetchall(
            f"SELECT coalesce(w.error_type, 'unknown') AS t, count(*) AS n {source} WHERE {where} "
            "GROUP BY t ORDER BY n DESC, t",
            params,
        )
        return dict(rows)

    async def _merged(self, chain: Chain, flt: ResultFilter) -> tuple[str, str, list[Any]]:
        if fts_query(flt.search) is not None:
            for batch_id in chain.ids:  # the winning rows may come from any batch of the chain
                await self.ensure_search_index(batch_id)
        source, params = chain.join_sql()
        clauses, filter_params = filter_sql(flt, "w")
        where = " AND ".join(["b.batch_key = ?", *clauses])
        return source, where, [*params, chain.keys[0], *filter_params]
