"""The JSONL fast lane (core/inputs/fast_lane.py) says nothing the full checks would not: what it accepts, the full
checks accept without an error or a warning, with the same params, the same token bounds and the same cost
estimate to the last bit; and a file validated with the lane gives the same report (errors at the same
file:line:field, warnings, costs, hashes) and the same create body as with every line taken the full way."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.cost import bounds_usd, estimate_request_cost, price_for
from batchtui.core.inputs import lines as lines_module
from batchtui.core.inputs import validate
from batchtui.core.inputs.custom_ids import custom_id_errors
from batchtui.core.inputs.envelope import read_item
from batchtui.core.inputs.fast_lane import plain_request
from batchtui.core.inputs.lines import BlockLines
from batchtui.core.inputs.offload import HashedBlocks
from batchtui.core.inputs.params import params_problems
from batchtui.core.inputs.records import RequestDefaults, SourceRequest
from batchtui.core.inputs.validate import validate_file
from batchtui.core.tokens import count_texts, input_bounds, low_tokens

AT = datetime(2026, 11, 1, tzinfo=UTC)
SCHEMA = {"type": "object", "properties": {"q": {"type": "string"}}}
PLAIN: dict[str, Any] = {
    "custom_id": "req-1",
    "params": {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [{"type": "text", "text": "Be brief ==== ok", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": "Ticket 1: the invoice  dispute\n...."},
            {"role": "assistant", "content": [{"type": "text", "text": "é 😀 ----"}]},
            {"role": "user", "content": [{"type": "text", "text": "more", "cache_control": {"type": "ephemeral",
                                                                                            "ttl": "1h"}}]},
        ],
        "metadata": {"user_id": "user-1"},
        "stop_sequences": ["\n\nHuman:"],
        "tools": [{"name": "lookup", "description": "Find an order.", "input_schema": SCHEMA}],
        "tool_choice": {"type": "auto"},
        "service_tier": "auto",
    },
}  # fmt: skip

# Values near the edges the checks draw (types JSON confuses, empty containers, neighbouring names), and anything.
_edge = st.sampled_from(
    [None, True, False, 0, -1, 1.0, 300_000, 300_001, "", "x", "text", "user", "assistant", "system", "ephemeral",
     "5m", "1h", "2h", "custom", "object", "tool", "auto", "any", "none", "standard_only", "claude-haiku-4-5",
     "claude-unknown-9", "row-1-abcdef12", "a b", "x" * 65, "x" * 257, [], {}, ["x"], [1], {"type": "text"},
     {"type": "ephemeral"}, {"type": "text", "text": "t"}, {"role": "user", "content": "hi"}]
).map(copy.deepcopy)  # a fresh copy each time: mutations must not reach the next example  # fmt: skip
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.text(max_size=5) | _edge,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "text", "role", "content", "ttl", "name", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
_new_keys = st.sampled_from(
    ["extra", "name", "text", "content", "ttl", "citations", "cache_control", "type", "description", "user_id",
     "temperature", "top_k", "stream", "thinking", "system", "tools", "betas", "metadata", "disable_parallel_tool_use",
     "role", "custom_id", "params", "input_schema"]
)  # fmt: skip


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


def _mutate(obj: dict[str, Any], data: st.DataObject) -> None:
    paths = _paths(obj)[1:]
    if not paths:
        obj[data.draw(_new_keys)] = data.draw(_json)
        return
    path = data.draw(st.sampled_from(paths))
    *parent_path, last = path
    parent: Any = obj
    for step in parent_path:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "edge", "remove", "add"]))
    if action == "replace" or (action == "remove" and isinstance(parent, list)):
        parent[last] = data.draw(_json)
    elif action == "edge":
        parent[last] = data.draw(_edge)
    elif action == "remove":
        del parent[last]
    elif isinstance(parent, dict):
        parent[data.draw(_new_keys)] = data.draw(_json)
    else:
        parent.append(data.draw(_json))


_defaults = st.sampled_from(
    [RequestDefaults(), RequestDefaults(model="claude-haiku-4-5", max_tokens=64), RequestDefaults(system="sys"),
     RequestDefaults(temperature=0.5)]
)  # fmt: skip


def _full(obj: Any, defaults: RequestDefaults) -> tuple[dict[str, Any] | None, list, list]:
    """What the full way makes of one item: its params once filled (None when the envelope refuses it), its errors
    and its warnings."""
    read = list(read_item(obj, line=2, file="f.jsonl"))
    req = read[-1]
    if not isinstance(req, SourceRequest):
        return None, list(read), []
    params = defaults.fill(req.params)
    errors, warnings = params_problems(params, file="f.jsonl", line=2)
    return params, [*read[:-1], *custom_id_errors(req.custom_id, file="f.jsonl", line=2), *errors], warnings


def _lane_estimate(plain_params: dict[str, Any], texts: list[str], high: int, ttl: str | None) -> Any:
    price = price_for(plain_params["model"], AT)
    if price is None:
        return None
    low_chars, text_bytes = count_texts(texts)
    return bounds_usd(price, low_tokens(low_chars), high + text_bytes, ttl, plain_params["max_tokens"])


def _agree(obj: Any, defaults: RequestDefaults) -> bool:
    """The lane accepts `obj` only if the full way does, silently; then with the same params, bounds and costs."""
    got = plain_request(copy.deepcopy(obj), defaults.as_params())
    params, errors, warnings = _full(copy.deepcopy(obj), defaults)
    if got is None:
        return False
    cid, plain_params, texts, high, ttl = got
    assert params is not None and not errors and not warnings, (obj, errors, warnings)
    assert cid == obj["custom_id"] and plain_params == params
    assert msgspec.json.encode(plain_params) == msgspec.json.encode(params)  # same keys in the same order
    bounds = input_bounds(params)
    low_chars, text_bytes = count_texts(texts)
    assert (low_tokens(low_chars), high + text_bytes, ttl, None) == (
        bounds.low,
        bounds.high,
        bounds.cache_ttl,
        bounds.unbounded,
    )
    assert _lane_estimate(plain_params, texts, high, ttl) == estimate_request_cost(params, at=AT)
    return True


def test_the_plain_request_takes_the_lane() -> None:
    assert _agree(PLAIN, RequestDefaults())
    assert _agree({"params": {"max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}, "custom_id": "a"},
                  RequestDefaults(model="claude-haiku-4-5"))  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), _defaults)
def test_what_the_lane_accepts_the_full_checks_accept_alike(data: st.DataObject, defaults: RequestDefaults) -> None:
    obj = copy.deepcopy(PLAIN)
    for _ in range(data.draw(st.integers(0, 3))):
        _mutate(obj, data)
    _agree(obj, defaults)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60) | st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_msgspec_refuses_what_the_full_way_cannot_read_as_text(raw: bytes) -> None:
    """The lane decodes a line's bytes with msgspec; the full way decodes them as UTF-8 text first. A line msgspec
    takes is valid UTF-8 with no NUL, and the value is the same either way."""
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return
    text = raw.decode("utf-8")
    assert "\x00" not in text
    assert msgspec.json.decode(text) == value


def _lines(data: st.DataObject) -> list[str]:
    out = []
    for i in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["plain", "plain", "mutated", "mutated", "dup", "blank", "bad", "array"]))
        obj = copy.deepcopy(PLAIN)
        obj["custom_id"] = f"req-{i}"
        if kind == "mutated":
            _mutate(obj, data)
        if kind == "dup":
            obj["custom_id"] = "req-0"
        line = {"blank": "  ", "bad": '{"custom_id": "x", params}', "array": "[1, 2]"}.get(kind)
        out.append(line if line is not None else json.dumps(obj, ensure_ascii=data.draw(st.booleans())))
    return out


def _validate(path: Path, lane: bool, **kw: Any) -> tuple[Any, list[bytes]]:
    """With the lane, or the way every other format is read (the registry's read_jsonl, line by line through
    readline, every line the full way)."""
    items: list[bytes] = []

    def sink(req: SourceRequest, item: bytes) -> None:
        items.append(item)

    with mock.patch.object(validate, "read_jsonl", validate.read_jsonl if lane else object()):
        report = validate_file(path, on_request=sink, **kw)
    return report, items


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data(), _defaults, st.sampled_from(["\n", "\r\n"]))
def test_a_file_reads_the_same_with_and_without_the_lane(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, defaults: RequestDefaults, end: str
) -> None:
    path = tmp_path_factory.mktemp("lane") / "f.jsonl"
    path.write_bytes(end.join(_lines(data)).encode("utf-8", "surrogatepass") + end.encode())
    with mock.patch.object(validate, "datetime") as clock:
        clock.now.return_value = AT
        fast, fast_items = _validate(path, True, defaults=defaults)
        full, full_items = _validate(path, False, defaults=defaults)
        with mock.patch.object(validate, "plain_request", lambda obj, defaults: None):  # the lane's reading only
            lines, lines_items = _validate(path, True, defaults=defaults)
    assert fast == full == lines
    assert fast_items == full_items == lines_items


def test_a_plain_request_is_made_as_the_dataclass_makes_it() -> None:
    made, plain = SourceRequest(3, "a", {"k": 1}), SourceRequest.plain(3, "a", {"k": 1})
    assert made == plain and repr(made) == repr(plain) and vars(made) == vars(plain)


def test_a_file_of_plain_requests_takes_the_lane_after_its_first_line(tmp_path: Path) -> None:
    lines = []
    for i in range(5):
        obj = copy.deepcopy(PLAIN)
        obj["custom_id"] = f"r{i}"
        lines.append(json.dumps(obj))
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with mock.patch.object(validate, "params_problems", wraps=params_problems) as full:
        report, items = _validate(path, True)
    assert report.ok and report.request_count == 5 and len(items) == 5
    assert full.call_count == 1  # line 1 only


def test_lane_and_full_way_give_the_same_errors_at_the_same_places(tmp_path: Path) -> None:
    good = json.dumps(PLAIN)
    bad = copy.deepcopy(PLAIN)
    bad["custom_id"] = "req-2"
    bad["params"]["messages"][1]["content"][0]["text"] = 7
    dup = json.dumps(PLAIN)  # the same custom_id again
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(["", good, json.dumps(bad), dup, "{oops"]) + "\n")
    fast, _ = _validate(path, True)
    full, _ = _validate(path, False)
    assert fast == full
    assert [(e.line, e.field, e.code) for e in fast.errors] == [
        (3, "params.messages.1.content.0.text", "block_field"),
        (4, "custom_id", "custom_id_duplicate"),
        (5, None, "json"),
    ]


@pytest.mark.parametrize("messages", [True, 5, 1.5])
def test_messages_that_are_no_list_are_an_error_not_a_crash(tmp_path: Path, messages: Any) -> None:
    """The estimate of a request with errors is still taken; it used to walk `"messages": true` and crash."""
    path = tmp_path / "f.jsonl"
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": messages}}
    path.write_text(json.dumps(PLAIN) + "\n" + json.dumps(line) + "\n")
    report = validate_file(path)
    assert [(e.line, e.field, e.code) for e in report.errors] == [(2, "params.messages", "messages_type")]


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=80)
    | st.lists(st.sampled_from([b"ab", b"\n", b"x" * 9, b"\r\n", b""]), max_size=20).map(b"".join),
    st.integers(1, 9),
    st.integers(1, 12),
    st.lists(st.integers(0, 6), max_size=10),
)
def test_block_lines_cut_lines_as_readline_does(data: bytes, block: int, limit: int, skips: list[int]) -> None:
    """BlockLines over blocks of any size gives what a file's readline(limit) gives, with readline(n) calls (the
    skipping of an overlong line) between lines."""
    file = io.BytesIO(data)
    blocks = HashedBlocks(io.BytesIO(data), size=block)
    try:
        lines = BlockLines(blocks)
        expected, got = [], []
        skip = iter(skips)
        for raw in lines.lines(limit):
            got.append(raw)
            expected.append(file.readline(limit))
            n = next(skip, None)
            if n:
                got.append(lines.readline(n))
                expected.append(file.readline(n))
        assert got == expected and file.readline(limit) == b""
        assert lines.at_end() and blocks.hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        blocks.close()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n",
        b"\xef\xbb\xbf" + json.dumps(PLAIN).encode() + b"\n" + json.dumps({**PLAIN, "custom_id": "b"}).encode(),
        json.dumps(PLAIN).encode() + b"\r\n" + json.dumps({**PLAIN, "custom_id": "b"}).encode() + b"\r\n",
        json.dumps(PLAIN).encode() + b"\n" + b'{"custom_id": "b", "params": {"x": "\x00"}}\n' + b"{}\n",
        json.dumps(PLAIN).encode()
        + b"\n"
        + b'{"custom_id": "\xff"}\n'
        + json.dumps({**PLAIN, "custom_id": "c"}).encode(),
        json.dumps(PLAIN).encode() + b"\n" + b"x" * 500 + b"\n" + json.dumps({**PLAIN, "custom_id": "c"}).encode(),
        json.dumps(PLAIN).encode() + b"\n" + b"y" * 5000,
        b"[\n" + json.dumps(PLAIN).encode() + b"\n]\n",
        b"\x1f\x8b\x08\x00rest",
        b"\n" + json.dumps(PLAIN).encode() + b"\n",
    ],
)
def test_odd_files_read_the_same_with_the_lane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 400)  # so that a line can be too long here
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    fast, fast_items = _validate(path, True)
    full, full_items = _validate(path, False)
    assert fast == full and fast_items == full_items


@pytest.mark.parametrize(
    "change",
    [
        {"temperature": 0.5},  # a key the lane leaves to the full checks, beside every key it knows
        {"top_k": 5},
        {"extra": None},
    ],
)
def test_a_key_the_lane_does_not_know_sends_the_line_the_full_way(change: dict[str, Any]) -> None:
    """The lane counts the keys it knows as it meets them (no set comparison first): one more, even beside all the
    optional ones, is never taken as plain."""
    obj = copy.deepcopy(PLAIN)
    obj["params"].update(change)
    assert plain_request(obj, {}) is None
    assert plain_request(copy.deepcopy(PLAIN), {}) is not None


@pytest.mark.parametrize(
    "block",
    [
        {"type": "text", "text": "t", "citations": None, "cache_control": None},  # four keys, both null: plain
        {"type": "text", "text": "t", "cache_control": {"type": "ephemeral", "ttl": "5m"}},
        {"type": "text", "text": "t", "citations": []},  # not plain
        {"type": "text", "text": "t", "cache_control": {"type": "persistent"}},  # not plain
    ],
)
def test_a_text_block_with_more_than_type_and_text_reads_alike(block: dict[str, Any]) -> None:
    for where in ("system", "message"):
        obj = copy.deepcopy(PLAIN)
        if where == "system":
            obj["params"]["system"] = [copy.deepcopy(block)]
        else:
            obj["params"]["messages"][2]["content"] = [copy.deepcopy(block)]
        taken = _agree(obj, RequestDefaults())
        plain = ("citations" not in block or block["citations"] is None) and (
            block.get("cache_control") is None or block["cache_control"]["type"] == "ephemeral"
        )
        assert taken == plain


def test_the_lane_tallies_the_report_as_the_full_way_around_full_lines(tmp_path: Path) -> None:
    """The lane keeps the report's counts and sums in locals between lines taken the full way: a file alternating
    the two (and a duplicate, which the lane reports itself) gives the same report and body either way."""
    out = []
    for i in range(40):
        obj = copy.deepcopy(PLAIN)
        obj["custom_id"] = f"r{i}"
        if i % 3 == 1:
            obj["params"]["temperature"] = 0.5  # valid, the full way
        if i == 30:
            obj["custom_id"] = "r3"
        out.append(json.dumps(obj))
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(out) + "\n")
    fast, fast_items = _validate(path, True)
    full, full_items = _validate(path, False)
    assert fast == full and fast_items == full_items
    assert fast.request_count == 40 and [e.code for e in fast.errors] == ["custom_id_duplicate"]
    assert fast.cost_low_usd > 0 and fast.body_bytes > 0
