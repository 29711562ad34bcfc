"""Fault injection: random at `--fault-rate`, or forced one at a time by tests (`faults.inject(...)`)."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

# Kinds of fault, and which calls each can hit.
RATE_LIMIT = "rate_limit"  # 429 with retry-after
SERVER_ERROR = "server_error"  # 500 api_error
OVERLOADED = "overloaded"  # 529 overloaded_error
CUT_STREAM = "cut_stream"  # results body cut off mid-way
LOST_CREATE = "lost_create"  # create stored, then the connection drops before the response
HELD_CREATE = "held_create"  # create stored, then the response is held back (a client killed while it waits)
HOLD_SECONDS = 600.0

KINDS = (RATE_LIMIT, SERVER_ERROR, OVERLOADED, CUT_STREAM, LOST_CREATE, HELD_CREATE)
_ANYWHERE = (RATE_LIMIT, SERVER_ERROR, OVERLOADED)
_FORCED_ONLY = (HELD_CREATE,)  # never served at random: it stalls a client for minutes


@dataclass
class _Forced:
    kind: str
    route: str | None  # "create", "list", "retrieve", "cancel", "delete", "results" or None for any
    remaining: int


class Faults:
    def __init__(self, rate: float = 0.0, seed: int | None = None) -> None:
        self.rate = rate
        self._rng = random.Random(None if seed is None else seed + 1)
        self._forced: list[_Forced] = []
        self._lock = threading.Lock()  # tests inject from another thread than the server's
        self.injected: list[tuple[str, str]] = []  # (route, kind) of every fault served, for tests and logs
        self.calls: Counter[str] = Counter()  # authenticated calls per route, for tests and benchmarks

    def inject(self, kind: str, *, route: str | None = None, times: int = 1) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(KINDS)}")
        with self._lock:
            self._forced.append(_Forced(kind, route, times))

    def pick(self, route: str) -> str | None:
        """The fault to serve on this call, if any."""
        with self._lock:
            self.calls[route] += 1
            for forced in self._forced:
                if forced.route in (None, route) and _applies(forced.kind, route):
                    forced.remaining -= 1
                    if forced.remaining <= 0:
                        self._forced.remove(forced)
                    self.injected.append((route, forced.kind))
                    return forced.kind
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return None
            choices = [k for k in KINDS if _applies(k, route) and k not in _FORCED_ONLY]
            kind = self._rng.choice(choices)
            self.injected.append((route, kind))
            return kind


def _applies(kind: str, route: str) -> bool:
    if kind == CUT_STREAM:
        return route == "results"
    if kind in (LOST_CREATE, HELD_CREATE):
        return route == "create"
    return kind in _ANYWHERE
