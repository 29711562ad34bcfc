"""A shorter GIL switch interval while results are downloaded.

A download runs three threads that take turns at the GIL: the reader, the parser and the SQLite writer. The writer
gives the GIL up at every statement, and each time it wants it back it waits until the thread holding it is asked
to let go: after the switch interval, 5 ms by default. At 0.5 ms a 100,000-result `sync` measured about 10% less
wall time (interleaved runs, benchmarks/ingest.py), for a few more switches of threads that each run for long.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

DOWNLOAD_SWITCH_INTERVAL = 0.0005  # seconds

_active = 0
_saved = 0.0


@contextlib.contextmanager
def brisk_switching() -> Iterator[None]:
    """The switch interval at DOWNLOAD_SWITCH_INTERVAL (if it is longer) until the last of the nested or
    concurrent scopes ends, then as it was. Entered and left on the event loop's thread."""
    global _active, _saved
    if _active == 0:
        _saved = sys.getswitchinterval()
        sys.setswitchinterval(min(_saved, DOWNLOAD_SWITCH_INTERVAL))
    _active += 1
    try:
        yield
    finally:
        _active -= 1
        if _active == 0:
            sys.setswitchinterval(_saved)
