"""Printing: data to stdout, diagnostics and progress to stderr."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from batchtui.core import fmt
from batchtui.core.sanitize import clean


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def note(message: str) -> None:
    print(clean(message), file=sys.stderr)


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), *(line(r) for r in rows)])


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, *, unit: str = "rows") -> None:
        self.label = label
        self.unit = unit
        self.enabled = sys.stderr.isatty()
        self._last = 0.0

    def update(self, done: int, total: int) -> None:
        if not self.enabled or (time.monotonic() - self._last < 0.1 and done < total):
            return
        self._last = time.monotonic()
        width = 30
        frac = min(1.0, done / total) if total else 0.0
        bar = "█" * int(frac * width) + "░" * (width - int(frac * width))
        amount = (
            f"{fmt.naturalsize(done)}/{fmt.naturalsize(total)}"
            if self.unit == "bytes"
            else f"{fmt.count(done)}/{fmt.count(total)} {self.unit}"
        )
        sys.stderr.write(f"\r{self.label} {bar} {frac:4.0%} {amount}\x1b[K")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
