"""input_bounds counts every text of a request in one pass over them joined: exactly the counts of one pass per
text (the rules of batchtui/core/tokens.py), whatever the texts hold (dense runs at their ends, NUL, non-ASCII)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.core.tokens import LOW_CHARS_PER_TOKEN, MESSAGE_TOKENS, _Count, input_bounds

_text = st.text(st.sampled_from(list("ab .=-_*#~0\n\t\x00é😀")), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(_text, max_size=4), st.lists(st.lists(_text, max_size=3), min_size=1, max_size=3))
def test_joined_counts_equal_one_pass_per_text(system: list[str], messages: list[list[str]]) -> None:
    params = {
        "system": [{"type": "text", "text": t} for t in system],
        "messages": [{"role": "user", "content": [{"type": "text", "text": t} for t in m]} for m in messages],
    }
    one_by_one = _Count()
    one_by_one.content(params["system"])
    for message in params["messages"]:
        one_by_one.high += MESSAGE_TOKENS
        one_by_one.content(message["content"])
    bounds = input_bounds(params)
    assert bounds.high == one_by_one.high
    assert bounds.low == math.ceil(one_by_one.low_chars / LOW_CHARS_PER_TOKEN)


def _reference_bounds(params: dict) -> tuple[int, int, str | None, str | None]:
    """input_bounds' walk with the plain one-pass-per-text count (str.count per pattern, the rules as written)."""
    count = _Count()
    count.content(params.get("system"))
    for message in params.get("messages") or []:
        if isinstance(message, dict):
            count.high += MESSAGE_TOKENS
            count.content(message.get("content"))
    count.tools(params.get("tools"))
    ttl = "1h" if "1h" in count.ttls else ("5m" if count.ttls else None)
    return math.ceil(count.low_chars / LOW_CHARS_PER_TOKEN), count.high, ttl, count.unbounded


# Texts with dense runs of every length, blanks, NUL, non-ASCII and lone surrogates, long enough to hold several runs.
_any_text = st.text(st.sampled_from(list("aZ .=-_*#~0\n\t\x00é😀\ud83d")), max_size=80)
_mark = st.sampled_from([None, {"type": "ephemeral"}, {"type": "ephemeral", "ttl": "1h"}, "not a mapping"])
_block = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": _any_text, "citations": st.just([{"cited_text": "é x"}])}),
    _any_text,
    st.fixed_dictionaries({"type": st.just("text"), "text": _any_text}),
    st.fixed_dictionaries({"type": st.just("text"), "text": _any_text, "cache_control": _mark}),
    st.fixed_dictionaries(
        {"type": st.just("tool_use"), "name": _any_text, "input": st.dictionaries(_any_text, _any_text)}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("tool_result"),
            "content": st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": _any_text}), max_size=2),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("document"),
            "title": _any_text,
            "source": st.fixed_dictionaries({"type": st.just("text"), "data": _any_text}),
        }
    ),
    st.fixed_dictionaries({"type": st.just("image")}),
)
_content = st.one_of(_any_text, st.lists(_block, max_size=4))
_tool = st.fixed_dictionaries(
    {"name": _any_text, "description": _any_text, "input_schema": st.just({"type": "object"})}
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.none(), _content),
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": _content}), max_size=4),
    st.one_of(st.none(), st.lists(_tool, max_size=2)),
)
def test_bounds_equal_the_one_pass_per_text_reference(system: object, messages: list[dict], tools: object) -> None:
    params: dict = {"messages": messages}
    if system is not None:
        params["system"] = system
    if tools is not None:
        params["tools"] = tools
    bounds = input_bounds(params)
    assert (bounds.low, bounds.high, bounds.cache_ttl, bounds.unbounded) == _reference_bounds(params)
