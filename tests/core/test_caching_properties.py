"""Property: auto-caching never changes what a request means. Over any set of requests (shared and unshared tools,
system prompts, documents, existing breakpoints of both TTLs, automatic caching), a marked request equals its
original once every `cache_control` is removed, a string turned into a block aside; it gains only
{"type": "ephemeral"} marks on blocks the API accepts them on, never passes 4 breakpoints, and never puts a
5-minute breakpoint before a 1-hour one."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.cache_rules import markable
from batchtui.core.caching import AutoCacher, PrefixCounter

MODEL = "claude-opus-5"  # a 512-token minimum keeps the shared texts small
TEXTS = ["", "hi", "Is invoice 12 covered?", "A" * 700, "Refund policy. " * 60, "Late fees. " * 80]
FIVE, HOUR = {"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}
marks = st.sampled_from([None, None, None, FIVE, HOUR])


def _with(block: dict[str, Any], mark: dict[str, str] | None) -> dict[str, Any]:
    return {**block, "cache_control": mark} if mark else block


text_blocks = st.builds(lambda t, m: _with({"type": "text", "text": t}, m), st.sampled_from(TEXTS), marks)
other_blocks = st.sampled_from(
    [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": TEXTS[4]}},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "document", "source": {"type": "url", "url": "https://example.com/a.pdf"}},
    ]
)
blocks = st.one_of(text_blocks, other_blocks)
contents = st.one_of(st.sampled_from(TEXTS[1:]), st.lists(blocks, min_size=1, max_size=5))
tools = st.sampled_from(
    [
        None,
        [{"name": "lookup", "description": TEXTS[3], "input_schema": {"type": "object"}}],
        [{"name": "a", "input_schema": {"type": "object"}}, {"name": "b", "description": TEXTS[5],
          "input_schema": {"type": "object"}, "cache_control": FIVE}],
    ]
)  # fmt: skip
systems = st.one_of(st.none(), st.sampled_from(TEXTS), st.lists(text_blocks, min_size=1, max_size=3))


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    params: dict[str, Any] = {"model": MODEL, "max_tokens": 50}
    if (t := draw(tools)) is not None:
        params["tools"] = t
    if (s := draw(systems)) is not None:
        params["system"] = s
    turns = draw(st.lists(contents, min_size=1, max_size=3))
    params["messages"] = [{"role": ("user", "assistant")[i % 2], "content": c} for i, c in enumerate(turns)]
    if draw(st.integers(0, 9)) == 0:
        params["cache_control"] = FIVE  # automatic caching
    return params


# A few distinct requests, repeated, so that prefixes are shared.
request_sets = st.lists(requests(), min_size=1, max_size=4).flatmap(
    lambda pool: st.lists(st.sampled_from(pool), min_size=2, max_size=10)
)


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def as_blocks(original: Any, marked: Any) -> Any:
    """The documented equivalence: a string is the one text block it stands for."""
    if isinstance(original, str) and isinstance(marked, list):
        return [{"type": "text", "text": original}]
    return original


def ttls(params: dict[str, Any]) -> list[str]:
    """Every breakpoint's TTL in prompt order: tools, system, messages."""
    found = []
    for holder in [*(params.get("tools") or []), *(params.get("system") or [] if isinstance(params.get("system"),
                   list) else []), *(b for m in params["messages"] if isinstance(m["content"], list)
                   for b in m["content"])]:  # fmt: skip
        if "cache_control" in holder:
            found.append(holder["cache_control"].get("ttl", "5m"))
    return found


def added_marks(original: Any, marked: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, holder, mark) of every cache_control in `marked` that `original` does not have."""
    out = []
    if isinstance(marked, dict):
        if "cache_control" in marked and not (isinstance(original, dict) and "cache_control" in original):
            out.append((path, marked, marked["cache_control"]))
        for k, v in marked.items():
            if k != "cache_control":
                sub = original.get(k) if isinstance(original, dict) else None
                out += added_marks(sub, v, f"{path}.{k}")
    elif isinstance(marked, list):
        base = original if isinstance(original, list) else [None] * len(marked)
        for i, v in enumerate(marked):
            out += added_marks(base[i] if i < len(base) else None, v, f"{path}.{i}")
    return out


@given(request_sets, st.integers(2, 4))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_marking_only_ever_adds_cache_control(batch: list[dict[str, Any]], share: int) -> None:
    originals = copy.deepcopy(batch)
    counter = PrefixCounter()
    for params in batch:
        counter.add(params)
    cacher = AutoCacher(counter, share)
    for params, original in zip(batch, originals, strict=True):
        marked = cacher.mark(params).params
        assert params == original  # never mutated
        expected = dict(original)
        if "system" in marked:
            expected["system"] = as_blocks(original["system"], marked["system"])
        expected["messages"] = [
            {**m, "content": as_blocks(m["content"], marked["messages"][i]["content"])}
            for i, m in enumerate(original["messages"])
        ]
        assert strip(marked) == strip(expected)
        new = added_marks(expected, marked)
        if not new:
            assert json.dumps(marked) == json.dumps(original)  # unchanged: byte for byte
            continue
        assert "cache_control" not in original  # automatic caching is left alone
        for path, holder, mark in new:
            assert mark == {"type": "ephemeral"}
            assert path.startswith(".tools.") or markable(holder), path
        before, after = ttls(original), ttls(marked)
        assert len(after) <= 4 and len(after) == len(before) + len(new)
        if "5m" not in before or "1h" not in before[before.index("5m") :]:  # a valid order stays valid
            assert "1h" not in after[after.index("5m") :] if "5m" in after else True
