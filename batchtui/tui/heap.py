"""Long-lived objects out of the garbage collector's full passes.

The dashboard holds a few hundred thousand objects for its whole life (Textual and Rich, the loaded batch list, its
rows and drawn cells). CPython's full collection walks every one of them, about 75 ms on a 10,000-batch cache, and
it fell inside key presses at random. `gc.freeze()` moves what is alive at that moment out of the collector's
reach for good: objects are still freed by reference counting when they are dropped; only a reference cycle among
frozen objects would never be reclaimed, so it is done once per process and per occasion (after the first list is
painted; after the API client is loaded behind it), never on a timer.

What is made after that (a re-filtered list, a screen opened) is still walked by each full pass, and with so little
left outside the frozen part the collector's rule for them (a full pass once the survivors since the last one are a
quarter of the rest) let one in every ten generation-1 passes: about one in two `s` or Enter presses, 15-110 ms
each on 10,000 batches. At the first freeze full passes are made ten times rarer (FULL_PASS_EVERY generation-1
passes): cycles that outlived two passes wait longer to be freed; nothing else changes.
"""

from __future__ import annotations

import gc

_done: set[str] = set()
FULL_PASS_EVERY = 100  # generation-1 passes between full ones (CPython's default: 10)


def freeze_once(occasion: str) -> None:
    """Freeze what is alive now, the first time `occasion` comes in this process."""
    if occasion in _done:
        return
    _done.add(occasion)
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, max(old, FULL_PASS_EVERY))
