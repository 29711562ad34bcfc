"""A request's cost bounds before it is sent, against figures worked out by hand.

Batch rates ($/MTok) used below, half the standard prices of data/prices.json: Sonnet 4.5 in 1.50, out 7.50;
Opus 5.5 in 2, 1h cache write 4, cache read 0.10, out 10; Haiku 5.5 in 0.05, out 0.25 up to a 100K-token
prompt, in 0.25, out 1.25 above it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batchtui.core.cost import estimate_request, estimate_request_cost

AT = datetime(2026, 10, 15, tzinfo=UTC)


def test_plain_request() -> None:
    params = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "system": "You are terse.",
        "messages": [{"role": "user", "content": "Hello there"}],
    }
    # Tokens (see test_tokens.py): low 2, high 105. Low: 2 * 1.50, no output. High: 105 * 1.50 + 100 * 7.50.
    low, high = estimate_request_cost(params, at=AT)  # type: ignore[misc]
    assert low == pytest.approx(2 * 1.5 / 1e6)
    assert high == pytest.approx((105 * 1.5 + 100 * 7.5) / 1e6)
    assert high == pytest.approx(9.075e-4)


def test_cache_breakpoint_bills_low_at_read_and_high_at_write_rate() -> None:
    params = {
        "model": "claude-opus-5-5",
        "max_tokens": 50,
        "system": [{"type": "text", "text": "Policy text.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        "messages": [{"role": "user", "content": "Is this covered?"}],
    }
    # high tokens: 64 + (8 + 12) + 16 + 16 = 116; low: ceil((11 + 14) / 16) = 2 (characters besides spaces).
    # Low: 2 tokens all read from the cache at 0.10. High: 116 all written for an hour at 4, plus 50 out at 10.
    estimate = estimate_request(params, at=AT)
    assert estimate.tokens is not None and (estimate.tokens.low, estimate.tokens.high) == (2, 116)
    assert estimate.low_usd == pytest.approx(2 * 0.1 / 1e6)
    assert estimate.high_usd == pytest.approx((116 * 4 + 50 * 10) / 1e6)
    assert estimate.high_usd == pytest.approx(9.64e-4)


def test_long_prompt_band_applies_to_the_high_only_when_it_crosses() -> None:
    text = "abcdefgh" * 25_000  # 200,000 characters, no runs
    params = {"model": "claude-haiku-5-5", "max_tokens": 1000, "messages": [{"role": "user", "content": text}]}
    # low: 200,000 / 16 = 12,500 tokens, under 100K: base rate 0.05.
    # high: 64 + 16 + 200,000 = 200,080 tokens, over 100K: the whole request at 0.25 in and 1.25 out.
    low, high = estimate_request_cost(params, at=AT)  # type: ignore[misc]
    assert low == pytest.approx(12_500 * 0.05 / 1e6)
    assert high == pytest.approx((200_080 * 0.25 + 1000 * 1.25) / 1e6)
    assert high == pytest.approx(0.05127)


def test_unknown_model_is_unknown_never_a_guess() -> None:
    for model in ("nope", 5, None, "claude-fable-5-2"):
        estimate = estimate_request({"model": model, "max_tokens": 10, "messages": []}, at=AT)
        assert estimate.bounds is None and estimate.unknown == "the model has no known price"
        assert estimate_request_cost({"model": model, "max_tokens": 10, "messages": []}) is None


def test_a_pdf_makes_the_cost_unknown() -> None:
    pdf = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}}
    params = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": [pdf]}]}
    estimate = estimate_request(params, at=AT)
    assert estimate.bounds is None
    assert estimate.unknown is not None and "PDF" in estimate.unknown


def test_bad_max_tokens_bounds_output_at_zero() -> None:
    params = {"model": "claude-sonnet-4-5", "max_tokens": "abc", "messages": [{"role": "user", "content": "wxyz"}]}
    # 1 token low (4 chars / 16, rounded up); high 64 + 16 + 4 = 84; no output either way.
    assert estimate_request_cost(params, at=AT) == (pytest.approx(1.5e-6), pytest.approx(84 * 1.5e-6))


@pytest.mark.parametrize("ttl", [None, "5m", "1h"])
def test_linear_rates_price_as_bounds_usd_to_the_bit(ttl: str | None) -> None:
    from batchtui.core.cost import bounds_usd, linear_rates, price_for

    for model in ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"):
        price = price_for(model)
        assert price is not None
        above, low_rate, high_rate, out_rate, scale = linear_rates(price, ttl)  # type: ignore[misc]
        for low, high, max_tokens in [(0, 64, 0), (3, 1234, 1024), (1000, 190_000, 64_000), (7, 200_000, 1)]:
            if high > above:
                continue
            got = (low * low_rate * scale, (high * high_rate + max_tokens * out_rate) * scale)
            assert got == bounds_usd(price, low, high, ttl, max_tokens)
    assert linear_rates(None, ttl) is None
