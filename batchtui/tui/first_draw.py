"""A new screen drawn once, full, rather than empty and then again as each read comes in.

Textual lays out and paints a pushed screen as soon as its `on_mount` returns; every answer a worker posts after
that lays it out again (a new screen of ~40 widgets: 5 to 20 ms a pass on this project's machine). So a screen's
`on_mount` awaits its first answers, up to FIRST_READ_WAIT, and shows them itself; the posted messages, when
their turn comes, are then known as shown. A slower read draws the screen empty first, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

FIRST_READ_WAIT = 0.2  # seconds a new screen's first drawing waits for its first answers

M = TypeVar("M")


class Answer(Generic[M]):
    """The last message a worker posted for a screen, and whether the screen has shown it."""

    def __init__(self) -> None:
        self.posted: M | None = None
        self._shown: M | None = None
        self._came = asyncio.Event()

    def post(self, message: M) -> M:
        """Note `message` as posted (the worker then posts it as usual)."""
        self.posted = message
        self._came.set()
        return message

    async def wait(self, deadline: float) -> M | None:
        """The posted message, waiting for one until `deadline` (the loop's clock); None if none came by then."""
        if self.posted is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._came.wait(), max(0.0, deadline - asyncio.get_running_loop().time()))
        return self.posted

    def unseen(self, message: M) -> bool:
        """True the first time `message` is shown (the caller shows it); False when it was shown already."""
        if message is self._shown:
            return False
        self._shown = message
        return True


def deadline() -> float:
    """The loop-clock time a first drawing waits until (FIRST_READ_WAIT from now)."""
    return asyncio.get_running_loop().time() + FIRST_READ_WAIT
