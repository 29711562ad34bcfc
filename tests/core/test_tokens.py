"""Input token bounds of a request, against counts worked out by hand from the rules in batchtui/core/tokens.py:

high = 64 per request + 16 per message + 8 per content block + UTF-8 bytes of text + 5,000 per image
       + 1,000 once with tools + the JSON of each custom tool + 2,000 per Anthropic client tool;
low  = ceil(characters of billed text, less whitespace and 4 per "====" (runs of = - _ * # ~ . 0), / 16).
"""

from __future__ import annotations

import base64
import json

import pytest

from batchtui.core.tokens import input_bounds


def msg(content: object, role: str = "user") -> dict:
    return {"role": role, "content": content}


def test_plain_strings() -> None:
    params = {"system": "You are terse.", "messages": [msg("Hello there")]}
    bounds = input_bounds(params)
    # high: 64 + 14 bytes of system + 16 for the message + 11 bytes = 105
    assert bounds.high == 64 + 14 + 16 + 11 == 105
    # low: "You are terse." 12 characters besides spaces, "Hello there" 10: ceil(22 / 16) = 2
    assert bounds.low == 2
    assert (bounds.cache_ttl, bounds.unbounded) == (None, None)


def test_utf8_bytes_bound_the_high_and_characters_the_low() -> None:
    bounds = input_bounds({"messages": [msg("日本語のテキスト")]})  # 8 characters, 3 bytes each
    assert bounds.high == 64 + 16 + 24
    assert bounds.low == 1  # ceil(8 / 16)


def test_whitespace_and_separator_runs_are_left_out_of_the_low() -> None:
    text = "=" * 4000 + "\n" + " " * 3000 + "abc"  # a separator and indentation: a few tokens, whatever their length
    bounds = input_bounds({"messages": [msg(text)]})
    assert bounds.low == 1  # 4000 "=" are 1000 "====", left out; so is the whitespace: "abc" is 3 characters
    assert bounds.high == 64 + 16 + 7004


def test_every_kind_of_block_is_counted() -> None:
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
    doc = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Clause 1: pay."}}
    encoded = {
        "type": "document",
        "title": "Memo",
        "source": {"type": "base64", "media_type": "text/plain", "data": base64.b64encode(b"Pay now.").decode()},
    }
    call = {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "x"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "found it"}]}
    search = {"type": "search_result", "title": "T", "source": "s", "content": [{"type": "text", "text": "body"}]}
    params = {
        "system": [{"type": "text", "text": "Be brief."}],
        "messages": [
            msg([image, doc, encoded, {"type": "text", "text": "Summarise."}]),
            msg([call], "assistant"),
            msg([result, search]),
        ],
    }
    bounds = input_bounds(params)
    # high: 64; system block 8 + 9; message 1: 16 + (8 + 5000) + (8 + 14) + (8 + 4 "Memo" + 8 "Pay now.") + (8 + 10);
    # message 2: 16 + 8 + 6 "lookup" + 10 '{"q": "x"}'; message 3: 16 + (8 + 8 + "found it" 8) + (8 + 1 + 1 + 8 + 4)
    high = 64 + (8 + 9) + 16 + (8 + 5000) + (8 + 14) + (8 + 4 + 8) + (8 + 10) + 16 + (8 + 6 + 10)
    high += 16 + (8 + 8 + 8) + (8 + 1 + 1 + 8 + 4)
    assert bounds.high == high
    # low characters besides spaces: "Be brief." 8, "Clause 1: pay." 12, "Memo" 4, "Pay now." 7, "Summarise." 10,
    # "lookup" 6, '{"q": "x"}' 9, "found it" 7, "T" 1, "s" 1, "body" 4 = 69 -> ceil(69 / 16) = 5
    assert bounds.low == 5
    assert bounds.unbounded is None


def test_tools_add_their_definitions_and_the_tool_prompt() -> None:
    tool = {"name": "record", "input_schema": {"type": "object", "properties": {"name": {"type": "string"}}}}
    schema_bytes = len(json.dumps(tool, ensure_ascii=False))
    base = input_bounds({"messages": [msg("hi")]})
    custom = input_bounds({"messages": [msg("hi")], "tools": [tool]})
    assert custom.high == base.high + 1000 + schema_bytes
    client = input_bounds({"messages": [msg("hi")], "tools": [tool, {"type": "bash_20250124", "name": "bash"}]})
    assert client.high == custom.high + 2000
    assert custom.low > base.low


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"messages": [msg([{"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                             "data": "JVBERi0="}}])]}, "PDF"),
        ({"messages": [msg([{"type": "document", "source": {"type": "url", "url": "https://x/y.pdf"}}])]}, "URL"),
        ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "server tool"),
        ({"mcp_servers": [{"type": "url", "url": "https://mcp.example", "name": "x"}]}, "MCP"),
        ({"messages": [msg([{"type": "hologram", "data": "?"}])]}, "hologram"),
    ],
)  # fmt: skip
def test_content_that_cannot_be_bounded_says_why(change: dict, why: str) -> None:
    bounds = input_bounds({"messages": [msg("hi")], **change})
    assert bounds.unbounded is not None and why in bounds.unbounded


def test_cache_breakpoints_give_the_longest_ttl() -> None:
    five = {"type": "text", "text": "a", "cache_control": {"type": "ephemeral"}}
    hour = {"type": "text", "text": "b", "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    assert input_bounds({"messages": [msg("x")]}).cache_ttl is None
    assert input_bounds({"system": [five], "messages": [msg("x")]}).cache_ttl == "5m"
    assert input_bounds({"system": [five], "messages": [msg([hour])]}).cache_ttl == "1h"
    tool = {"name": "t", "input_schema": {}, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
    assert input_bounds({"messages": [msg("x")], "tools": [tool]}).cache_ttl == "1h"
    assert input_bounds({"messages": [msg("x")], "cache_control": {"type": "ephemeral"}}).cache_ttl == "5m"


def test_earlier_thinking_is_under_the_high_but_not_in_the_low() -> None:
    thinking = {"type": "thinking", "thinking": "step by step", "signature": "sig"}
    plain = input_bounds({"messages": [msg("q"), msg([{"type": "text", "text": "a"}], "assistant")]})
    with_thinking = input_bounds({"messages": [msg("q"), msg([thinking, {"type": "text", "text": "a"}], "assistant")]})
    assert with_thinking.low == plain.low
    assert with_thinking.high == plain.high + 8 + len(json.dumps("step by step"))
