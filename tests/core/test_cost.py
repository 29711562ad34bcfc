"""Cost maths against figures computed by hand from the reference price tables (§5 of message-batches-api.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from importlib.resources import files

import pytest

from batchtui.core import cost
from batchtui.core.cost import canonical_model, message_cost_usd, price_for, saved_usd, standard_cost_usd

AT = datetime(2026, 10, 15, tzinfo=UTC)


def test_plain_input_output_at_half_price() -> None:
    # Sonnet 4.5: $3 in / $15 out standard -> 1000*1.5 + 500*7.5 = 5250 per MTok-unit
    usage = {"input_tokens": 1000, "output_tokens": 500}
    assert message_cost_usd("claude-sonnet-4-5", usage, at=AT) == pytest.approx(0.00525)


def test_dated_alias_prices_like_its_base() -> None:
    usage = {"input_tokens": 1000, "output_tokens": 500}
    assert message_cost_usd("claude-sonnet-4-5-20250929", usage, at=AT) == pytest.approx(0.00525)
    assert canonical_model("claude-haiku-4-5-20251001") == "claude-haiku-4-5"
    assert canonical_model("claude-3-7-sonnet-latest") == "claude-3-7-sonnet"
    assert canonical_model("claude-opus-4-20250514") == "claude-opus-4"
    assert canonical_model("claude-opus-4-0") == "claude-opus-4"
    assert canonical_model("claude-sonnet-4-5") == "claude-sonnet-4-5"


def test_cache_writes_split_by_ttl_and_reads() -> None:
    # Opus 5.5 batch: in 2, out 10, 5m write 2.5, 1h write 4, read 0.1 ($/MTok)
    usage = {
        "input_tokens": 2000,
        "output_tokens": 1000,
        "cache_creation_input_tokens": 10_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 4000, "ephemeral_1h_input_tokens": 6000},
        "cache_read_input_tokens": 50_000,
    }
    expected = (2000 * 2 + 1000 * 10 + 4000 * 2.5 + 6000 * 4 + 50_000 * 0.1) / 1e6  # 0.053
    assert message_cost_usd("claude-opus-5-5", usage, at=AT) == pytest.approx(expected)
    assert expected == pytest.approx(0.053)


def test_cache_write_without_split_is_5m() -> None:
    # Haiku 4.5 5m write $1.25 standard -> $0.625 batch for 1 MTok
    usage = {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 1_000_000}
    assert message_cost_usd("claude-haiku-4-5", usage, at=AT) == pytest.approx(0.625)


def test_cache_write_split_remainder_is_5m() -> None:
    # 1h accounts for 400k of 1M: the other 600k go at the 5m rate. Haiku 4.5 batch: 5m 0.625, 1h 1.0
    usage = {
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_creation_input_tokens": 1_000_000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 400_000},
    }
    assert message_cost_usd("claude-haiku-4-5", usage, at=AT) == pytest.approx(0.6 * 0.625 + 0.4 * 1.0)


def test_null_and_missing_usage_fields_count_as_zero() -> None:
    usage = {
        "input_tokens": 1_000_000,
        "output_tokens": None,
        "cache_creation_input_tokens": None,
        "cache_read_input_tokens": None,
        "cache_creation": None,
    }
    assert message_cost_usd("claude-haiku-4-5", usage, at=AT) == pytest.approx(0.5)


def test_sonnet_5_5_cache_read_cut_on_2026_10_07() -> None:
    usage = {"input_tokens": 0, "output_tokens": 0, "cache_read_input_tokens": 1_000_000}
    before = datetime(2026, 10, 6, 23, 59, 59, tzinfo=UTC)
    on = datetime(2026, 10, 7, 0, 0, 0, tzinfo=UTC)
    assert message_cost_usd("claude-sonnet-5-5", usage, at=before) == pytest.approx(0.10)
    assert message_cost_usd("claude-sonnet-5-5", usage, at=on) == pytest.approx(0.05)
    # 01:00 on the 7th in UTC+2 is still the 6th in UTC
    east = datetime(2026, 10, 7, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert message_cost_usd("claude-sonnet-5-5", usage, at=east) == pytest.approx(0.10)


def test_price_for_returns_period() -> None:
    p = price_for("claude-sonnet-5-5", datetime(2026, 11, 1, tzinfo=UTC))
    assert p is not None
    assert p.base.cache_read == 0.1
    assert p.effective_from is not None and p.effective_from.isoformat() == "2026-10-07"
    old = price_for("claude-sonnet-5-5", datetime(2026, 9, 1, tzinfo=UTC))
    assert old is not None and old.base.cache_read == 0.2 and old.effective_from is None


def test_naive_at_is_utc() -> None:
    p = price_for("claude-sonnet-5-5", datetime(2026, 10, 7, 0, 0))
    assert p is not None and p.base.cache_read == 0.1


def test_haiku_5_5_long_prompt_band() -> None:
    # ≤ 100K prompt tokens: batch in 0.05, out 0.25. Above: the whole request at batch 0.25 / 1.25.
    at_limit = {"input_tokens": 100_000, "output_tokens": 1000}
    assert message_cost_usd("claude-haiku-5-5", at_limit, at=AT) == pytest.approx(0.005 + 0.00025)
    over = {"input_tokens": 100_001, "output_tokens": 1000}
    assert message_cost_usd("claude-haiku-5-5", over, at=AT) == pytest.approx(100_001 * 0.25 / 1e6 + 0.00125)


def test_haiku_5_5_band_counts_cached_prompt_tokens() -> None:
    usage = {"input_tokens": 50_000, "output_tokens": 0, "cache_read_input_tokens": 60_000}
    # 110K prompt -> long band: 50k * 0.25 + 60k * (0.05 * 0.5)
    assert message_cost_usd("claude-haiku-5-5", usage, at=AT) == pytest.approx((50_000 * 0.25 + 60_000 * 0.025) / 1e6)


def test_haiku_3_batch_rates_match_docs() -> None:
    assert message_cost_usd("claude-3-haiku-20240307", {"input_tokens": 1_000_000, "output_tokens": 0}) == (
        pytest.approx(0.125)
    )
    assert message_cost_usd("claude-3-haiku-20240307", {"input_tokens": 0, "output_tokens": 1_000_000}) == (
        pytest.approx(0.625)
    )


@pytest.mark.parametrize("model", ["claude-fable-5-2", "claude-mythos-5-2", "gpt-4o", "", None])
def test_unknown_model_is_none(model: str | None) -> None:
    assert message_cost_usd(model, {"input_tokens": 10, "output_tokens": 10}) is None
    assert price_for(model) is None


def test_missing_usage_is_none() -> None:
    assert message_cost_usd("claude-sonnet-4-5", None) is None


def test_garbage_usage_values_do_not_crash() -> None:
    usage = {"input_tokens": "12", "output_tokens": True, "cache_read_input_tokens": -5}
    assert message_cost_usd("claude-sonnet-4-5", usage) == 0.0


# Batch in / batch out columns of §5.1 and §5.2, $/MTok.
BATCH_TABLE = {
    "claude-fable-5": (5, 25),
    "claude-mythos-5": (5, 25),
    "claude-opus-5": (2.5, 12.5),
    "claude-opus-4-8": (2.5, 12.5),
    "claude-opus-4-5": (2.5, 12.5),
    "claude-opus-4-1": (7.5, 37.5),
    "claude-opus-4": (7.5, 37.5),
    "claude-sonnet-5": (1, 5),
    "claude-sonnet-4-6": (1.5, 7.5),
    "claude-sonnet-4": (1.5, 7.5),
    "claude-haiku-4-5": (0.5, 2.5),
    "claude-3-5-haiku": (0.4, 2),
    "claude-fable-5-1": (5, 25),
    "claude-opus-5-5": (2, 10),
    "claude-sonnet-5-5": (1, 5),
    "claude-haiku-5-5": (0.05, 0.25),
    "claude-3-7-sonnet": (1.5, 7.5),
    "claude-3-opus": (7.5, 37.5),
    "claude-3-haiku": (0.125, 0.625),
}


@pytest.mark.parametrize(("model", "batch"), BATCH_TABLE.items())
def test_batch_rates_match_reference_table(model: str, batch: tuple[float, float]) -> None:
    # 100K tokens, times 10: stays inside Haiku 5.5's ≤100K band
    tenth_in = message_cost_usd(model, {"input_tokens": 100_000, "output_tokens": 0}, at=AT)
    tenth_out = message_cost_usd(model, {"input_tokens": 0, "output_tokens": 100_000}, at=AT)
    assert tenth_in is not None and tenth_out is not None
    assert (tenth_in * 10, tenth_out * 10) == (pytest.approx(batch[0]), pytest.approx(batch[1]))


def test_cache_read_exceptions() -> None:
    # 0.025x for Fable/Mythos 5.1, 0.05x for Opus 5.5 and Sonnet 5.5 from 2026-10-07, 0.1x otherwise.
    def ratio(model: str) -> float:
        p = price_for(model, AT)
        assert p is not None
        return p.base.cache_read / p.base.input

    assert ratio("claude-fable-5-1") == pytest.approx(0.025)
    assert ratio("claude-mythos-5-1") == pytest.approx(0.025)
    assert ratio("claude-opus-5-5") == pytest.approx(0.05)
    assert ratio("claude-sonnet-5-5") == pytest.approx(0.05)
    assert ratio("claude-opus-5") == pytest.approx(0.1)


def test_price_table_is_well_formed() -> None:
    raw = json.loads(files("batchtui.core").joinpath("data/prices.json").read_text(encoding="utf-8"))
    assert raw["batch_discount"] == 0.5
    for model, periods in raw["models"].items():
        dates = [p["effective_from"] for p in periods]
        assert dates[0] is None, f"{model}: first period must start at release"
        assert dates[1:] == sorted(dates[1:]), model
        for p in periods:
            for key in ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read"):
                assert p[key] > 0, (model, key)
            if model != "claude-3-haiku":  # historical list prices predate the multiplier rule
                assert p["cache_write_5m"] == pytest.approx(1.25 * p["input"]), model
                assert p["cache_write_1h"] == pytest.approx(2 * p["input"]), model
    for alias, target in raw["aliases"].items():
        assert target in raw["models"], alias


def test_every_sdk_model_is_known() -> None:
    # The SDK's Model literal must be in the table (priced or listed as known_unpriced), so that upgrading the SDK
    # with a new model fails here instead of the validator calling it a typo.
    import typing

    from anthropic.types import Model

    def strings(tp: object) -> set[str]:
        out: set[str] = set()
        for arg in typing.get_args(tp):
            out |= {arg} if isinstance(arg, str) else strings(arg)
        return out

    unpriced = {"claude-fable-5-2", "claude-mythos-5-2", "claude-mythos-preview"}
    sdk = {cost.canonical_model(m) for m in strings(Model)}
    assert sdk <= cost.known_models()
    assert cost.known_models() - cost.priced_models() == unpriced
    assert {m for m in sdk if price_for(m) is None} == unpriced


def test_standard_price_and_saving_of_a_result() -> None:
    # Sonnet 4.5 standard: 1000 in * $3 + 500 out * $15 = $0.0105 per the same usage; batch: half, $0.00525.
    usage = {"input_tokens": 1000, "output_tokens": 500}
    batch = message_cost_usd("claude-sonnet-4-5", usage, at=AT)
    assert standard_cost_usd(batch) == pytest.approx(0.0105)
    assert saved_usd(batch) == pytest.approx(0.0105 - 0.00525)


def test_saving_counts_cache_writes_and_reads_too() -> None:
    # Haiku 4.5 standard: 2000 in * $1 + 100 out * $5 + 4000 5m writes * $1.25 + 10,000 reads * $0.10
    # = 0.002 + 0.0005 + 0.005 + 0.001 = $0.0085; batch $0.00425, so $0.00425 saved.
    usage = {
        "input_tokens": 2000,
        "output_tokens": 100,
        "cache_creation_input_tokens": 4000,
        "cache_read_input_tokens": 10_000,
    }
    batch = message_cost_usd("claude-haiku-4-5", usage, at=AT)
    assert batch == pytest.approx(0.00425)
    assert (standard_cost_usd(batch), saved_usd(batch)) == (pytest.approx(0.0085), pytest.approx(0.00425))


def test_unknown_cost_has_unknown_saving() -> None:
    assert standard_cost_usd(None) is None and saved_usd(None) is None
    assert saved_usd(0.0) == 0.0


def test_a_result_with_web_searches_is_unknown() -> None:
    # Searches are billed per search on top of tokens, at a rate the price table does not hold.
    usage = {"input_tokens": 10, "output_tokens": 10, "server_tool_use": {"web_search_requests": 2}}
    assert message_cost_usd("claude-sonnet-4-5", usage, at=AT) is None
    no_search = {**usage, "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 1}}
    assert message_cost_usd("claude-sonnet-4-5", no_search, at=AT) == pytest.approx((10 * 1.5 + 10 * 7.5) / 1e6)


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": 1200, "output_tokens": 300},
        {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 900, "cache_read_input_tokens": 40},
        {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_creation_input_tokens": 900,
            "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 600},
        },
        {"input_tokens": 250_000, "output_tokens": 1, "cache_read_input_tokens": 9},  # a long-prompt band
        {"input_tokens": 7, "output_tokens": 3, "server_tool_use": {"web_search_requests": 2}},
        {"input_tokens": 7, "output_tokens": 3, "server_tool_use": {"web_search_requests": 0}},
        # A split that says more than the total (the total says 0): the split is what is billed.
        {"input_tokens": 7, "output_tokens": 3, "cache_creation": {"ephemeral_5m_input_tokens": 300}},
        {"input_tokens": 7, "output_tokens": 3, "cache_creation": {"ephemeral_1h_input_tokens": 90}},
        {"input_tokens": 7, "output_tokens": 3, "cache_creation_input_tokens": None, "cache_read_input_tokens": 0.0},
        {"input_tokens": "7", "output_tokens": True, "cache_read_input_tokens": -4},
        {},
    ],
)
@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-haiku-5-5", "claude-opus-5", "no-such-model", None])
def test_result_costs_are_the_two_separate_figures(usage: dict, model: str | None) -> None:
    # The download path prices every result with result_costs (one lookup): it must say exactly what each does.
    for at in (None, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 11, 1)):
        separate = (cost.message_cost_usd(model, usage, at=at), cost.cache_saving_usd(model, usage, at=at))
        assert cost.result_costs(model, usage, at=at) == separate
