"""One line of a batch's results JSONL → the values stored for it. Runs 100,000 times for a big batch, so the usual
line takes a fast path: msgspec decodes only the fields that are stored (the rest is skipped, never built), into
the tuple the store binds, with no ResultRow in between. Any line it does not fit (an odd type anywhere, a number
out of range, a missing key) goes the general way: one `orjson.loads` and plain dict access. Both give the same
values and errors (a property test holds them to it); `clean` returns clean text untouched after one regex scan."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import msgspec
import orjson
from msgspec import UNSET, Meta, Struct, UnsetType

from batchtui.core import cost as _cost
from batchtui.core.cost import result_costs
from batchtui.core.models import RESULT_TYPES, ResultRow
from batchtui.core.sanitize import clean, clean_answer

_KNOWN_TYPES = frozenset(RESULT_TYPES)
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError

# result_values(): the row a download stores, in this order (the store's upsert binds it as it is).
VALUE_COLUMNS = (
    "batch_key", "custom_id", "result_type", "raw", "text", "model", "stop_reason", "error_type", "error_message",
    "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "cost_usd",
    "cache_saved_usd",
)  # fmt: skip
# staged_values(): a usual succeeded line's values as a download stages them, in this order. The batch key and the
# type are bound once per chunk and its error fields are NULL in the SQL: sqlite3 binds a None through its adapter
# lookup (~0.4 µs each), a tenth of what staging a row costs. Any other line: VALUE_COLUMNS after the key.
SUCCEEDED_COLUMNS = (
    "custom_id", "raw", "text", "model", "stop_reason", "input_tokens", "output_tokens",
    "cache_creation_input_tokens", "cache_read_input_tokens", "cost_usd", "cache_saved_usd",
)  # fmt: skip


# -- the fast path's shape of a line: only what is stored. A field of another type, a negative count or one past
# 64 bits fails the decode, and the line goes the general way (which has a rule for each of them).
_Count = Annotated[int, Meta(ge=0, le=(1 << 63) - 1)]


class _Block(Struct, gc=False):
    type: str | None = None
    text: str | UnsetType = UNSET


class _Split(Struct, gc=False):
    ephemeral_5m_input_tokens: _Count = 0
    ephemeral_1h_input_tokens: _Count = 0


class _Server(Struct, gc=False):
    web_search_requests: _Count = 0


class _Usage(Struct, gc=False):
    input_tokens: _Count | UnsetType = UNSET
    output_tokens: _Count | UnsetType = UNSET
    cache_creation_input_tokens: _Count | UnsetType = UNSET
    cache_read_input_tokens: _Count | UnsetType = UNSET
    cache_creation: _Split | UnsetType | None = UNSET
    server_tool_use: _Server | UnsetType | None = UNSET


class _Message(Struct, gc=False):
    model: str | None = None
    content: list[_Block] | None = None
    stop_reason: str | None = None
    usage: _Usage | None = None


class _Inner(Struct, gc=False):
    type: str | None = None
    message: str | None = None


class _Outer(Struct, gc=False):
    error: _Inner | None = None


class _Result(Struct, gc=False):
    type: str
    message: _Message | None = None
    error: _Outer | None = None


class _Line(Struct, gc=False):
    custom_id: str
    result: _Result


_decode_line = msgspec.json.Decoder(_Line).decode
_MISFIT = (msgspec.DecodeError, RecursionError)  # ValidationError is a DecodeError


def parse_result_line(batch_id: str, line: bytes | str, *, at: datetime | None = None) -> ResultRow:
    """Parse one `{"custom_id": …, "result": {…}}` line. `raw` keeps the line exactly (minus its newline); display
    fields are sanitized; `custom_id` stays exact because it is the key. Raises ValueError on a malformed line.

    `at`: when the batch ran (its `created_at`), so cost uses the prices of that day; None means today's."""
    return ResultRow(batch_id, *result_values(None, line, at)[1:])


def result_values(key: Any, line: bytes | str, at: datetime | None = None) -> tuple:
    """`parse_result_line`'s fields as one tuple in VALUE_COLUMNS order, `key` first (the batch's store key). The
    same checks, values and errors."""
    return full_values(key, staged_values(line, at))


def full_values(key: Any, staged: tuple) -> tuple:
    """A `staged_values` tuple as `result_values` gives it: VALUE_COLUMNS, `key` first."""
    if len(staged) == len(SUCCEEDED_COLUMNS):
        return (key, staged[0], "succeeded", *staged[1:5], None, None, *staged[5:])
    return (key, *staged)


def staged_values(line: bytes | str, at: datetime | None = None) -> tuple:
    """What a download stages for a line: a usual succeeded line's values in SUCCEEDED_COLUMNS order, any other's in
    VALUE_COLUMNS order without the key (the two told apart by their length). `result_values`' checks and errors."""
    if type(line) is bytes:
        try:
            raw = line.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"result line is not UTF-8: {exc}") from None
    elif isinstance(line, str):
        raw = line
    else:
        try:
            raw = line.decode()
        except UnicodeDecodeError as exc:
            raise ValueError(f"result line is not UTF-8: {exc}") from None
    if raw.endswith("\n"):
        raw = raw[:-2] if raw.endswith("\r\n") else raw[:-1]
    if result_costs is _cost.result_costs:  # else replaced (a test): the general way asks it for every result
        try:
            fitted = _decode_line(line if type(line) is bytes else raw)
        except _MISFIT:
            pass
        else:
            values = _fast_values(fitted, raw, at)
            if values is not None:
                return values
    return _general_values(raw, line, at)


def _fast_values(fitted: _Line, raw: str, at: datetime | None) -> tuple | None:
    """The staged values of a line that fits the fast path's shape, or None to send it the general way."""
    custom_id, result = fitted.custom_id, fitted.result
    if not custom_id:
        return None
    result_type = result.type
    if result_type == "succeeded":
        message = result.message
        if message is None:
            return None
        text = None
        content = message.content
        if content is not None:
            if len(content) == 1:
                block = content[0]
                if block.type == "text" and block.text is not UNSET:
                    text = clean_answer(block.text)  # type: ignore[arg-type]
            else:
                parts = [b.text for b in content if b.type == "text" and b.text is not UNSET]
                if parts:
                    text = clean_answer(parts[0] if len(parts) == 1 else "".join(parts))  # type: ignore[arg-type]
        model, stop_reason, usage = message.model, message.stop_reason, message.usage
        if usage is None:
            fresh = out = written = read = cost = cache_saved = None
        else:
            fresh, out = usage.input_tokens, usage.output_tokens
            written, read = usage.cache_creation_input_tokens, usage.cache_read_input_tokens
            split, server = usage.cache_creation, usage.server_tool_use
            entry = _PRICES.get((model, at)) or _price_entry(model, at)
            if (
                entry is not None
                and fresh is not UNSET
                and out is not UNSET
                and not written
                and not read
                and (
                    split is UNSET
                    or split is None
                    or not (split.ephemeral_5m_input_tokens or split.ephemeral_1h_input_tokens)
                )
                and (server is UNSET or server is None or not server.web_search_requests)
            ):
                # result_costs' one-step sum (rates_for's choice of band, then the same operations in the same
                # order, so the same floats), with the rates looked up once per model.
                above, rate_in, rate_out, long_in, long_out, discount = entry
                if above is not None and fresh > above:  # type: ignore[operator]
                    rate_in, rate_out = long_in, long_out
                cost, cache_saved = (fresh * rate_in + out * rate_out) * discount / _MTOK, 0.0  # type: ignore[operator]
            else:
                cost, cache_saved = result_costs(model, _usage_dict(usage), at=at)
            if fresh is UNSET:
                fresh = None
            if out is UNSET:
                out = None
            if written is UNSET:
                written = None
            if read is UNSET:
                read = None
        return (
            custom_id, raw, text,
            (_FEW.get(model) or _clean_few(model)) if model is not None else None,
            (_FEW.get(stop_reason) or _clean_few(stop_reason)) if stop_reason is not None else None,
            fresh, out, written, read, cost, cache_saved,
        )  # fmt: skip
    if result_type == "errored":
        outer = result.error
        inner = outer.error if outer is not None else None
        if inner is None:
            return None
        error_type, error_message = inner.type, inner.message
        return (
            custom_id, "errored", raw, None, None, None,
            clean(error_type) if error_type is not None else None,
            clean(error_message) if error_message is not None else None,
            None, None, None, None, None, None,
        )  # fmt: skip
    kind = result_type if result_type in _KNOWN_TYPES else clean(result_type)
    return (custom_id, kind, raw, None, None, None, None, None, None, None, None, None, None, None)


def _usage_dict(usage: _Usage) -> dict[str, Any]:
    """The usage keys `result_costs` reads, as the API gave them (a key it did not give stays out)."""
    out: dict[str, Any] = {}
    for name in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
        value = getattr(usage, name)
        if value is not UNSET:
            out[name] = value
    split, server = usage.cache_creation, usage.server_tool_use
    if split is not UNSET:
        out["cache_creation"] = None if split is None else {
            "ephemeral_5m_input_tokens": split.ephemeral_5m_input_tokens,
            "ephemeral_1h_input_tokens": split.ephemeral_1h_input_tokens,
        }  # fmt: skip
    if server is not UNSET:
        out["server_tool_use"] = None if server is None else {"web_search_requests": server.web_search_requests}
    return out


# (model, at) -> (long-prompt threshold or None, input rate, output rate, long-prompt input and output rates, batch
# discount): a download prices every result as of one day, with a handful of models. None when there is no saying
# once for all (no model, no price, or `at` None: today, and the day may turn).
_PRICES: dict[tuple[str | None, datetime | None], tuple[Any, ...]] = {}
_MTOK = _cost.MTOK


def _price_entry(model: str | None, at: datetime | None) -> tuple[Any, ...] | None:
    if at is None or not model:
        return None
    price = _cost.price_for(model, at)
    if price is None:
        return None
    base, band = price.base, price.long_prompt
    above = price.long_prompt_above_tokens if band is not None else None  # rates_for's test
    long = band if band is not None else base
    entry = (above, base.input, base.output, long.input, long.output, _cost.batch_discount())
    if len(_PRICES) < 256:
        _PRICES[(model, at)] = entry
    return entry


def _general_values(raw: str, line: bytes | str, at: datetime | None) -> tuple:
    """Any line, the general way: orjson (the stdlib for what it refuses), then plain dict access. VALUE_COLUMNS
    without the key."""
    try:
        obj = _loads(line if type(line) is bytes else raw)
    except _JSONDecodeError:
        obj = _lenient_loads(raw)
    if type(obj) is not dict:
        raise ValueError(f"result line is not a JSON object: {_preview(raw)}")
    custom_id = obj.get("custom_id")
    if type(custom_id) is not str or not custom_id:  # JSON parsers make plain str, never a subclass
        raise ValueError(f"result line has no custom_id: {_preview(raw)}")
    result = obj.get("result")
    result_type = result.get("type") if type(result) is dict else None
    if type(result_type) is not str:
        raise ValueError(f"result line for {clean(custom_id)!r} has no result.type")

    if result_type == "succeeded":
        return _succeeded(custom_id, raw, result, at)  # type: ignore[arg-type]
    if result_type == "errored":
        error = result.get("error")  # type: ignore[union-attr]
        inner = error.get("error") if type(error) is dict else None
        if type(inner) is not dict:
            raise ValueError(f"errored result for {clean(custom_id)!r} has no result.error.error object")
        error_type, message = inner.get("type"), inner.get("message")
        return (
            custom_id, "errored", raw, None, None, None,
            clean(error_type) if type(error_type) is str else None,
            clean(message) if type(message) is str else None,
            None, None, None, None, None, None,
        )  # fmt: skip
    # canceled, expired, and any type a newer API adds: kept (sanitized), with nothing else to extract.
    kind = result_type if result_type in _KNOWN_TYPES else clean(result_type)
    return (custom_id, kind, raw, None, None, None, None, None, None, None, None, None, None, None)


def _succeeded(custom_id: str, raw: str, result: dict[str, Any], at: datetime | None) -> tuple:
    message = result.get("message")
    if type(message) is not dict:
        raise ValueError(f"succeeded result for {clean(custom_id)!r} has no message object")
    text = None
    content = message.get("content")
    if type(content) is list:
        # Consecutive text blocks are one answer split up (e.g. around citations): joined with nothing between.
        if (
            len(content) == 1
            and type(block := content[0]) is dict
            and block.get("type") == "text"
            and type(t := block.get("text")) is str
        ):
            text = clean(t)  # the usual reply: one text block
        else:
            parts = [
                t for b in content if type(b) is dict and b.get("type") == "text" and type(t := b.get("text")) is str
            ]
            if parts:
                text = clean(parts[0] if len(parts) == 1 else "".join(parts))
    model = message.get("model")
    if type(model) is not str:
        model = None
    stop_reason = message.get("stop_reason")
    usage = message.get("usage")
    if type(usage) is dict:
        get = usage.get
        # not bool, not float, not text
        fresh = t if type(t := get("input_tokens")) is int else None
        out = t if type(t := get("output_tokens")) is int else None
        written = t if type(t := get("cache_creation_input_tokens")) is int else None
        read = t if type(t := get("cache_read_input_tokens")) is int else None
        cost, cache_saved = result_costs(model, usage, at=at)
    else:
        fresh = out = written = read = None
        cost = cache_saved = None
    return (
        custom_id, "succeeded", raw, text,
        _clean_few(model) if model is not None else None,
        _clean_few(stop_reason) if type(stop_reason) is str else None,
        None, None, fresh, out, written, read, cost, cache_saved,
    )  # fmt: skip


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
