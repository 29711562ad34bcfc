"""Printing: data to stdout, diagnostics and progress to stderr.

Every JSON document goes through `batchtui.core.json_text` (escapes a terminal cannot act on, money to 6
decimals). With `--json`, a command that fails still prints one JSON object on stdout, `{"error": {...}}`, unless
it already printed its JSON: main() calls `begin` first and `finish_json` last, and the helpers here remember what
was printed and what the command said went wrong.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from batchtui.core import fmt
from batchtui.core.json_text import dumps
from batchtui.core.sanitize import clean

# Error types a script can branch on; `exit_code` says the same coarser thing (1 runtime/API, 2 usage/validation).
USAGE = "usage_error"
VALIDATION = "validation_error"


@dataclass
class _Run:
    """What this invocation printed and said, so a failure can be told as JSON."""

    json: bool = False  # --json was asked for
    emitted: bool = False  # a JSON document is already on stdout
    error: dict[str, Any] | None = None  # the failure a command described itself (validation problems...)
    said: deque[str] = field(default_factory=lambda: deque(maxlen=50))  # what note() said, newest last


_run = _Run()


def begin(*, json_output: bool) -> None:
    """Start an invocation (main() may run many times in one process, e.g. in tests)."""
    global _run
    _run = _Run(json=json_output)


def json_requested() -> bool:
    return _run.json


def emit_json(data: Any) -> None:
    sys.stdout.write(dumps(data, indent=2) + "\n")
    _run.emitted = True


def emit_json_line(record: Any) -> None:
    """One JSON object on one line (a stream of events), flushed so a reader sees it at once."""
    sys.stdout.write(dumps(record, default=str) + "\n")
    sys.stdout.flush()
    _run.emitted = True


def note(message: str) -> None:
    text = clean(message)
    print(text, file=sys.stderr)
    if _run.json:
        _run.said.append(text)


def fail(error_type: str, message: str, **details: Any) -> None:
    """Describe this command's failure for its JSON error object (the exit code is still the command's)."""
    _run.error = {"type": error_type, "message": clean(message), **details}


def fail_validation(reports: list[Any], message: str) -> None:
    """A file (or files) failed validation: each problem with its file, line, field, code, message and hint."""
    problems = [
        {
            "file": e.file,
            "line": e.line,
            "item": e.item,
            "field": e.field,
            "code": e.code,
            "message": clean(e.message),
            "hint": clean(e.hint),
        }
        for r in reports
        for e in r.errors
    ]
    omitted = sum(r.errors_omitted for r in reports)
    fail(VALIDATION, message, problems=problems, **({"problems_omitted": omitted} if omitted else {}))


def emit_error(error_type: str, message: str, exit_code: int, **details: Any) -> None:
    """With --json, and nothing printed yet: `{"error": {...}}` on stdout. Stderr says it as before."""
    if not _run.json or _run.emitted:
        return
    emit_json({"error": {"type": error_type, "message": clean(message), "exit_code": exit_code, **details}})


def finish_json(code: int) -> None:
    """At the end of a command that returned `code`: a failure with no JSON printed gets its error object, built
    from what the command described (`fail`) or else from what it said on stderr."""
    if code == 0 or not _run.json or _run.emitted:
        return
    if _run.error is not None:
        error = dict(_run.error)
        emit_error(error.pop("type"), error.pop("message"), code, **error)
        return
    said = list(_run.said)
    kind = {2: USAGE, 130: "interrupted"}.get(code, "error")
    message = said[-1] if said else f"failed with exit code {code}"
    emit_error(kind, message, code, **({"messages": said} if said else {}))


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
