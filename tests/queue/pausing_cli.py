"""`batchtui` with a pause point, for kill -9 tests: `python pausing_cli.py MARKER MODULE:ATTR N -- ARGS...` runs
the CLI with ARGS, and after the N-th return of the coroutine function MODULE:ATTR (a dotted attribute path, e.g.
`batchtui.core.store.queue_flushes:QueueFlushMixin.claim_flush`) that returned something other than None, writes
MARKER and freezes the whole process (event loop included) until it is killed. The code under test is unchanged."""

from __future__ import annotations

import functools
import importlib
import sys
import time
from pathlib import Path


def install(marker: Path, target: str, nth: int) -> None:
    module_name, _, path = target.partition(":")
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    async def paused(*args, **kwargs):
        nonlocal calls
        result = await original(*args, **kwargs)
        if result is not None:
            calls += 1
            if calls >= nth:
                marker.write_text("paused")
                time.sleep(3600)  # noqa: ASYNC251 -- blocks the loop on purpose: nothing more happens until SIGKILL
        return result

    setattr(owner, name, paused)


if __name__ == "__main__":
    marker, target, nth, sep, *cli_args = sys.argv[1:]
    assert sep == "--", "usage: pausing_cli.py MARKER MODULE:ATTR N -- ARGS..."
    install(Path(marker), target, int(nth))
    from batchtui.cli import main

    sys.exit(main(cli_args))
