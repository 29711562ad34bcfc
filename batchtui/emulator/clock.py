"""Wall clock with an adjustable offset, so tests can move time instead of sleeping."""

from __future__ import annotations

import time


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the emulator sees them."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds
