"""Replies with more than text: thinking, tool calls and web searches, decoded into the SDK's own block types."""

from __future__ import annotations

import json
import math

import anthropic
import pytest
from anthropic.types import (
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    WebSearchToolResultBlock,
)

from batchtui.emulator import Emulator

from ._support import finish, make_request

pytestmark = pytest.mark.emulator(batch_seconds=10)

PERSON = {
    "name": "record_person",
    "description": "Record the person the text is about.",
    "input_schema": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer"},
            "role": {"type": "string", "enum": ["customer", "agent"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "vip": {"type": "boolean"},
        },
        "required": ["name"],
    },
}
FORCED = {"tools": [PERSON], "tool_choice": {"type": "tool", "name": "record_person"}}
THINKING = {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 2048}
WEB_SEARCH = {"tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 1}]}


def _messages(client: anthropic.Anthropic, emu: Emulator, requests: list[dict]) -> dict[str, anthropic.types.Message]:
    batch = client.messages.batches.create(requests=requests)
    finish(emu)
    out = {}
    for r in client.messages.batches.results(batch.id):
        assert r.result.type == "succeeded", r
        out[r.custom_id] = r.result.message
    return out


def _output_tokens(message: anthropic.types.Message) -> int:
    total = 0
    for block in message.content:
        if isinstance(block, TextBlock):
            total += math.ceil(len(block.text) / 4)
        elif isinstance(block, ThinkingBlock):
            total += math.ceil(len(block.thinking) / 4)
        elif isinstance(block, ToolUseBlock | ServerToolUseBlock):
            total += math.ceil(len(block.name + json.dumps(block.input)) / 4)
    return total


def test_forced_tool_call_fills_the_schema(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    messages = _messages(client, batch_emulator, [make_request("p1", **FORCED), make_request("p2", **FORCED)])
    for message in messages.values():
        assert message.stop_reason == "tool_use"
        (block,) = message.content  # a forced call has no text before it
        assert isinstance(block, ToolUseBlock) and block.name == "record_person" and block.id.startswith("toolu_01")
        assert set(block.input) == {"name", "age", "role", "tags", "vip"}
        assert block.input["role"] == "customer" and isinstance(block.input["age"], int)
        assert isinstance(block.input["tags"], list) and isinstance(block.input["vip"], bool)
        assert message.usage.output_tokens == _output_tokens(message)
    # The tool definitions and the tool-use prompt are input: far more than the bare prompt's ~10 tokens.
    plain = _messages(client, batch_emulator, [make_request("p1")])["p1"]
    assert messages["p1"].usage.input_tokens >= plain.usage.input_tokens + 346 + len(json.dumps([PERSON])) // 4


def test_auto_tool_choice_calls_for_some_requests_after_a_sentence(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    requests = [make_request(f"a{i}", tools=[PERSON]) for i in range(16)]
    messages = _messages(client, batch_emulator, requests)
    called = [m for m in messages.values() if m.stop_reason == "tool_use"]
    answered = [m for m in messages.values() if m.stop_reason == "end_turn"]
    assert called and answered and len(called) + len(answered) == 16
    for m in called:
        assert [type(b) for b in m.content] == [TextBlock, ToolUseBlock]
        assert "record_person" in m.content[0].text


def test_thinking_comes_first_with_a_signature(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    message = _messages(client, batch_emulator, [make_request("t", **THINKING)])["t"]
    assert [type(b) for b in message.content] == [ThinkingBlock, TextBlock]
    thinking = message.content[0]
    assert "October invoice dispute" in thinking.thinking and thinking.signature
    assert message.usage.output_tokens == _output_tokens(message) <= 2048


def test_web_search_adds_a_server_call_its_result_and_a_search_count(
    batch_emulator: Emulator, client: anthropic.Anthropic
) -> None:
    message = _messages(client, batch_emulator, [make_request("w", **WEB_SEARCH)])["w"]
    assert [type(b) for b in message.content] == [ServerToolUseBlock, WebSearchToolResultBlock, TextBlock]
    call, result = message.content[0], message.content[1]
    assert call.name == "web_search" and result.tool_use_id == call.id
    assert result.content[0].url.startswith("https://example.com/")
    assert message.usage.server_tool_use.web_search_requests == 1


@pytest.mark.parametrize("max_tokens", [0, 3, 12])
def test_max_tokens_caps_every_kind_of_output(
    batch_emulator: Emulator, client: anthropic.Anthropic, max_tokens: int
) -> None:
    # Adaptive thinking: an enabled budget must be at least 1,024 and below max_tokens, as the API requires.
    requests = [
        make_request("think", thinking={"type": "adaptive"}, max_tokens=max_tokens),
        make_request("tool", **FORCED, max_tokens=max_tokens),
    ]
    for message in _messages(client, batch_emulator, requests).values():
        assert message.usage.output_tokens == _output_tokens(message) <= max_tokens
        assert message.stop_reason == "max_tokens"


def test_same_request_same_blocks(batch_emulator: Emulator, client: anthropic.Anthropic) -> None:
    requests = [make_request("x", **FORCED, **THINKING)]
    first = _messages(client, batch_emulator, requests)["x"]
    again = _messages(client, batch_emulator, requests)["x"]
    assert first.content[-1].input == again.content[-1].input
    assert [type(b) for b in first.content] == [ThinkingBlock, ToolUseBlock]
