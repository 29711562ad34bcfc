"""The create preview's auto-cache line: what the shared prefixes are and what marking them should save."""

from __future__ import annotations

from textual.content import Content

from batchtui.core import fmt
from batchtui.core.cache_estimate import AutoCacheSummary
from batchtui.tui.safe import content_assemble


def _range(low: float, high: float) -> str:
    return fmt.money(low) if fmt.money(low) == fmt.money(high) else f"{fmt.money(low)} – {fmt.money(high)}"


def cache_content(summary: AutoCacheSummary | None) -> Content:
    """One paragraph under the checkbox: the estimate with and without, or why there is nothing to cache."""
    if summary is None or not summary.estimate.requests_marked:
        return Content.styled("No prefix is shared by 2 or more requests and long enough to cache.", "dim")
    e = summary.estimate
    verb = "marked" if summary.applied else "can be marked"
    return content_assemble(
        f"{fmt.count(e.prefixes)} shared prefix{'es' if e.prefixes != 1 else ''} {verb} in "
        f"{fmt.count(e.requests_marked)} requests · estimated ",
        (_range(*summary.with_cache), "bold"),
        f" with caching, {_range(*summary.without)} without (saving up to ",
        (fmt.money(e.saving_high_usd), "bold green"),
        ")\n",
        ("If the first request per prefix writes the cache and the rest read it; batch cache hits are best-effort "
         f"(none at all: at most {fmt.money(e.worst_extra_usd)} more).", "dim"),
    )  # fmt: skip
