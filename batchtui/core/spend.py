"""What was spent and saved, per result, per batch and over the whole cache, in words the CLI and TUI share.

A figure is known, unknown (a billed result with no known price, or results that can no longer be had), or
pending (not known yet: the batch runs, or its results are not downloaded). Unknown is never shown as a number,
and a total with an unknown part says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from batchtui.core import fmt
from batchtui.core.cost import batch_discount, saved_usd, standard_cost_usd
from batchtui.core.models import BatchRecord, ResultRow

UNKNOWN = "unknown"
NOT_BILLED = frozenset({"errored", "canceled", "expired"})  # the API bills none of these
CostStatus = Literal["known", "unknown", "pending"]


def result_cost_status(row: ResultRow) -> CostStatus:
    if row.result_type in NOT_BILLED or row.cost_usd is not None:
        return "known"
    return UNKNOWN


def batch_cost_status(batch: BatchRecord) -> CostStatus:
    if batch.cost_usd is not None:
        return "known"
    if batch.results_state in ("complete", "unavailable"):
        return UNKNOWN  # some result has no known price, or the results are gone for good
    return "pending"


def money(usd: float | None, status: CostStatus) -> str:
    """`$0.0123`, `unknown`, or the em dash of "not known yet"."""
    return UNKNOWN if status == UNKNOWN else fmt.money(usd)


@dataclass(frozen=True)
class BatchCost:
    """One batch's stored results, priced: the sum of those with a known price, and how many billed ones have none."""

    priced_usd: float
    unpriced_results: int


@dataclass(frozen=True)
class SpendTotals:
    """Every cached batch: what those with a known cost cost at batch rates, and how many are left out."""

    spent_usd: float
    known_batches: int
    unknown_batches: int  # a billed result with no known price, or results that can no longer be downloaded
    pending_batches: int  # running, or results not downloaded yet

    @property
    def standard_usd(self) -> float:
        return self.spent_usd / batch_discount()

    @property
    def saved_usd(self) -> float:
        return self.standard_usd - self.spent_usd


def totals_of(batches: Iterable[BatchRecord]) -> SpendTotals:
    """What `batches` cost where known, and how many are unknown or pending (the dashboard has them all loaded)."""
    spent, known, unknown, pending = 0.0, 0, 0, 0
    for b in batches:
        status = batch_cost_status(b)
        if status == "known":
            spent += b.cost_usd or 0.0
            known += 1
        elif status == UNKNOWN:
            unknown += 1
        else:
            pending += 1
    return SpendTotals(spent, known, unknown, pending)


def saving_text(batch_usd: float | None) -> str:
    """`$0.0246 on the standard API, saved $0.0123` for a known batch-rate cost."""
    return f"{fmt.money(standard_cost_usd(batch_usd))} on the standard API, saved {fmt.money(saved_usd(batch_usd))}"


def batch_cost_text(batch: BatchRecord, split: BatchCost | None = None) -> str:
    """A batch's cost in one line, saying what the Batch API saved, or why it is unknown (with the priced part
    when `split` gives it)."""
    status = batch_cost_status(batch)
    if status == "known":
        return f"{fmt.money(batch.cost_usd)} at batch rates ({saving_text(batch.cost_usd)})"
    if status == "pending":
        return f"{fmt.MISSING} (results not downloaded yet)"
    if batch.results_state == "unavailable":
        return f"{UNKNOWN} (the results were never downloaded and are no longer available)"
    if split is None or not split.unpriced_results:
        return f"{UNKNOWN} (some results have no known price)"
    n = split.unpriced_results
    return (
        f"{UNKNOWN}: {fmt.count(n)} result{' has' if n == 1 else 's have'} no known price; "
        f"the others cost {fmt.money(split.priced_usd)} ({saving_text(split.priced_usd)})"
    )


def cache_saving_status(batch: BatchRecord) -> CostStatus:
    if batch.cache_saved_usd is not None:
        return "known"
    if batch.results_state in ("complete", "unavailable"):
        return UNKNOWN
    return "pending"


def cache_saving_text(batch: BatchRecord) -> str:
    """What prompt caching saved over a batch's results, from their usage, or why it is not known."""
    status = cache_saving_status(batch)
    if status == "pending":
        return f"{fmt.MISSING} (results not downloaded yet)"
    if status == UNKNOWN:
        if batch.results_state == "unavailable":
            return f"{UNKNOWN} (the results were never downloaded and are no longer available)"
        return f"{UNKNOWN} (some results have no known price)"
    saved = batch.cache_saved_usd or 0.0
    if saved == 0:  # a sum of non-zero savings is never exactly 0: nothing was cached
        return "$0.00 (nothing was written to or read from the prompt cache)"
    if saved < 0:
        return f"cost {fmt.money(-saved)} more than no caching (cache writes that too few reads made up for)"
    return f"saved {fmt.money(saved)} (cached tokens as plain input, minus their cache write and read price)"


def totals_text(totals: SpendTotals) -> str:
    """`spent $12.34 · saved $12.34`, then what the figures leave out."""
    text = f"spent {fmt.money(totals.spent_usd)} · saved {fmt.money(totals.saved_usd)}"
    if totals.unknown_batches:
        n = totals.unknown_batches
        text += f" · + {UNKNOWN} for {fmt.count(n)} batch{'' if n == 1 else 'es'}"
    if totals.pending_batches:
        text += f" · {fmt.count(totals.pending_batches)} pending"
    return text
