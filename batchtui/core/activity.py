"""A record of every API call, for the dashboard's activity panel and for diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApiCall:
    at: datetime
    method: str
    path: str
    status: int | None  # None: no response (connection error, timeout)
    latency_ms: float
    request_id: str | None
    error: str | None = None


ActivitySink = Callable[[ApiCall], None]
