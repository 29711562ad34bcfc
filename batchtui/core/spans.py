"""The results of several batches read as one list (a group's parts, in part order): counted, paged and broken
down like one batch's.

A span is never sorted or merged as a whole: each batch is counted on the covering index, a global offset is mapped
to the batch (or the two batches) it falls in, and those are paged exactly as a single batch is. So a deep page of a
250,000-row group costs what a deep page of one of its batches costs, plus one count per part.
"""

from __future__ import annotations

from collections.abc import Sequence

from batchtui.core.models import RESULT_TYPES, ResultFilter, ResultRow
from batchtui.core.store import Store

Slice = tuple[int, int, int]  # (index of the batch in the span, offset within it, rows to take)


async def span_counts(store: Store, batch_ids: Sequence[str], flt: ResultFilter) -> tuple[int, ...]:
    """Rows matching `flt` in each batch, in span order."""
    return tuple([await store.count_results(batch_id, flt) for batch_id in batch_ids])


def slices(counts: Sequence[int], offset: int, limit: int) -> list[Slice]:
    """Where rows `offset` … `offset + limit` of the span lie, batch by batch."""
    out: list[Slice] = []
    start = 0
    offset, limit = max(0, offset), max(0, limit)
    for i, n in enumerate(counts):
        end = start + n
        if limit and offset < end:
            local = offset - start
            take = min(n - local, limit)
            out.append((i, local, take))
            offset, limit = offset + take, limit - take
        start = end
    return out


async def page_span(
    store: Store, batch_ids: Sequence[str], counts: Sequence[int], flt: ResultFilter, *, offset: int, limit: int
) -> list[ResultRow]:
    """One page of the span: each batch's rows in custom_id order, the batches in span order. `counts` are
    `span_counts` for the same filter."""
    rows: list[ResultRow] = []
    for i, local, take in slices(counts, offset, limit):
        rows += await store.page_results(batch_ids[i], flt, offset=local, limit=take)
    return rows


async def span_type_counts(store: Store, batch_ids: Sequence[str]) -> dict[str, int]:
    """Rows per result type over the span; the four API types are always present."""
    totals = dict.fromkeys(RESULT_TYPES, 0)
    for batch_id in batch_ids:
        for kind, n in (await store.result_type_counts(batch_id)).items():
            totals[kind] = totals.get(kind, 0) + n
    return totals


async def span_error_type_counts(store: Store, batch_ids: Sequence[str]) -> dict[str, int]:
    """Errored rows per inner error type over the span, most frequent first."""
    totals: dict[str, int] = {}
    for batch_id in batch_ids:
        for kind, n in (await store.error_type_counts(batch_id)).items():
            totals[kind] = totals.get(kind, 0) + n
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))
