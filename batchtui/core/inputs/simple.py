"""Requests from the simple formats (CSV rows, plain-text lines, `{"content": ...}` JSON items): a prompt plus a few
optional fields, completed by the defaults (`--model` ...) and given a generated custom_id when they have none.

Readers turn their cells into a SimpleRow; `SimpleBuilder` applies the rules shared by every simple format, so a
CSV row and a JSON item with the same fields become the same request.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from batchtui.core.inputs.custom_ids import generated_custom_id, reserved_custom_id_error
from batchtui.core.inputs.records import (
    InputError,
    ReadItem,
    RejectedRequest,
    RequestDefaults,
    SourceRequest,
    show,
)

# Fields a simple row may give; anything else is metadata (kept locally, never sent).
PROMPT_FIELDS = ("prompt", "content")
ID_FIELDS = ("custom_id", "id")
PARAM_FIELDS = ("system", "model", "max_tokens", "temperature")
KNOWN_FIELDS = (*PROMPT_FIELDS, *ID_FIELDS, *PARAM_FIELDS)
# The flag (and the dashboard field) that gives each param a default, for "missing" messages.
FLAGS = {"model": ("--model", "Model"), "max_tokens": ("--max-tokens", "Max tokens")}
_EXAMPLES = {"model": "claude-sonnet-4-5", "max_tokens": "1024"}


@dataclass
class SimpleRow:
    """One request of a simple format, as read. `number` is what a generated custom_id is made from (the line, or
    the position in a JSON array); `fields` holds the PARAM_FIELDS the row gives, already typed."""

    line: int
    number: int
    prompt: Any  # a string (or, from JSON, a list of content blocks)
    prompt_field: str = "prompt"
    custom_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    item: int | None = None
    errors: list[InputError] = field(default_factory=list)


def near_field(name: str) -> str | None:
    """The known field a metadata name was probably meant to be (`max_token` → `max_tokens`)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in KNOWN_FIELDS:
        return key
    found = difflib.get_close_matches(key, KNOWN_FIELDS, n=1, cutoff=0.8)
    return found[0] if found else None


def metadata_warning(name: str, *, file: str, line: int | None, item: int | None = None) -> InputError | None:
    """A warning for a metadata column (or key) that looks like a misspelt request field."""
    meant = near_field(name)
    if meant is None:
        return None
    return InputError(
        file,
        line,
        show(name, 40).strip('"'),
        f"is kept as metadata (not sent); did you mean {meant}?",
        f"rename it to {meant} if it should be part of the request",
        "metadata_near_field",
        item,
    )


def temperature_error(value: Any, *, file: str, line: int, item: int | None = None) -> InputError | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and 0.0 <= value <= 1.0:
        return None
    return InputError(
        file,
        line,
        "temperature",
        f"must be a number from 0 to 1 (got {show(value)})",
        "e.g. 0.2, or leave it out to use the default",
        "temperature",
        item,
    )


class SimpleBuilder:
    """Completes simple rows into requests with `defaults`. A field that no row can get (no column for it and no
    default) is reported once, by `require`, instead of on every row."""

    def __init__(self, file: str, defaults: RequestDefaults) -> None:
        self.file = file
        self.defaults = defaults.as_params()
        self._reported: set[str] = set()

    def missing_error(self, name: str, line: int | None, why: str, item: int | None = None) -> InputError:
        flag, box = FLAGS[name]
        example = _EXAMPLES[name]
        return InputError(
            self.file,
            line,
            name,
            f"missing: {why}, and no default was given",
            f"pass {flag} (e.g. {flag} {example}; in the dashboard, the {box} field), or give every row a {name}",
            "missing_default",
            item,
        )

    def require(self, name: str, line: int | None, why: str) -> InputError | None:
        """Report once that `name` has no source at all (e.g. no model column and no --model); None when it has."""
        if name in self.defaults or name in self._reported:
            return None
        self._reported.add(name)
        return self.missing_error(name, line, why)

    def build(self, row: SimpleRow) -> Iterator[ReadItem]:
        errors = list(row.errors)
        params: dict[str, Any] = {**self.defaults, **row.fields}
        for name in FLAGS:
            if name not in params and name not in self._reported:
                # The first row without one says so; every later one is refused without repeating it.
                self._reported.add(name)
                why = "this row has none" if row.item is None else "this item has none"
                error = self.missing_error(name, row.line, why, row.item)
                note = " (reported here only: later ones without one are refused too)"
                errors.append(replace(error, message=error.message + note))
        if "temperature" in row.fields:
            problem = temperature_error(row.fields["temperature"], file=self.file, line=row.line, item=row.item)
            if problem:
                errors.append(problem)
        prompt = row.prompt
        if isinstance(prompt, str) and not prompt.strip():
            hint = "write the prompt, or delete the row"
            errors.append(InputError(self.file, row.line, row.prompt_field, "is empty", hint, "prompt_empty", row.item))
        cid, generated = row.custom_id, False
        if cid:
            reserved = reserved_custom_id_error(cid, file=self.file, line=row.line, item=row.item)
            if reserved:
                errors.append(reserved)
        else:
            text = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, ensure_ascii=False)
            cid, generated = generated_custom_id(row.number, text), True
        missing = [name for name in FLAGS if name not in params]
        if errors or missing:
            yield RejectedRequest(row.line, tuple(errors), cid, row.item)
            return
        params["messages"] = [{"role": "user", "content": prompt}]
        yield SourceRequest(row.line, cid, params, row.metadata or None, row.item, generated)
