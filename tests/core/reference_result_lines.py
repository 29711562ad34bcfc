"""The result-line parser as it was before the fast path (commit 99b3b20), kept verbatim as the reference that
tests/core/test_result_values_equivalence.py holds the new one to: the same values and the same errors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson

from batchtui.core.cost import result_costs
from batchtui.core.models import RESULT_TYPES, ResultRow
from batchtui.core.sanitize import clean

_KNOWN_TYPES = frozenset(RESULT_TYPES)
_USAGE_KEYS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def parse_result_line(batch_id: str, line: bytes | str, *, at: datetime | None = None) -> ResultRow:
    """Parse one `{"custom_id": …, "result": {…}}` line. `raw` keeps the line exactly (minus its newline); display
    fields are sanitized; `custom_id` stays exact because it is the key. Raises ValueError on a malformed line.

    `at`: when the batch ran (its `created_at`), so cost uses the prices of that day; None means today's."""
    if isinstance(line, str):
        raw = line
    else:
        try:
            raw = line.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"result line is not UTF-8: {exc}") from None
    if raw.endswith("\n"):
        raw = raw[:-2] if raw.endswith("\r\n") else raw[:-1]
    try:
        obj = orjson.loads(raw)  # 3x faster than json; the stdlib takes over for what orjson refuses
    except orjson.JSONDecodeError:
        obj = _lenient_loads(raw)
    if not isinstance(obj, dict):
        raise ValueError(f"result line is not a JSON object: {_preview(raw)}")
    custom_id = obj.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        raise ValueError(f"result line has no custom_id: {_preview(raw)}")
    result = obj.get("result")
    result_type = result.get("type") if isinstance(result, dict) else None
    if not isinstance(result_type, str):
        raise ValueError(f"result line for {clean(custom_id)!r} has no result.type")

    if result_type == "succeeded":
        return _succeeded(batch_id, custom_id, raw, result, at)  # type: ignore[arg-type]
    if result_type == "errored":
        error = result.get("error")  # type: ignore[union-attr]
        inner = error.get("error") if isinstance(error, dict) else None
        if not isinstance(inner, dict):
            raise ValueError(f"errored result for {clean(custom_id)!r} has no result.error.error object")
        error_type, message = inner.get("type"), inner.get("message")
        return ResultRow(
            batch_id,
            custom_id,
            "errored",
            raw,
            error_type=clean(error_type) if isinstance(error_type, str) else None,
            error_message=clean(message) if isinstance(message, str) else None,
        )
    # canceled, expired, and any type a newer API adds: kept (sanitized), with nothing else to extract.
    return ResultRow(batch_id, custom_id, result_type if result_type in _KNOWN_TYPES else clean(result_type), raw)


def _succeeded(batch_id: str, custom_id: str, raw: str, result: dict[str, Any], at: datetime | None) -> ResultRow:
    message = result.get("message")
    if type(message) is not dict:
        raise ValueError(f"succeeded result for {clean(custom_id)!r} has no message object")
    text = None
    content = message.get("content")
    if type(content) is list:
        # Consecutive text blocks are one answer split up (e.g. around citations): joined with nothing between.
        parts = [t for b in content if type(b) is dict and b.get("type") == "text" and type(t := b.get("text")) is str]
        if parts:
            text = clean(parts[0] if len(parts) == 1 else "".join(parts))
    model = message.get("model")
    if type(model) is not str:
        model = None
    stop_reason = message.get("stop_reason")
    usage = message.get("usage")
    if type(usage) is dict:
        get = usage.get
        tokens = [
            t if type(t := get(k)) is int else None  # not bool, not float, not text
            for k in _USAGE_KEYS
        ]
        cost, cache_saved = result_costs(model, usage, at=at)
    else:
        tokens = [None, None, None, None]
        cost = cache_saved = None
    return ResultRow(
        batch_id,
        custom_id,
        "succeeded",
        raw,
        text,
        _clean_few(model) if model is not None else None,
        _clean_few(stop_reason) if type(stop_reason) is str else None,
        None,
        None,
        *tokens,
        cost,
        cache_saved,
    )


_FEW: dict[str, str] = {}  # model and stop_reason: a handful of values repeated 100,000 times


def _clean_few(text: str) -> str:
    """`clean(text)` for values that repeat, remembered (at most 256 of them)."""
    done = _FEW.get(text)
    if done is None:
        done = clean(text)
        if len(_FEW) < 256:
            _FEW[text] = done
    return done


def _lenient_loads(raw: str) -> Any:
    """The stdlib parser accepts what orjson refuses but the API could still send (lone surrogate escapes, NaN)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        what = "an empty line" if not raw.strip() else f"not valid JSON ({exc})"
        raise ValueError(f"result line is {what}: {_preview(raw)}") from None


def _preview(raw: str) -> str:
    return repr(clean(raw[:120]) + ("…" if len(raw) > 120 else ""))
