"""Long-lived objects out of the garbage collector's full passes.

The dashboard holds a few hundred thousand objects for its whole life (Textual and Rich, the loaded batch list, its
rows and drawn cells). CPython's full collection walks every one of them, about 75 ms on a 10,000-batch cache, and
it fell inside key presses at random. `gc.freeze()` moves what is alive at that moment out of the collector's
reach for good: objects are still freed by reference counting when they are dropped; only a reference cycle among
frozen objects would never be reclaimed, so it is done once per process and per occasion (after the first list is
painted; after the API client is loaded behind it), never on a timer.
"""

from __future__ import annotations

import gc

_done: set[str] = set()


def freeze_once(occasion: str) -> None:
    """Freeze what is alive now, the first time `occasion` comes in this process."""
    if occasion in _done:
        return
    _done.add(occasion)
    gc.freeze()
