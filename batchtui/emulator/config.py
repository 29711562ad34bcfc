"""Settings of one emulator instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DAY = 86_400.0


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8787  # 0 picks a free port
    state_path: Path | None = None  # None: in-memory, forgotten on stop
    batch_seconds: float = 30.0  # a batch ends about this long after creation (±30 % jitter)
    cancel_seconds: float = 2.0  # how long a canceled batch stays `canceling`
    expiry_seconds: float = DAY  # expires_at = created_at + this
    archive_seconds: float = 29 * DAY  # results are archived this long after creation
    error_rate: float = 0.0  # share of requests that end `errored` with api_error / overloaded_error
    expire_rate: float = 0.0  # share of requests that end `expired`
    fault_rate: float = 0.0  # share of HTTP calls answered with an injected fault
    seed: int | None = None  # makes ids, jitter, outcomes and faults reproducible
    retry_after_ms: int = 200  # delay suggested by injected 429s (also sent as whole seconds)
    max_body_bytes: int = 256 * 1024 * 1024  # the API's 256 MB create limit
    queue_limit: int | None = None  # most requests in `processing` across the workspace; None: no limit
