"""Cost at Message Batches rates (50 % of standard), from `data/prices.json`; what the same usage costs on the
standard API; and the bounds of a request's cost before it is sent.

Prices are dated: each model has price periods with an `effective_from` day (00:00 UTC), because list prices moved
several times in 2026. Pass `at` = when the batch ran (its `created_at`) to bill at the price of the day; `None`
means now. Unknown models give `None`, never a guess: a wrong number is worse than a blank.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from batchtui.core.tokens import InputBounds, input_bounds

MTOK = 1_000_000
_SUFFIX = re.compile(r"(?:[-@]\d{8}|-latest)$")


@dataclass(frozen=True)
class Rates:
    """Standard USD per million tokens for each kind of token."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


@dataclass(frozen=True)
class ModelPrice:
    """One model's standard prices for one period; `long_prompt` applies to a whole request above a prompt size."""

    model: str
    effective_from: date | None
    base: Rates
    long_prompt: Rates | None = None
    long_prompt_above_tokens: int | None = None

    def rates_for(self, prompt_tokens: int) -> Rates:
        above = self.long_prompt_above_tokens
        if self.long_prompt is not None and above is not None and prompt_tokens > above:
            return self.long_prompt
        return self.base


def _rates(d: Mapping[str, Any]) -> Rates:
    return Rates(
        input=float(d["input"]),
        output=float(d["output"]),
        cache_write_5m=float(d["cache_write_5m"]),
        cache_write_1h=float(d["cache_write_1h"]),
        cache_read=float(d["cache_read"]),
    )


@dataclass(frozen=True)
class _Table:
    batch_discount: float
    aliases: dict[str, str]
    periods: dict[str, tuple[ModelPrice, ...]]  # sorted by effective_from; the first may be None (since release)
    known_unpriced: frozenset[str]  # real model ids with no published price yet


@cache
def _table() -> _Table:
    raw = json.loads(files("batchtui.core").joinpath("data/prices.json").read_text(encoding="utf-8"))
    periods: dict[str, tuple[ModelPrice, ...]] = {}
    for model, entries in raw["models"].items():
        out = []
        for e in entries:
            band = e.get("long_prompt")
            out.append(
                ModelPrice(
                    model=model,
                    effective_from=date.fromisoformat(e["effective_from"]) if e["effective_from"] else None,
                    base=_rates(e),
                    long_prompt=_rates(band) if band else None,
                    long_prompt_above_tokens=int(band["above_tokens"]) if band else None,
                )
            )
        out.sort(key=lambda p: p.effective_from or date.min)
        periods[model] = tuple(out)
    return _Table(float(raw["batch_discount"]), dict(raw["aliases"]), periods, frozenset(raw["known_unpriced"]))


def batch_discount() -> float:
    """The multiplier batch usage is billed at (0.5)."""
    return _table().batch_discount


def canonical_model(model: str) -> str:
    """`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5`; `claude-3-7-sonnet-latest` -> `claude-3-7-sonnet`."""
    base = _SUFFIX.sub("", model)
    return _table().aliases.get(base, base)


def priced_models() -> frozenset[str]:
    """Canonical ids of every model with a known price."""
    return frozenset(_table().periods)


def known_models() -> frozenset[str]:
    """Canonical ids of every model the table knows, priced or not (to tell a typo from a model without a price)."""
    return priced_models() | _table().known_unpriced


def _day(at: datetime | None) -> date:
    if at is None:
        return datetime.now(UTC).date()
    return _day_of(at)


@lru_cache(maxsize=64)  # a download prices every result as of the same `at`
def _day_of(at: datetime) -> date:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).date()


def price_for(model: str | None, at: datetime | None = None) -> ModelPrice | None:
    """Standard prices of `model` in force at `at` (default now), or None for an unknown model."""
    if not model:
        return None
    return _price_on(model, _day(at))


@lru_cache(maxsize=1024)  # validating a file asks for the same few models 100,000 times
def _price_on(model: str, day: date) -> ModelPrice | None:
    periods = _table().periods.get(canonical_model(model))
    if not periods:
        return None
    starts = [p.effective_from or date.min for p in periods]
    i = bisect_right(starts, day) - 1
    # Before the first dated period (a batch older than our records): the earliest price is the best we know.
    return periods[max(i, 0)]


def _tokens(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    if type(value) is int:  # the usual case, checked first: this runs ~10 times per result of a 100k download
        return value if value >= 0 else 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return value


def message_cost_usd(model: str | None, usage: dict | None, *, at: datetime | None = None) -> float | None:
    """USD billed for one succeeded request, or None when the model's price (or the usage) is unknown.

    `usage` is the API's usage object as a dict. Cache writes are split by TTL when `cache_creation` breaks them
    down; any part it does not account for is billed at the 5-minute rate, the API's default TTL. Web searches are
    billed per search on top of tokens, at a rate this table does not hold: a result that made any is unknown.
    """
    price = price_for(model, at)
    if price is None or not isinstance(usage, Mapping) or _has_unpriced_charges(usage):
        return None
    write_5m, write_1h, read = _cache_tokens(usage)
    fresh = _tokens(usage, "input_tokens")
    rates = price.rates_for(fresh + write_5m + write_1h + read)
    return _standard_cost(rates, usage, fresh, write_5m, write_1h, read) * batch_discount() / MTOK


def result_costs(
    model: str | None, usage: dict | None, *, at: datetime | None = None
) -> tuple[float | None, float | None]:
    """(`message_cost_usd`, `cache_saving_usd`) of one succeeded result, the same figures from one price lookup and
    one read of `usage`: the download path prices 100,000 results with it."""
    price = price_for(model, at)
    if price is None or not (type(usage) is dict or isinstance(usage, Mapping)):
        return None, None
    get = usage.get
    fresh, out, server, split = get("input_tokens"), get("output_tokens"), get("server_tool_use"), get("cache_creation")
    if (
        # Most results: plain counts, nothing cached, no web search. The same sums as below, without their zeros.
        get("cache_creation_input_tokens", 0) == 0
        and get("cache_read_input_tokens", 0) == 0
        and (split is None or (type(split) is dict and not split.get("ephemeral_5m_input_tokens", 0)))
        and (split is None or not split.get("ephemeral_1h_input_tokens", 0))
        and type(fresh) is int
        and type(out) is int
        and fresh >= 0
        and out >= 0
        and (server is None or (type(server) is dict and _searches(server) == 0))
    ):
        rates = price.rates_for(fresh)
        return (fresh * rates.input + out * rates.output) * batch_discount() / MTOK, 0.0
    write_5m, write_1h, read = _cache_tokens(usage)
    fresh = _tokens(usage, "input_tokens")
    rates = price.rates_for(fresh + write_5m + write_1h + read)
    scale = batch_discount()
    cost = None
    if not _has_unpriced_charges(usage):
        cost = _standard_cost(rates, usage, fresh, write_5m, write_1h, read) * scale / MTOK
    if not (write_5m or write_1h or read):
        return cost, 0.0
    plain = (write_5m + write_1h + read) * rates.input
    billed = write_5m * rates.cache_write_5m + write_1h * rates.cache_write_1h + read * rates.cache_read
    return cost, (plain - billed) * scale / MTOK


def _standard_cost(
    rates: Rates, usage: Mapping[str, Any], fresh: int, write_5m: int, write_1h: int, read: int
) -> float:
    """A result's tokens at the standard rates `rates` gives, per MTok (the batch discount is applied by callers)."""
    return (
        fresh * rates.input
        + _tokens(usage, "output_tokens") * rates.output
        + write_5m * rates.cache_write_5m
        + write_1h * rates.cache_write_1h
        + read * rates.cache_read
    )


def _searches(server: dict[str, Any]) -> int:
    return _tokens(server, "web_search_requests")


def _cache_tokens(usage: Mapping[str, Any]) -> tuple[int, int, int]:
    """(5-minute writes, 1-hour writes, reads). Writes are split by TTL when `cache_creation` breaks them down; any
    part it does not account for is a 5-minute write, the API's default TTL."""
    write_total = _tokens(usage, "cache_creation_input_tokens")
    split = usage.get("cache_creation")
    if type(split) is dict or isinstance(split, Mapping):
        write_1h = _tokens(split, "ephemeral_1h_input_tokens")
        write_5m = max(write_total - write_1h, _tokens(split, "ephemeral_5m_input_tokens"))
    else:
        write_1h, write_5m = 0, write_total
    return write_5m, write_1h, _tokens(usage, "cache_read_input_tokens")


def cache_saving_usd(model: str | None, usage: dict | None, *, at: datetime | None = None) -> float | None:
    """What prompt caching saved on one succeeded request, at batch rates: its cached tokens (written and read)
    priced as plain input, minus what they were billed as cache writes and reads. Negative when writes cost more
    than reads saved (a write is billed 1.25x or 2x input and saves nothing itself). None when the model's price or
    the usage is unknown. Per-search charges do not change it: they are not input tokens."""
    price = price_for(model, at)
    if price is None or not isinstance(usage, Mapping):
        return None
    write_5m, write_1h, read = _cache_tokens(usage)
    if not (write_5m or write_1h or read):
        return 0.0
    rates = price.rates_for(_tokens(usage, "input_tokens") + write_5m + write_1h + read)
    plain = (write_5m + write_1h + read) * rates.input
    billed = write_5m * rates.cache_write_5m + write_1h * rates.cache_write_1h + read * rates.cache_read
    return (plain - billed) * batch_discount() / MTOK


def _has_unpriced_charges(usage: Mapping[str, Any]) -> bool:
    server = usage.get("server_tool_use")
    return (type(server) is dict or isinstance(server, Mapping)) and _tokens(server, "web_search_requests") > 0


def standard_cost_usd(batch_usd: float | None) -> float | None:
    """What usage billed `batch_usd` at batch rates costs on the standard API (None stays None: unknown)."""
    return None if batch_usd is None else batch_usd / batch_discount()


def saved_usd(batch_usd: float | None) -> float | None:
    """What the Batch API saved against the standard API for usage billed `batch_usd`."""
    standard = standard_cost_usd(batch_usd)
    return None if standard is None or batch_usd is None else standard - batch_usd


@dataclass(frozen=True)
class RequestEstimate:
    """A request's cost at batch rates before it is sent: `low` ≤ what it is billed ≤ `high`, if it succeeds
    (an errored, canceled or expired request costs nothing). `unknown` says why there are no bounds."""

    low_usd: float | None
    high_usd: float | None
    tokens: InputBounds | None = None
    unknown: str | None = None

    @property
    def bounds(self) -> tuple[float, float] | None:
        return None if self.low_usd is None or self.high_usd is None else (self.low_usd, self.high_usd)


def estimate_request(params: Mapping[str, Any], *, at: datetime | None = None) -> RequestEstimate:
    """Bounds on one request's cost at batch rates.

    Input: between `tokens.input_bounds` low and high. The low bills all of it at the cheapest rate it could get
    (the cache read rate when the prompt has a cache breakpoint, else the input rate) and no output at all; the high
    bills all of it at the dearest (the cache write rate of the longest TTL marked, else the input rate) and a reply
    of `max_tokens`, which output never exceeds (thinking included).
    """
    model = params.get("model")
    price = price_for(model if isinstance(model, str) else None, at)
    if price is None:
        return RequestEstimate(None, None, unknown="the model has no known price")
    tokens = input_bounds(params)
    if tokens.unbounded is not None:
        return RequestEstimate(None, None, tokens, unknown=f"its input cannot be bounded: {tokens.unbounded}")
    low, high = bounds_usd(price, tokens.low, tokens.high, tokens.cache_ttl, params.get("max_tokens"))
    return RequestEstimate(low, high, tokens)


def bounds_usd(price: ModelPrice, low: int, high: int, cache_ttl: str | None, max_tokens: Any) -> tuple[float, float]:
    """`estimate_request`'s (low, high) USD from a request's input token bounds, its cache TTL and its max_tokens."""
    out_high = max_tokens if isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and max_tokens > 0 else 0
    low_rates, high_rates = price.rates_for(low), price.rates_for(high)
    low_input = low_rates.input if cache_ttl is None else min(low_rates.input, low_rates.cache_read)
    if cache_ttl is None:
        high_input = high_rates.input
    elif cache_ttl == "5m":
        high_input = max(high_rates.input, high_rates.cache_write_5m)
    elif cache_ttl == "1h":
        high_input = max(high_rates.input, high_rates.cache_write_1h)
    else:
        raise KeyError(cache_ttl)
    scale = batch_discount() / MTOK
    return low * low_input * scale, (high * high_input + out_high * high_rates.output) * scale


LinearRates = tuple[float, float, float, float, float]


def linear_rates(price: ModelPrice | None, cache_ttl: str | None) -> LinearRates | None:
    """`bounds_usd` of `price` for requests that stay in its base band, as numbers: (above, low_rate, high_rate,
    out_rate, scale) such that for input bounds low <= high <= above and a max_tokens >= 0, bounds_usd gives
    (low * low_rate * scale, (high * high_rate + max_tokens * out_rate) * scale), to the bit (its own operations,
    in its order). `above` is inf for a price with no long-prompt band; None for no price. For a caller that
    prices thousands of requests of a few models (validating a file)."""
    if price is None:
        return None
    above = price.long_prompt_above_tokens
    rates = price.base  # price.rates_for(n) for every n <= above
    low_rate = rates.input if cache_ttl is None else min(rates.input, rates.cache_read)
    if cache_ttl is None:
        high_rate = rates.input
    elif cache_ttl == "5m":
        high_rate = max(rates.input, rates.cache_write_5m)
    elif cache_ttl == "1h":
        high_rate = max(rates.input, rates.cache_write_1h)
    else:
        raise KeyError(cache_ttl)
    limit = float("inf") if price.long_prompt is None or above is None else above
    return limit, low_rate, high_rate, rates.output, batch_discount() / MTOK


def estimate_request_cost(params: Mapping[str, Any], *, at: datetime | None = None) -> tuple[float, float] | None:
    """(low, high) USD at batch rates for one request's params, or None when unknown (a model with no known price,
    or input that cannot be bounded). See `estimate_request`."""
    return estimate_request(params, at=at).bounds
