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
