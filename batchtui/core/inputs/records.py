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
    (`custom_id`, `params.max_tokens`, `params.messages.2.role`), a column of a simple format (`max_tokens`), or
    None. `code` is a stable machine-readable name. `item` is the request's 1-based position in a JSON array: a
    minified array holds every request on line 1, so the line alone would not find it.
    """

    file: str
    line: int | None
    field: str | None
    message: str
    hint: str = ""
    code: str = ""
    item: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.item is not None:
            where += f": item {self.item}"
        what = self.message if self.field is None else f"{self.field}: {self.message}"
        return f"{where}: {what}" + (f" — {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class SourceRequest:
    """One request read from an input file: the `custom_id` and Messages `params` it will be submitted with.

    `metadata` (simple formats: CSV columns and JSON keys that are not request fields) stays local: it is stored
    with the request and exported beside its result, never sent. `generated`: the reader made up the custom_id.
    """

    line: int
    custom_id: str
    params: dict[str, Any]
    metadata: dict[str, Any] | None = None
    item: int | None = None
    generated: bool = False

    def to_item(self) -> dict[str, Any]:
        """The request as the create call sends it."""
        return {"custom_id": self.custom_id, "params": self.params}

    @classmethod
    def plain(cls, line: int, custom_id: str, params: dict[str, Any]) -> SourceRequest:
        """`SourceRequest(line, custom_id, params)`, made without the frozen dataclass's __init__ (one
        object.__setattr__ per field): a JSONL file's fast lane makes 100,000 of them."""
        req = object.__new__(cls)
        fields = req.__dict__
        fields["line"] = line
        fields["custom_id"] = custom_id
        fields["params"] = params
        fields["metadata"] = None
        fields["item"] = None
        fields["generated"] = False
        return req


@dataclass(frozen=True)
class RejectedRequest:
    """A request item a reader could not turn into a SourceRequest; `custom_id` when it was still readable."""

    line: int
    errors: tuple[InputError, ...]
    custom_id: str | None = None
    item: int | None = None


@dataclass(frozen=True)
class RequestDefaults:
    """Values filled in where a request leaves them out (`--model` ...): every row of a simple format (CSV, plain
    text, simple JSON items) needs a model and max_tokens from somewhere; a native request keeps what it gives."""

    model: str | None = None
    max_tokens: int | None = None
    system: str | None = None
    temperature: float | None = None

    def as_params(self) -> dict[str, Any]:
        """The defaults that are set, as Messages params."""
        fields: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": self.system,
            "temperature": self.temperature,
        }
        return {k: v for k, v in fields.items() if v is not None}

    def fill(self, params: dict[str, Any]) -> dict[str, Any]:
        """`params` with the defaults it leaves out added; a value it gives is never replaced."""
        missing = {k: v for k, v in self.as_params().items() if k not in params}
        return {**params, **missing} if missing else params


@dataclass(frozen=True)
class ReadWarning:
    """Something a reader noticed that does not stop the file being sent (a column that looks like a misspelt
    field name)."""

    warning: InputError


# A reader yields, for each request in the file, zero or more InputErrors about it followed by exactly one
# SourceRequest or RejectedRequest. A bare InputError with nothing after it is a problem that stopped reading.
# ReadWarnings may come anywhere.
ReadItem = SourceRequest | RejectedRequest | InputError | ReadWarning


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
