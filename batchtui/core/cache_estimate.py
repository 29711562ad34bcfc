"""What auto-caching should save, estimated before anything is sent, bounded like every estimate here.

The assumption, said wherever the figure is shown: in file order, the first request to use a prefix writes it to
the cache (at the write rate) and every later one reads it (at the read rate). On the Batch API cache hits are
best-effort (requests run concurrently, over minutes to hours), so the real saving can be lower: `worst_extra_usd`
is the most the added breakpoints can cost if no request ever hits the cache (each pays the write premium on its
prefix).

The saving is computed twice: with every prefix at its lower and at its upper token bound (core/tokens.py), each
checked against the model's minimum cacheable length (a prefix under it is not cached: no saving, no cost). A
marked request whose model has no known price, or whose prefix holds content that cannot be bounded (a PDF, a file
id), is counted as unknown and left out of the figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from batchtui.core.cache_rules import minimum_tokens
from batchtui.core.caching import Candidate, Marking
from batchtui.core.cost import MTOK, Rates, batch_discount, price_for
from batchtui.core.tokens import input_bounds

ASSUMES = (
    "the first request to use each prefix writes it to the cache and every later one reads it; batch cache hits "
    "are best-effort, so the real saving can be lower"
)
_NO_RATES = Rates(0, 0, 0, 0, 0)
LARGE_SHARE = 0.2  # "large": the saving could be a fifth of the estimated cost or more


@dataclass(frozen=True)
class _Breakpoint:
    key: int
    tokens: int
    ttl: str


def _benefit(points: Sequence[_Breakpoint], minimum: int, seen: set[int], r: Rates) -> float:
    """What caching takes off one request's standard price (negative: it adds), in USD x MTok."""
    live = [p for p in points if p.tokens >= minimum]
    hits = [i for i, p in enumerate(live) if p.key in seen]
    read_at = hits[-1] if hits else -1
    read = live[read_at].tokens if hits else 0
    done, write_5m, write_1h = read, 0, 0
    for p in live[read_at + 1 :]:
        segment, done = max(0, p.tokens - done), max(done, p.tokens)
        if p.ttl == "1h":
            write_1h += segment
        else:
            write_5m += segment
    seen.update(p.key for p in live)
    return (
        read * (r.input - r.cache_read)
        - write_5m * (r.cache_write_5m - r.input)
        - write_1h * (r.cache_write_1h - r.input)
    )


def _points(
    cands: Sequence[Candidate], added: Sequence[Candidate], tokens: Callable[[Candidate], int]
) -> list[_Breakpoint]:
    """The request's breakpoints among its candidates: those it carries, plus `added`, in prompt order."""
    return [_Breakpoint(c.key, tokens(c), c.ttl or "5m") for c in cands if c.ttl is not None or c in added]


@dataclass
class SavingEstimate:
    """Accumulates pass 2's markings into the estimated saving (USD at batch rates)."""

    at: datetime | None = None
    requests_marked: int = 0
    breakpoints_added: int = 0
    unknown_requests: int = 0
    saving_low_usd: float = 0.0
    saving_high_usd: float = 0.0
    worst_extra_usd: float = 0.0
    _prefixes: set[int] = field(default_factory=set, repr=False)
    _seen: dict[tuple[str, bool], set[int]] = field(default_factory=dict, repr=False)

    @property
    def prefixes(self) -> int:
        """Distinct prefixes given a breakpoint."""
        return len(self._prefixes)

    def add(self, marking: Marking) -> None:
        cands, added = marking.candidates, marking.added
        if not added and not any(c.ttl for c in cands):
            return  # no breakpoint before or after: nothing cached either way
        if added:
            self.requests_marked += 1
            self.breakpoints_added += len(added)
            self._prefixes.update(c.key for c in added)
        model = marking.params.get("model")
        price = price_for(model if isinstance(model, str) else None, self.at)
        unknown = price is None or any(c.unbounded for c in cands if c.ttl or c in added)
        if unknown and added:
            self.unknown_requests += 1
        # The request's own bounds pick the rates only where a model has a long-prompt band (Haiku 5.5).
        banded = price is not None and price.long_prompt is not None
        bounds = input_bounds(marking.params) if banded else None
        scale = batch_discount() / MTOK
        minimum = minimum_tokens(model) if isinstance(model, str) else 0
        for scenario in ("low", "high"):
            tokens = 0 if bounds is None else (bounds.low if scenario == "low" else bounds.high)
            rates = price.rates_for(tokens) if price is not None else _NO_RATES  # the cache is simulated either way
            of = _low if scenario == "low" else _high
            with_marks = _benefit(_points(cands, added, of), minimum, self._seen_in(scenario, True), rates)
            without = _benefit(_points(cands, (), of), minimum, self._seen_in(scenario, False), rates)
            if unknown:
                continue
            if scenario == "low":
                self.saving_low_usd += (with_marks - without) * scale
            else:
                self.saving_high_usd += (with_marks - without) * scale
                longest = max((c.high for c in added if c.high >= minimum), default=0)
                self.worst_extra_usd += longest * (rates.cache_write_5m - rates.input) * scale

    def _seen_in(self, scenario: str, marked: bool) -> set[int]:
        """The prefixes already written in file order, per token scenario, with and without the added marks."""
        return self._seen.setdefault((scenario, marked), set())


def _low(c: Candidate) -> int:
    return c.low


def _high(c: Candidate) -> int:
    return c.high


@dataclass(frozen=True)
class AutoCacheSummary:
    """What `submit --auto-cache` found and what it should save, beside the estimate without it."""

    applied: bool  # the body sent carries the breakpoints (False: a suggestion from a dry run)
    share: int
    estimate: SavingEstimate
    without: tuple[float, float]  # the file's estimated cost without auto-caching (low, high)

    @property
    def with_cache(self) -> tuple[float, float]:
        low, high = self.without
        return (low - self.estimate.saving_low_usd, high - self.estimate.saving_high_usd)

    @property
    def large(self) -> bool:
        """Worth turning on: the saving could be a fifth of the cost or more (and at least a cent)."""
        saving = self.estimate.saving_high_usd
        return saving >= 0.01 and saving >= LARGE_SHARE * self.without[1]

    def to_json(self) -> dict[str, Any]:
        e = self.estimate
        with_low, with_high = self.with_cache
        return {
            "applied": self.applied,
            "share": self.share,
            "prefixes": e.prefixes,
            "requests_marked": e.requests_marked,
            "breakpoints_added": e.breakpoints_added,
            "estimated_cost_usd": {
                "without": {"low": self.without[0], "high": self.without[1]},
                "with": {"low": with_low, "high": with_high},
            },
            "estimated_saving_usd": {"low": e.saving_low_usd, "high": e.saving_high_usd},
            "worst_case_extra_usd": e.worst_extra_usd,
            "unknown_requests": e.unknown_requests,
            "large": self.large,
            "assumes": ASSUMES,
        }
