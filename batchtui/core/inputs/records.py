"""What readers produce and the validator reports. Plain data; no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from batchtui.core.sanitize import clean


@dataclass(frozen=True)
class InputError:
    """One problem in an input file, phrased for a human: what is wrong (`message`) and what to do (`hint`).

    `line` is 1-based, or None for a problem with the file as a whole. `field` is a dotted path into the request
    (`custom_id`, `params.max_tokens`, `params.messages.2.role`) or None. `code` is a stable machine-readable name.
    """

    file: str
    line: int | None
    field: str | None
    message: str
    hint: str = ""
    code: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = self.message if self.field is None else f"{self.field}: {self.message}"
        return f"{where}: {what}" + (f" — {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class SourceRequest:
    """One request read from an input file: the `custom_id` and Messages `params` it will be submitted with."""

    line: int
    custom_id: str
    params: dict[str, Any]

    def to_item(self) -> dict[str, Any]:
        """The request as the create call sends it."""
        return {"custom_id": self.custom_id, "params": self.params}


@dataclass(frozen=True)
class RejectedRequest:
    """A request item a reader could not turn into a SourceRequest; `custom_id` when it was still readable."""

    line: int
    errors: tuple[InputError, ...]
    custom_id: str | None = None


@dataclass(frozen=True)
class RequestDefaults:
    """Values simple formats (CSV, one prompt per line) fill in; a native JSONL request carries its own."""

    model: str | None = None
    max_tokens: int | None = None
    system: str | None = None


# A reader yields, for each request in the file, zero or more InputErrors about it followed by exactly one
# SourceRequest or RejectedRequest. A bare InputError with nothing after it is a problem that stopped reading.
ReadItem = SourceRequest | RejectedRequest | InputError


def show(value: Any, limit: int = 60) -> str:
    """A user-supplied value quoted for an error message: JSON-ish, truncated, and safe to print to a terminal."""
    if isinstance(value, dict | list):
        # Never serialise a container just to cut it: it may be megabytes.
        if isinstance(value, dict):
            return "{…}" if value else "{}"
        return "[…]" if value else "[]"
    if isinstance(value, str):
        value = value[: limit + 1]
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return clean(text)
