"""Answer reuse (`submit --reuse`): a request whose params are identical to one already answered successfully in
the cache is answered from there instead of being sent again. What is decided and counted; no I/O here.

Identity is the sha256 of the request's params as its file gives them (defaults filled in), in canonical JSON
(core/inputs/canonical.py): model, system, messages, max_tokens, temperature, tools… all of it, nothing normalised.
Auto-cache's breakpoints are added after that, so the same file matches with or without `--auto-cache`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from batchtui.core.fmt import count, money

LOCAL_PREFIX = "reuse_"  # a local batch (every answer reused, nothing sent): never an id the API gives
_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def is_local_batch_id(batch_id: str) -> bool:
    """A batch made here for answers reused in full: it was never on the API, so nothing is asked of it there."""
    return batch_id.startswith(LOCAL_PREFIX)


def parse_max_age(text: str) -> timedelta:
    """`30d`, `12h`, `2w`, `90m` → a timedelta; ValueError says what is accepted."""
    m = _AGE.match(text)
    if m is None or int(m[1]) == 0:
        raise ValueError(f"{text!r} is not an age; use whole minutes, hours, days or weeks: 90m, 12h, 30d, 2w")
    return timedelta(**{_UNITS[m[2]]: int(m[1])})


def age_text(age: timedelta | None) -> str | None:
    """The shortest exact form of an age, as `parse_max_age` reads it (None: no bound)."""
    if age is None:
        return None
    minutes = int(age.total_seconds() // 60)
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


@dataclass(frozen=True)
class ReuseSource:
    """A stored succeeded result that answers a request: where it is and what it cost."""

    batch_id: str
    custom_id: str
    cost_usd: float | None  # at batch rates; None: its model (or a per-search charge) has no known price
    ended_at: str  # its batch's end, RFC 3339 as stored: the newest answer wins


@dataclass
class ReuseTally:
    """What reuse took (or, counting only, would take) from the cache for one file, and what that saves."""

    reused: int = 0
    saved_usd: float = 0.0  # the reused results' known costs: what not sending them again saves
    unpriced: int = 0  # reused results with no known cost (their saving is unknown, never guessed)
    estimate_low_usd: float = 0.0  # the reused requests' share of the file's estimate (to take off it)
    estimate_high_usd: float = 0.0
    estimate_unpriced: int = 0  # reused requests the estimate could not price
    sources: Counter[str] = field(default_factory=Counter)  # source batch id → answers taken from it

    def add(self, source: ReuseSource, estimate: tuple[float, float] | None) -> None:
        self.reused += 1
        self.sources[source.batch_id] += 1
        if source.cost_usd is None:
            self.unpriced += 1
        else:
            self.saved_usd += source.cost_usd
        if estimate is None:
            self.estimate_unpriced += 1
        else:
            self.estimate_low_usd += estimate[0]
            self.estimate_high_usd += estimate[1]


@dataclass(frozen=True)
class ReuseSummary:
    """What `submit --reuse` did (or would do): printed by the CLI, shown by the create preview."""

    applied: bool  # answered requests were left out of what is sent (False: only counted)
    max_age: timedelta | None
    requests: int  # valid requests in the file
    tally: ReuseTally
    sent: int  # requests sent (or to send) to the API
    body_bytes: int  # their create body(ies)
    estimated_cost_usd: tuple[float, float]  # of what is sent
    unpriced_requests: int  # of what is sent, the estimate could not price

    @property
    def reused(self) -> int:
        return self.tally.reused

    @property
    def all_reused(self) -> bool:
        return self.applied and self.requests > 0 and self.sent == 0

    def saving_text(self) -> str:
        """`$1.23`, `$1.23 + unknown for 2`, or `unknown` when no reused answer has a known cost."""
        t = self.tally
        if t.unpriced and t.unpriced == t.reused:
            return "unknown"
        return money(t.saved_usd) + (f" + unknown for {count(t.unpriced)}" if t.unpriced else "")

    def to_json(self) -> dict[str, Any]:
        t = self.tally
        low, high = self.estimated_cost_usd
        return {
            "applied": self.applied,
            "max_age": age_text(self.max_age),
            "requests": self.requests,
            "reused": t.reused,
            "sent": self.sent,
            "all_reused": self.all_reused,
            "saved_usd": round(t.saved_usd, 10),  # the known part; see unpriced_reused
            "unpriced_reused": t.unpriced,
            "sources": dict(t.sources.most_common()),
            "body_bytes": self.body_bytes,
            "estimated_cost_usd": {"low": low, "high": high},  # of what is sent
            "unpriced_requests": self.unpriced_requests,
        }


def batch_reuse_text(reused: int, saved_usd: float, unpriced: int) -> str:
    """`12 answers from earlier batches, saved $0.34` (a batch's reused rows summed), `—` when none."""
    if not reused:
        return "—"
    if unpriced == reused:
        saving = "unknown"
    else:
        saving = money(saved_usd) + (f" + unknown for {count(unpriced)}" if unpriced else "")
    return f"{count(reused)} answer{'s' if reused != 1 else ''} from earlier batches, not sent again: saved {saving}"
