"""One request object of a JSONL line or a JSON array item: native (`{"custom_id", "params"}`), or simple
(`{"id"?, "content" | "prompt", "system"?, "model"?, "max_tokens"?, "temperature"?}`, other keys kept as metadata).

An object with `params`, or with no prompt at all, is native and keeps its own params (defaults only fill what it
leaves out); one with a prompt and no `params` is simple.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from batchtui.core.inputs.envelope import json_type, read_item
from batchtui.core.inputs.records import (
    InputError,
    ReadItem,
    ReadWarning,
    RejectedRequest,
    RequestDefaults,
    SourceRequest,
    show,
)
from batchtui.core.inputs.simple import (
    ID_FIELDS,
    KNOWN_FIELDS,
    PARAM_FIELDS,
    PROMPT_FIELDS,
    SimpleBuilder,
    SimpleRow,
    metadata_warning,
)

MAX_WARNED_KEYS = 100  # a hostile file could use a new key per item: warn about the first few only


def is_simple(obj: dict[str, Any]) -> bool:
    return "params" not in obj and any(k in obj for k in PROMPT_FIELDS)


class ObjectReader:
    def __init__(self, file: str, defaults: RequestDefaults) -> None:
        self.file = file
        self.defaults = defaults
        self.builder = SimpleBuilder(file, defaults)
        self._warned: set[str] = set()

    def read(self, obj: dict[str, Any], *, line: int, item: int | None = None) -> Iterator[ReadItem]:
        """`item`: the position in a JSON array (None in JSONL, where the line says it all)."""
        if is_simple(obj):
            yield from self._simple(obj, line, item)
        else:
            yield from self._native(obj, line, item)

    def _native(self, obj: dict[str, Any], line: int, item: int | None) -> Iterator[ReadItem]:
        for got in read_item(obj, line=line, file=self.file):
            if isinstance(got, SourceRequest):
                yield SourceRequest(line, got.custom_id, self.defaults.fill(got.params), item=item)
            elif item is None:
                yield got
            elif isinstance(got, InputError):
                yield replace(got, item=item)
            elif isinstance(got, RejectedRequest):
                yield RejectedRequest(line, tuple(replace(e, item=item) for e in got.errors), got.custom_id, item)

    def _simple(self, obj: dict[str, Any], line: int, item: int | None) -> Iterator[ReadItem]:
        prompt_field = next(k for k in PROMPT_FIELDS if k in obj)
        prompt = obj[prompt_field]
        row = SimpleRow(line, line if item is None else item, prompt, prompt_field, item=item)

        def error(field: str | None, message: str, hint: str, code: str) -> None:
            row.errors.append(InputError(self.file, line, field, message, hint, code, item))

        if all(k in obj for k in PROMPT_FIELDS):
            error(None, 'has both "prompt" and "content"', "keep one of them", "simple_fields")
        if not isinstance(prompt, str | list):
            error(prompt_field, f"must be the prompt text (got {json_type(prompt)})", "write it as a string", "prompt")
        ids = [k for k in ID_FIELDS if k in obj]
        if len(ids) > 1:
            error(None, 'has both "custom_id" and "id"', "keep one of them", "simple_fields")
        if ids:
            cid = obj[ids[0]]
            if isinstance(cid, int) and not isinstance(cid, bool):
                cid = str(cid)  # [{"id": 1, ...}] is common, and means "1"
            if isinstance(cid, str):
                row.custom_id = cid
            else:
                hint = "write it as a string, or leave it out to have one generated"
                error("custom_id", f"must be a string (got {show(cid)})", hint, "custom_id_type")
        row.fields = {k: obj[k] for k in PARAM_FIELDS if obj.get(k) is not None}
        extra = {k: v for k, v in obj.items() if k not in KNOWN_FIELDS}
        if isinstance(extra.get("metadata"), dict):  # an explicit metadata object joins the other keys
            extra = {**extra.pop("metadata"), **extra}
        row.metadata = extra or None
        for key in extra:
            if key not in self._warned and len(self._warned) < MAX_WARNED_KEYS:
                self._warned.add(key)
                warning = metadata_warning(key, file=self.file, line=line, item=item)
                if warning:
                    yield ReadWarning(warning)
        yield from self.builder.build(row)
