"""The saving auto-caching estimates, checked against figures computed by hand: one write at 1.25x input and N-1
reads at 0.1x per shared prefix, at the prefix's lower and upper token bounds, each against the model's minimum;
unknown when the model has no price; and the most the breakpoints cost if nothing ever hits (best-effort)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from batchtui.core.cache_estimate import AutoCacheSummary, SavingEstimate
from batchtui.core.caching import AutoCacher, PrefixCounter
from batchtui.core.tokens import BLOCK_TOKENS, REQUEST_TOKENS

SYSTEM = "abcdefghij" * 2000  # 20,000 characters, no spaces or separator runs: 1,250 tokens at least, 20,072 at most
BATCH = 0.5 / 1e6  # USD per token per $/MTok at batch rates


def estimate(requests: list[dict[str, Any]]) -> SavingEstimate:
    counter = PrefixCounter()
    for params in requests:
        counter.add(params)
    cacher, out = AutoCacher(counter), SavingEstimate()
    for params in requests:
        out.add(cacher.mark(params))
    return out


def ask(i: int, model: str = "claude-sonnet-5", system: str = SYSTEM) -> dict[str, Any]:
    return {"model": model, "max_tokens": 10, "system": system, "messages": [{"role": "user", "content": f"Q{i}"}]}


def test_one_write_and_n_minus_one_reads_at_both_token_bounds() -> None:
    got = estimate([ask(i) for i in range(10)])
    low, high = math.ceil(len(SYSTEM) / 16), REQUEST_TOKENS + BLOCK_TOKENS + len(SYSTEM)  # the prefix's bounds
    # Sonnet 5: $2 input, $2.50 5-minute write, $0.20 read (standard; batch is half). Both bounds pass 1,024.
    per_token = 9 * (2 - 0.2) - (2.5 - 2)  # nine reads save 90 % of input, one write costs 25 % more
    assert got.saving_low_usd == pytest.approx(low * per_token * BATCH)
    assert got.saving_high_usd == pytest.approx(high * per_token * BATCH)
    assert got.worst_extra_usd == pytest.approx(10 * high * (2.5 - 2) * BATCH)  # all ten write, none reads
    assert (got.prefixes, got.requests_marked, got.breakpoints_added, got.unknown_requests) == (1, 10, 10, 0)


def test_a_prefix_under_the_minimum_at_its_lower_bound_saves_nothing_there() -> None:
    system = SYSTEM[:12_000]  # 750 tokens at least: under Sonnet 5's 1,024; 12,072 at most: over it
    got = estimate([ask(i, system=system) for i in range(4)])
    assert got.saving_low_usd == 0
    assert got.saving_high_usd == pytest.approx((REQUEST_TOKENS + BLOCK_TOKENS + 12_000) * (3 * 1.8 - 0.5) * BATCH)


def test_a_model_without_a_price_is_unknown_and_left_out() -> None:
    got = estimate([ask(i, model="claude-fable-5-2") for i in range(3)] + [ask(i) for i in range(2)])
    assert got.unknown_requests == 3 and got.requests_marked == 5
    assert got.saving_high_usd == pytest.approx((REQUEST_TOKENS + BLOCK_TOKENS + len(SYSTEM)) * 1.3 * BATCH)


def test_the_summary_subtracts_the_saving_and_says_when_it_is_large() -> None:
    got = estimate([ask(i) for i in range(10)])
    summary = AutoCacheSummary(True, 2, got, without=(0.01, 0.2))
    assert summary.with_cache == pytest.approx((0.01 - got.saving_low_usd, 0.2 - got.saving_high_usd))
    assert summary.large  # $0.16 of $0.20
    assert not AutoCacheSummary(True, 2, got, without=(1.0, 100.0)).large  # under a fifth
    data = summary.to_json()
    assert data["estimated_saving_usd"] == {"low": got.saving_low_usd, "high": got.saving_high_usd}
    assert data["requests_marked"] == 10 and "best-effort" in data["assumes"]
